"""The DingTalk robot channel against a real HTTP receiver on 127.0.0.1 that checks the sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from propdesk_dingtalk.plugin import DingTalkChannel, channel_from_table

from propdesk.channels import Channel, DeliveryError, SecretError
from propdesk.plugins import make_plugin_manager, notifiers
from propdesk.testing.receivers import (
    STAFF,
    HttpReceiver,
    Reply,
    Request,
    personal_data_found,
    sample_message,
)

TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
PATH = "/robot/send"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.25

    def __call__(self) -> float:
        return self.now


def robot(code: int, msg: str = "ok") -> Reply:
    return 200, {"content-type": "application/json"}, json.dumps(
        {"errcode": code, "errmsg": msg}).encode()


def verifier(clock: FakeClock) -> Any:
    def verify(request: Request) -> str | None:
        """DingTalk's checks, written out from its documentation."""
        q = request.query
        if request.path != PATH or q.get("access_token") != TOKEN:
            return "token is not exist"
        ts = q.get("timestamp", "")
        if not ts.isdigit() or abs(int(ts) - clock.now * 1000) > 3_600_000:
            return "invalid timestamp"
        mac = hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
        expected = base64.b64encode(mac).decode()
        raw_query = request.raw.split(b" ")[1].decode().split("?", 1)[1]
        if q.get("sign") != expected or "sign=" + urllib.parse.quote_plus(expected) \
                not in raw_query.split("&"):
            return "sign not match"
        return None
    return verify


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver(clock: FakeClock) -> Iterator[HttpReceiver]:
    with HttpReceiver(verify=verifier(clock), ok=lambda r: robot(0),
                      reject=lambda why: robot(310000, why)) as r:
        yield r
    assert personal_data_found(r.blobs()) == [], "an owner's phone or name was sent"


@pytest.fixture
def channel(receiver: HttpReceiver, clock: FakeClock) -> Iterator[DingTalkChannel]:
    ch = DingTalkChannel("ding", TOKEN, SECRET, url=receiver.url + PATH, clock=clock)
    yield ch
    ch.close()


def docs(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.accepted]


def test_signed_and_mentioning_the_mobiles_in_at_and_in_the_text(
        channel: DingTalkChannel, receiver: HttpReceiver) -> None:
    assert isinstance(channel, Channel) and channel.kind == "dingtalk"
    assert channel.send([sample_message(1, type="emergency", recipients=STAFF)]) == [None]
    (doc,) = docs(receiver)
    assert receiver.accepted[0].query["timestamp"] == "1790000000250"
    assert doc["msgtype"] == "text" and doc["at"]["isAtAll"] is False
    assert doc["at"]["atMobiles"] == ["13912340001", "13912340002", "13912340003"]
    content = doc["text"]["content"]
    assert content.startswith("A1 紧急事件 / emergency")
    assert content.endswith("@13912340001 @13912340002 @13912340003")


def test_a_wrong_secret_is_refused_for_good(receiver: HttpReceiver, clock: FakeClock) -> None:
    ch = DingTalkChannel("ding", TOKEN, "SECwrong", url=receiver.url + PATH, clock=clock)
    (error,) = ch.send([sample_message()])
    ch.close()
    assert error is not None and error.permanent and "310000" in error.reason
    assert receiver.refused[0][1] == "sign not match"


def test_a_stale_timestamp_is_refused(receiver: HttpReceiver, clock: FakeClock) -> None:
    late = FakeClock()
    late.now = clock.now - 7200
    ch = DingTalkChannel("ding", TOKEN, SECRET, url=receiver.url + PATH, clock=late)
    (error,) = ch.send([sample_message()])
    ch.close()
    assert error is not None and receiver.refused[0][1] == "invalid timestamp"


def test_too_fast_waits_ten_minutes(channel: DingTalkChannel, receiver: HttpReceiver,
                                    clock: FakeClock) -> None:
    receiver.script(robot(130101, "send too fast, exceed 20 times per minute"))
    results = channel.send([sample_message(1), sample_message(2)])
    assert all(isinstance(r, DeliveryError) and r.retry_after == 600 for r in results)
    assert len(receiver.requests) == 1


def test_over_twenty_a_minute_the_rest_go_in_one_digest(
        channel: DingTalkChannel, receiver: HttpReceiver, clock: FakeClock) -> None:
    messages = [sample_message(i, recipients=(STAFF[i % 2],)) for i in range(1, 23)]
    assert channel.send(messages) == [None] * 22
    sent = docs(receiver)
    assert len(sent) == 20
    digest = sent[-1]
    assert digest["text"]["content"].startswith("合并通知 3 条 / 3 notices merged")
    assert sorted(digest["at"]["atMobiles"]) == ["13912340001", "13912340002"]
    (error,) = channel.send([sample_message(30)])
    assert error is not None and error.retry_after and not error.permanent
    clock.now += 3
    assert channel.send([sample_message(30)]) == [None]


def test_fails_twice_then_succeeds(channel: DingTalkChannel, receiver: HttpReceiver) -> None:
    receiver.script((500, {}, b""), (503, {}, b""))
    results = [channel.send([sample_message(1)])[0] for _ in range(3)]
    assert [r is None for r in results] == [False, False, True]
    assert len(receiver.accepted) == 1


# --- configuration through the hook ---------------------------------------------------------

ENV = {"DING_TOKEN": TOKEN, "DING_SECRET": SECRET}


def table(**kw: object) -> dict[str, object]:
    return {"name": "ding", "kind": "dingtalk", "token_env": "DING_TOKEN",
            "secret_env": "DING_SECRET", **kw}


def test_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    pm = make_plugin_manager(blocked=["webhook", "wecom", "smtp"])
    found = [n for n in notifiers({"notifiers": [table(), {"name": "l", "kind": "log"}]}, pm)
             if isinstance(n, DingTalkChannel)]
    assert [n.name for n in found] == ["ding"]
    assert found[0].url == "https://oapi.dingtalk.com/robot/send"
    found[0].close()


@pytest.mark.parametrize("kw,path,words", [
    ({"token": TOKEN}, "$.notifiers[name=ding].token", "secrets are not accepted"),
    ({"secret": SECRET}, "$.notifiers[name=ding].secret", "secrets are not accepted"),
    ({"url": f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"},
     "$.notifiers[name=ding].url", "access_token="),
    ({"secret_env": "NO_SUCH_VARIABLE"}, "$.notifiers[name=ding].secret_env",
     "NO_SUCH_VARIABLE"),
    ({"at_all": True}, "$.notifiers[name=ding].at_all", "unknown key"),
])
def test_refusals_name_the_key(kw: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(SecretError) as info:
        channel_from_table(table(**kw), environ=ENV)
    assert str(info.value).startswith(path + ":") and words in str(info.value)
