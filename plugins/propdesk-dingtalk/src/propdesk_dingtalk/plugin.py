"""The ``dingtalk`` channel: the DingTalk (钉钉) custom robot with the signed URL.

One POST per message to
``url?access_token=<token>&timestamp=<ms>&sign=<signature>`` where the
signature is the base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed by
the robot's secret (the 加签 security setting), URL-encoded.  A text message
mentions the people addressed by mobile: ``at.atMobiles`` and ``@<mobile>``
in the text (DingTalk shows the mention only when both are there).  The
robot answers HTTP 200 with a JSON ``errcode``: 0 delivered, 130101 too fast
(the robot is then held for ten minutes).  20 messages a minute per robot:
the messages beyond it are merged into one digest
(:class:`propdesk.channel_kit.RobotChannel`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from propdesk.channel_kit import (
    DEFAULT_TIMEOUT,
    Batch,
    Clock,
    HttpPoster,
    RobotChannel,
    TokenBucket,
    check_table,
    check_url,
    mobiles,
    number,
    robot_answer,
    table_path,
    tables_of_kind,
)
from propdesk.channels import DeliveryError, secret
from propdesk.hookspecs import hookimpl

KIND = "dingtalk"
KEYS = ("url", "token_env", "secret_env", "timeout")
"""The table's keys besides ``name`` and ``kind`` (``*_file`` may replace ``*_env``)."""
OFFICIAL_URL = "https://oapi.dingtalk.com/robot/send"
LIMIT = 4000
"""Bytes of text per message we allow ourselves (a digest stays readable on a phone)."""
RATE_LIMITED = (130101,)
"""``errcode``: sending too fast (the robot is held for ten minutes)."""
TRANSIENT = (-1,)
"""``errcode``: the robot is busy."""


def signature(timestamp_ms: int, secret_value: str) -> str:
    """The robot's ``sign``: base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` (not encoded)."""
    mac = hmac.new(secret_value.encode("utf-8"),
                   f"{timestamp_ms}\n{secret_value}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


class DingTalkChannel(RobotChannel):
    """A configured DingTalk custom robot (security setting 加签)."""

    rate_limited_after = 600.0

    def __init__(self, name: str, token: str, secret_value: str, *, url: str = OFFICIAL_URL,
                 timeout: float = DEFAULT_TIMEOUT, clock: Clock = time.time) -> None:
        super().__init__(name, KIND, bucket=TokenBucket(20, 60.0, clock=clock),
                         poster=HttpPoster(timeout=timeout, clock=clock))
        self.clock = clock
        self.url = url
        self._token = token
        self._secret = secret_value

    def signed_url(self) -> str:
        """The robot's URL with the token, the timestamp (ms) and the signature of now."""
        ts = int(self.clock() * 1000)
        query = urllib.parse.urlencode({"access_token": self._token, "timestamp": ts,
                                        "sign": signature(ts, self._secret)})
        sep = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return self.url + sep + query

    def render(self, batch: Batch) -> dict[str, Any]:
        """The robot's JSON document for ``batch``."""
        phones = mobiles(batch.recipients)
        tail = " ".join(f"@{m}" for m in phones)
        content = f"{batch.title}\n{batch.text}"
        room = LIMIT - len(tail.encode("utf-8")) - 1
        if len(content.encode("utf-8")) > room:
            content = content.encode("utf-8")[:max(0, room - 3)].decode("utf-8", "ignore") + "…"
        return {"msgtype": "text",
                "text": {"content": content + (f"\n{tail}" if tail else "")},
                "at": {"atMobiles": phones, "isAtAll": False}}

    def fits(self, batch: Batch) -> bool:
        tail = " ".join(f"@{m}" for m in mobiles(batch.recipients))
        return len(f"{batch.title}\n{batch.text}\n{tail}".encode()) <= LIMIT

    def deliver(self, batch: Batch) -> DeliveryError | None:
        body = json.dumps(self.render(batch), ensure_ascii=False).encode("utf-8")
        answer = self.poster.post(self.signed_url(), body,
                                  {"content-type": "application/json;charset=utf-8"})
        if isinstance(answer, DeliveryError):
            return answer
        return robot_answer(answer, rate_codes=RATE_LIMITED, retry_codes=TRANSIENT,
                            wait=self.rate_limited_after, now=self.clock())


def channel_from_table(table: Mapping[str, Any], config_dir: Path = Path("."), *,
                       environ: Mapping[str, str] | None = None,
                       clock: Clock = time.time) -> DingTalkChannel:
    """The channel one ``[[notifiers]]`` table of kind ``dingtalk`` describes."""
    checked = check_table(table, keys=KEYS, config_dir=config_dir)
    path = table_path(table)
    return DingTalkChannel(
        checked["name"],
        secret(checked, "token_env", path=path, environ=environ),
        secret(checked, "secret_env", path=path, environ=environ),
        url=check_url(checked.get("url", OFFICIAL_URL), path=f"{path}.url"),
        timeout=number(checked, "timeout", DEFAULT_TIMEOUT, low=0.1, high=300),
        clock=clock)


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[DingTalkChannel]:
    """One :class:`DingTalkChannel` per ``[[notifiers]]`` table of kind ``dingtalk``."""
    return [channel_from_table(t, config_dir) for t in tables_of_kind(config, KIND)]


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The ``[[notifiers]]`` kind this plugin offers."""
    return [KIND]
