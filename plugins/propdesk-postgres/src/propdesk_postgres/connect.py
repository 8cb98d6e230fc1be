"""Reaching the server: one direct connection before the pool, and one clear line.

A wrong port, a missing database or a refused login would otherwise show as
the pool's retries — a log line per attempt — and then, after the whole
``connect_timeout``, "pool initialization incomplete".  :func:`probe`
connects once, directly, and turns libpq's error into one sentence naming
the cause (:func:`cause_of`); the pool is opened only when that worked.
The ``psycopg.pool`` logger gets a :class:`logging.NullHandler`, so its
retries are not printed unless the application configures logging.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from propdesk.ports import StoreUnavailable

logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())

_CAUSES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"connection refused", re.I),
     "nothing accepts connections at {where} (wrong port, or the server is not running)",
     "{where} 无法连接（端口错误，或服务器未运行）"),
    (re.compile(r'database "([^"]+)" does not exist', re.I),
     'the database "{0}" does not exist on {where} (create it, or fix dbname in the dsn)',
     "{where} 上没有数据库 “{0}”（请先创建，或改正 dsn 中的 dbname）"),
    (re.compile(r'role "([^"]+)" does not exist', re.I),
     'the user "{0}" does not exist on {where} (fix user in the dsn)',
     "{where} 上没有用户 “{0}”（请改正 dsn 中的 user）"),
    (re.compile(r"password authentication failed|no password supplied|authentication failed",
                re.I),
     "the server at {where} refused the login of user {user} (set PGPASSWORD or a pgpass "
     "file; the dsn holds no password)",
     "{where} 拒绝了用户 {user} 的登录（请设置 PGPASSWORD 或 pgpass 文件；dsn 中不写密码）"),
    (re.compile(r"timeout expired|timed out", re.I),
     "no answer from {where} within {timeout} s (host unreachable, or a firewall)",
     "{where} 在 {timeout} 秒内无响应（主机不可达或被防火墙阻挡）"),
    (re.compile(r"could not translate host name|name or service not known|"
                r"nodename nor servname", re.I),
     "the host name {host} is not known (fix host in the dsn)",
     "主机名 {host} 无法解析（请改正 dsn 中的 host）"),
    (re.compile(r"no pg_hba\.conf entry", re.I),
     "the server at {where} does not allow this client (pg_hba.conf)",
     "{where} 不允许本机连接（pg_hba.conf）"),
)


def cause_of(exc: BaseException, dsn: str, timeout: float) -> str:
    """One sentence naming why connecting with ``dsn`` failed."""
    return causes_of(exc, dsn, timeout)[0]


def causes_of(exc: BaseException, dsn: str, timeout: float) -> tuple[str, str]:
    """``(en, zh)``: why connecting with ``dsn`` failed, in both languages."""
    parts: dict[str, Any] = {}
    with contextlib.suppress(psycopg.ProgrammingError):
        parts = conninfo_to_dict(dsn)
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost (socket)")
    where = f"{host}:{parts.get('port') or 5432}"
    text = str(exc)
    for pattern, en, zh in _CAUSES:
        match = pattern.search(text)
        if match:
            values = {"where": where, "host": host, "user": parts.get("user") or "(default)",
                      "timeout": _seconds(timeout)}
            return en.format(*match.groups(), **values), zh.format(*match.groups(), **values)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else type(exc).__name__
    return last, last


def _seconds(timeout: float) -> int:
    # libpq's connect_timeout is whole seconds, and at least 2
    return max(2, math.ceil(timeout))


def probe(dsn: str, timeout: float, safe_dsn: str) -> None:
    """Connect once to ``dsn`` (``timeout`` seconds); :class:`StoreUnavailable` naming
    the cause when that fails."""
    try:
        with psycopg.connect(dsn, connect_timeout=_seconds(timeout), autocommit=True):
            pass
    except psycopg.OperationalError as exc:
        raise unavailable(exc, dsn, timeout, safe_dsn) from None


def unavailable(exc: BaseException, dsn: str, timeout: float, safe_dsn: str
                ) -> StoreUnavailable:
    """The :class:`StoreUnavailable` for a failed connection; ``message_zh`` holds the
    Chinese text the CLI shows."""
    en, zh = causes_of(exc, dsn, timeout)
    error = StoreUnavailable(f"cannot reach PostgreSQL ({safe_dsn}): {en}")
    error.message_zh = f"无法连接 PostgreSQL（{safe_dsn}）：{zh}"  # type: ignore[attr-defined]
    return error
