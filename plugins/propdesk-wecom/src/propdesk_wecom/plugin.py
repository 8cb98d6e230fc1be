"""The ``wecom`` channel: the WeCom (企业微信) group robot.

One POST per message to ``url?key=<robot key>`` with ``msgtype`` markdown
(default) or text.  A text message mentions the people addressed by mobile
(``mentioned_mobile_list``) and by WeCom user id (``mentioned_list``, the
person's ``chat_id``); a markdown message can only mention by user id
(``<@chat_id>`` in its content), as the robot's API allows.  The robot answers
HTTP 200 with a JSON ``errcode``: 0 delivered, 45009 too fast (wait a minute).
20 messages a minute per robot: the messages beyond it are merged into one
digest (:class:`propdesk.channel_kit.RobotChannel`).
"""

from __future__ import annotations

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
    choice,
    mobiles,
    number,
    robot_answer,
    table_path,
    tables_of_kind,
)
from propdesk.channels import DeliveryError, secret
from propdesk.hookspecs import hookimpl

KIND = "wecom"
KEYS = ("url", "key_env", "msgtype", "timeout")
"""The table's keys besides ``name`` and ``kind`` (``key_file`` may replace ``key_env``)."""
OFFICIAL_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
MSGTYPES = ("markdown", "text")
LIMITS = {"markdown": 4096, "text": 2048}
"""The robot's limit on ``content``, in UTF-8 bytes."""
RATE_LIMITED = (45009,)
"""``errcode``: the robot's rate limit (api freq out of limit)."""
TRANSIENT = (-1,)
"""``errcode``: the robot is busy (system busy)."""


def cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, ending in … when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:max(0, limit - 3)].decode("utf-8", "ignore") + "…"


class WeComChannel(RobotChannel):
    """A configured WeCom group robot."""

    rate_limited_after = 60.0

    def __init__(self, name: str, key: str, *, url: str = OFFICIAL_URL,
                 msgtype: str = "markdown", timeout: float = DEFAULT_TIMEOUT,
                 clock: Clock = time.time) -> None:
        super().__init__(name, KIND, bucket=TokenBucket(20, 60.0, clock=clock),
                         poster=HttpPoster(timeout=timeout, clock=clock))
        self.msgtype = msgtype
        self.clock = clock
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        self._url = url + sep + urllib.parse.urlencode({"key": key})

    def render(self, batch: Batch, *, fit: bool = True) -> dict[str, Any]:
        """The robot's JSON document for ``batch`` (cut to the robot's limit when ``fit``)."""
        ids = list(dict.fromkeys(r.chat_id for r in batch.recipients if r.chat_id))
        limit = LIMITS[self.msgtype]
        if self.msgtype == "text":
            content = f"{batch.title}\n{batch.text}"
            return {"msgtype": "text", "text": {
                "content": cut(content, limit) if fit else content,
                "mentioned_list": ids,
                "mentioned_mobile_list": mobiles(batch.recipients)}}
        tail = "".join(f"<@{i}>" for i in ids)
        tail = f"\n{tail}" if tail else ""
        room = limit - len(tail.encode("utf-8"))
        content = f"**{batch.title}**\n{batch.text}"
        return {"msgtype": "markdown",
                "markdown": {"content": (cut(content, room) if fit else content) + tail}}

    def fits(self, batch: Batch) -> bool:
        doc = self.render(batch, fit=False)[self.msgtype]
        return len(str(doc["content"]).encode("utf-8")) <= LIMITS[self.msgtype]

    def deliver(self, batch: Batch) -> DeliveryError | None:
        body = json.dumps(self.render(batch), ensure_ascii=False).encode("utf-8")
        answer = self.poster.post(self._url, body, {"content-type": "application/json"})
        if isinstance(answer, DeliveryError):
            return answer
        return robot_answer(answer, rate_codes=RATE_LIMITED, retry_codes=TRANSIENT,
                            wait=self.rate_limited_after, now=self.clock())


def channel_from_table(table: Mapping[str, Any], config_dir: Path = Path("."), *,
                       environ: Mapping[str, str] | None = None,
                       clock: Clock = time.time) -> WeComChannel:
    """The channel one ``[[notifiers]]`` table of kind ``wecom`` describes."""
    checked = check_table(table, keys=KEYS, config_dir=config_dir)
    path = table_path(table)
    return WeComChannel(
        checked["name"], secret(checked, "key_env", path=path, environ=environ),
        url=check_url(checked.get("url", OFFICIAL_URL), path=f"{path}.url"),
        msgtype=choice(checked, "msgtype", MSGTYPES),
        timeout=number(checked, "timeout", DEFAULT_TIMEOUT, low=0.1, high=300),
        clock=clock)


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[WeComChannel]:
    """One :class:`WeComChannel` per ``[[notifiers]]`` table of kind ``wecom``."""
    return [channel_from_table(t, config_dir) for t in tables_of_kind(config, KIND)]


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The ``[[notifiers]]`` kind this plugin offers."""
    return [KIND]
