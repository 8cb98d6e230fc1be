"""Issue 19: a wrong port or a missing database is one clear line naming the cause,
not the pool's retries and "pool initialization incomplete" after the timeout."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("propdesk_postgres.testing", reason="propdesk-postgres is not installed: "
                    "pip install -e plugins/propdesk-postgres")

from propdesk_postgres.connect import cause_of
from propdesk_postgres.store import PostgresStore

from propdesk.ports import StoreUnavailable


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(tmp_path: Path, dsn: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "propdesk.toml"
    config.write_text(f'[storage]\nbackend = "postgres"\ndsn = "{dsn}"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "propdesk", "--lang", lang, "--config",
                           str(config), "list"], capture_output=True, text=True, timeout=120)


def test_a_wrong_port_is_one_line_naming_it(tmp_path: Path) -> None:
    port = free_port()
    proc = run_cli(tmp_path, f"host=127.0.0.1 port={port} user=postgres dbname=test")
    assert proc.returncode == 9
    assert proc.stderr.splitlines() == [
        f"error [storage]: cannot reach PostgreSQL (dbname=test host=127.0.0.1 port={port} "
        f"user=postgres): nothing accepts connections at 127.0.0.1:{port} (wrong port, or "
        "the server is not running)"]


def test_and_in_chinese(tmp_path: Path) -> None:
    port = free_port()
    proc = run_cli(tmp_path, f"host=127.0.0.1 port={port} user=postgres dbname=test", "zh")
    assert proc.returncode == 9
    [line] = proc.stderr.splitlines()
    assert line.endswith(f"127.0.0.1:{port} 无法连接（端口错误，或服务器未运行）"), line


def test_the_store_refuses_at_once_without_opening_a_pool() -> None:
    port = free_port()
    with pytest.raises(StoreUnavailable, match=f"nothing accepts connections at 127.0.0.1:{port}"):
        PostgresStore(f"host=127.0.0.1 port={port} user=postgres dbname=test",
                      connect_timeout=30)


def test_a_missing_database_is_named(tmp_path: Path, pg_dsn: str) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts = conninfo_to_dict(pg_dsn)
    dsn = make_conninfo(**{**parts, "dbname": "propdesk_no_such_db"})
    proc = run_cli(tmp_path, dsn)
    assert proc.returncode == 9
    [line] = proc.stderr.splitlines()
    assert 'the database "propdesk_no_such_db" does not exist on ' in line
    assert "pool" not in line and "error connecting" not in proc.stderr


@pytest.mark.parametrize("text,expected", [
    ('connection to server at "db", port 5432 failed: FATAL:  role "desk" does not exist',
     'the user "desk" does not exist on db:5432'),
    ("connection to server at \"db\" failed: FATAL:  password authentication failed for "
     "user \"desk\"", "refused the login of user desk"),
    ("connection to server at \"db\" (10.0.0.9), port 5432 failed: timeout expired",
     "no answer from db:5432 within 3 s"),
    ('could not translate host name "dbx" to address: Name or service not known',
     "the host name db is not known"),
    ("something new\nsecond line", "second line"),
])
def test_causes(text: str, expected: str) -> None:
    assert expected in cause_of(Exception(text), "host=db user=desk dbname=x", 2.5)
