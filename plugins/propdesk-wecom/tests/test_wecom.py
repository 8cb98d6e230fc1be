"""The WeCom robot channel against a real HTTP receiver on 127.0.0.1 that checks the robot key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from propdesk_wecom.plugin import WeComChannel, channel_from_table

from propdesk.channel_kit import ChannelConfigError
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

ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
PATH = "/cgi-bin/webhook/send"


def robot(code: int, msg: str = "") -> Reply:
    return 200, {"content-type": "application/json"}, json.dumps(
        {"errcode": code, "errmsg": msg or "ok"}).encode()


def verify(request: Request) -> str | None:
    if request.path != PATH or request.query.get("key") != ROBOT_KEY:
        return "invalid webhook url"
    doc = json.loads(request.body)
    if doc.get("msgtype") not in ("text", "markdown") or not doc[doc["msgtype"]]["content"]:
        return "empty content"
    return None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver(verify=verify, ok=lambda r: robot(0),
                      reject=lambda why: robot(93000, why)) as r:
        yield r
    assert personal_data_found(r.blobs()) == [], "an owner's phone or name was sent"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make(receiver: HttpReceiver, clock: FakeClock, **kw: Any) -> WeComChannel:
    return WeComChannel("wechat", ROBOT_KEY, url=receiver.url + PATH, clock=clock, **kw)


def docs(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.accepted]


def test_markdown_by_default_mentioning_by_user_id(receiver: HttpReceiver,
                                                   clock: FakeClock) -> None:
    ch = make(receiver, clock)
    assert isinstance(ch, Channel) and ch.kind == "wecom"
    assert ch.send([sample_message(1, recipients=STAFF)]) == [None]
    ch.close()
    (doc,) = docs(receiver)
    content = doc["markdown"]["content"]
    assert doc["msgtype"] == "markdown" and content.startswith("**A1 S-5 即将超时")
    assert content.endswith("<@ZhaoShiFu><@SunJingLi>")
    assert "138****0000" in content


def test_text_mentions_the_mobiles(receiver: HttpReceiver, clock: FakeClock) -> None:
    ch = make(receiver, clock, msgtype="text")
    assert ch.send([sample_message(1, recipients=STAFF)]) == [None]
    ch.close()
    (doc,) = docs(receiver)
    assert doc["msgtype"] == "text"
    assert doc["text"]["mentioned_mobile_list"] == ["13912340001", "13912340002", "13912340003"]
    assert doc["text"]["mentioned_list"] == ["ZhaoShiFu", "SunJingLi"]


def test_a_wrong_key_is_refused_for_good(receiver: HttpReceiver, clock: FakeClock) -> None:
    ch = WeComChannel("wechat", "wrong", url=receiver.url + PATH, clock=clock)
    (error,) = ch.send([sample_message()])
    ch.close()
    assert error is not None and error.permanent and "93000" in error.reason
    assert receiver.accepted == [] and len(receiver.refused) == 1


def test_over_twenty_a_minute_the_rest_go_in_one_digest(receiver: HttpReceiver,
                                                        clock: FakeClock) -> None:
    ch = make(receiver, clock, msgtype="text")
    messages = [sample_message(i, recipients=(STAFF[i % 3],)) for i in range(1, 26)]
    assert ch.send(messages) == [None] * 25
    sent = docs(receiver)
    assert len(sent) == 20  # the robot's limit
    digest = sent[-1]["text"]
    assert digest["content"].startswith("合并通知 6 条 / 6 notices merged")
    for i in range(20, 26):
        assert f"A{i} S-5" in digest["content"]
    assert sorted(digest["mentioned_mobile_list"]) == ["13912340001", "13912340002",
                                                       "13912340003"]
    # the bucket is empty: the next message waits for a token (3 s at 20 a minute)
    (error,) = ch.send([sample_message(30)])
    assert error is not None and error.retry_after is not None
    assert 0 < error.retry_after <= 3 and not error.permanent
    clock.now += 3
    assert ch.send([sample_message(30)]) == [None]
    # a minute later the bucket is full again: 20 single messages
    clock.now += 60
    assert ch.send([sample_message(i) for i in range(40, 60)]) == [None] * 20
    assert all(not d["text"]["content"].startswith("合并") for d in docs(receiver)[-20:])
    ch.close()


def test_one_token_left_sends_everything_as_one_digest(receiver: HttpReceiver,
                                                       clock: FakeClock) -> None:
    ch = make(receiver, clock)
    assert ch.send([sample_message(i) for i in range(1, 20)]) == [None] * 19
    assert ch.send([sample_message(i) for i in range(20, 24)]) == [None] * 4
    assert len(receiver.accepted) == 20
    assert docs(receiver)[-1]["markdown"]["content"].startswith("**合并通知 4 条")
    ch.close()


def test_a_digest_stays_within_the_robots_size_limit(receiver: HttpReceiver,
                                                     clock: FakeClock) -> None:
    ch = make(receiver, clock, msgtype="text")
    results = ch.send([sample_message(i) for i in range(1, 120)])
    sent = docs(receiver)
    assert len(sent) == 20
    assert len(sent[-1]["text"]["content"].encode()) <= 2048
    waiting = [r for r in results if r is not None]
    assert waiting and all(r.retry_after and not r.permanent for r in waiting)
    assert results[:19] == [None] * 19 and results[19] is None
    ch.close()


def test_errcode_45009_slows_down_and_the_batch_waits(receiver: HttpReceiver,
                                                      clock: FakeClock) -> None:
    receiver.script(robot(45009, "api freq out of limit"))
    ch = make(receiver, clock)
    results = ch.send([sample_message(1), sample_message(2)])
    assert all(isinstance(r, DeliveryError) and r.retry_after == 60 for r in results)
    assert len(receiver.requests) == 1
    # the bucket was emptied: nothing is sent until it refills
    (again,) = ch.send([sample_message(1)])
    assert again is not None and again.retry_after and len(receiver.requests) == 1
    clock.now += 60
    assert ch.send([sample_message(1), sample_message(2)]) == [None, None]
    ch.close()


def test_fails_twice_then_succeeds(receiver: HttpReceiver, clock: FakeClock) -> None:
    receiver.script(robot(-1, "system busy"), (502, {}, b"bad gateway"))
    ch = make(receiver, clock)
    results = [ch.send([sample_message(1)])[0] for _ in range(3)]
    assert [r is None for r in results] == [False, False, True]
    assert all(r is not None and not r.permanent for r in results[:2])
    assert len(receiver.accepted) == 1
    ch.close()


# --- configuration through the hook ---------------------------------------------------------

def table(**kw: object) -> dict[str, object]:
    return {"name": "wechat", "kind": "wecom", "key_env": "WECOM_KEY", **kw}


def test_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_KEY", ROBOT_KEY)
    config = {"notifiers": [table(), table(name="managers", msgtype="text"),
                            {"name": "log", "kind": "log"}]}
    pm = make_plugin_manager(blocked=["webhook", "dingtalk", "smtp"])
    found = [n for n in notifiers(config, pm) if isinstance(n, WeComChannel)]
    assert [(n.name, n.msgtype) for n in found] == [("wechat", "markdown"), ("managers", "text")]
    assert found[0]._url == OFFICIAL_URL_WITH_KEY
    for n in found:
        n.close()


OFFICIAL_URL_WITH_KEY = ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
                         "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")


@pytest.mark.parametrize("kw,path,words", [
    ({"keys": "x"}, "$.notifiers[name=wechat].keys", "secrets are not accepted"),
    ({"key": ROBOT_KEY}, "$.notifiers[name=wechat].key", "secrets are not accepted"),
    ({"url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"},
     "$.notifiers[name=wechat].url", "key="),
    ({"msgtype": "news"}, "$.notifiers[name=wechat].msgtype", "markdown, text"),
    ({"mention": "all"}, "$.notifiers[name=wechat].mention", "unknown key"),
    ({"key_env": "NO_SUCH_VARIABLE"}, "$.notifiers[name=wechat].key_env", "NO_SUCH_VARIABLE"),
])
def test_refusals_name_the_key(kw: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(SecretError) as info:
        channel_from_table(table(**kw), environ={"WECOM_KEY": ROBOT_KEY})
    assert str(info.value).startswith(path + ":") and words in str(info.value)


def test_no_key_at_all() -> None:
    with pytest.raises(SecretError, match=r"^\$\.notifiers\[name=wechat\]: key_env .*required"):
        channel_from_table({"name": "wechat", "kind": "wecom"}, environ={})
    with pytest.raises(ChannelConfigError, match=r"^\$\.notifiers\[name=wechat\]\.timeout"):
        channel_from_table(table(timeout=-1), environ={"WECOM_KEY": ROBOT_KEY})
