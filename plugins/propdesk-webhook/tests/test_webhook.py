"""The webhook channel against a real HTTP receiver on 127.0.0.1 that verifies signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import time
import urllib.parse
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import attrs
import pytest
from propdesk_webhook.plugin import WebhookChannel, channel_from_table
from standardwebhooks import Webhook

from propdesk.channel_kit import ChannelConfigError, HttpPoster
from propdesk.channels import Channel, DeliveryError, SecretError
from propdesk.plugins import make_plugin_manager, notifiers
from propdesk.testing.receivers import (
    FIXTURE_OWNER_NAMES,
    FIXTURE_OWNER_PHONES,
    STAFF,
    HttpReceiver,
    Request,
    personal_data_found,
    sample_message,
)

KEY = b"propdesk-test-key-0123456789abcd"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def verify(request: Request) -> str | None:
    """The Standard Webhooks check, written out from the scheme (independent of the sender)."""
    wid = request.headers.get("webhook-id")
    ts = request.headers.get("webhook-timestamp")
    sig = request.headers.get("webhook-signature")
    if not (wid and ts and sig):
        return "missing webhook headers"
    if not ts.isdigit():
        return "timestamp is not whole seconds"
    mac = hmac.new(KEY, f"{wid}.{ts}.".encode() + request.body, hashlib.sha256).digest()
    if "v1," + base64.b64encode(mac).decode() not in sig.split(" "):
        return "bad signature"
    return None


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver(verify=verify) as r:
        yield r
    assert personal_data_found(r.blobs()) == [], "an owner's phone or name was sent"


@pytest.fixture
def channel(receiver: HttpReceiver) -> Iterator[WebhookChannel]:
    ch = WebhookChannel("ops", receiver.url + "/hooks/propdesk", SECRET, concurrency=1)
    yield ch
    ch.close()


def test_a_notice_arrives_signed_with_its_type_ticket_rule_cycle_and_people(
        channel: WebhookChannel, receiver: HttpReceiver) -> None:
    message = sample_message(1, type="sla.breach")
    assert channel.send([message]) == [None]
    (got,) = receiver.accepted
    assert got.path == "/hooks/propdesk"
    assert got.headers["webhook-id"] == message.id
    assert got.headers["content-type"] == "application/json"
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 300
    body = json.loads(got.body)
    assert body["type"] == "sla.breach"
    assert (body["ticket"], body["rule"], body["cycle"]) == ("A1", "S-5", 1)
    assert [p["id"] for p in body["to"]] == ["eng-zhao", "eng-chief"]
    assert body == message.payload()
    # the reference library of the scheme accepts it too (signature and timestamp window)
    assert Webhook(SECRET).verify(got.body, dict(got.headers)) == body


def test_a_chinese_ticket_id_goes_percent_encoded_in_the_header(
        channel: WebhookChannel, receiver: HttpReceiver) -> None:
    message = attrs.evolve(sample_message(1), id="甲1:S-5:1:sla.warning", ticket="甲1")
    assert channel.send([message]) == [None]
    (got,) = receiver.accepted
    assert got.headers["webhook-id"] == urllib.parse.quote(message.id, safe="")
    assert json.loads(got.body)["id"] == message.id


@pytest.mark.parametrize("value", ["line\nbreak", "甲"])
def test_a_header_that_cannot_be_sent_is_a_permanent_result_not_an_exception(
        receiver: HttpReceiver, value: str) -> None:
    poster = HttpPoster(timeout=5)
    try:
        answer = poster.post(receiver.url, b"x", {"x-bad": value})
    finally:
        poster.close()
    assert isinstance(answer, DeliveryError) and answer.permanent
    assert receiver.requests == []


def test_the_channel_is_a_channel(channel: WebhookChannel) -> None:
    assert isinstance(channel, Channel)
    assert (channel.name, channel.kind) == ("ops", "webhook")


def test_a_receiver_refuses_a_wrong_signature(receiver: HttpReceiver) -> None:
    other = "whsec_" + base64.b64encode(b"another key entirely, 32 bytes!!").decode()
    ch = WebhookChannel("ops", receiver.url, other)
    try:
        (error,) = ch.send([sample_message()])
    finally:
        ch.close()
    assert isinstance(error, DeliveryError) and error.permanent
    assert receiver.refused[0][1] == "bad signature" and receiver.accepted == []


def test_fails_twice_then_delivers_once_with_the_same_webhook_id(
        channel: WebhookChannel, receiver: HttpReceiver) -> None:
    receiver.fail(2, 500)
    message = sample_message(3, type="emergency")
    results = [channel.send([message])[0] for _ in range(3)]
    assert [r is None for r in results] == [False, False, True]
    assert all(not r.permanent and r.retry_after is None for r in results[:2] if r)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {message.id}
    assert len(receiver.requests) == 3 and len(receiver.accepted) == 1


def test_429_with_retry_after_slows_down_and_the_rest_of_the_batch_waits(
        channel: WebhookChannel, receiver: HttpReceiver) -> None:
    receiver.throttle("30")
    results = channel.send([sample_message(1), sample_message(2), sample_message(3)])
    assert all(isinstance(r, DeliveryError) and r.retry_after == 30 for r in results)
    assert len(receiver.requests) == 1  # asked to slow down: nothing more sent now
    assert channel.send([sample_message(1)]) == [None]


def test_four_in_flight_each_once_and_a_429_stops_what_comes_after_the_window(
        receiver: HttpReceiver) -> None:
    ch = WebhookChannel("ops", receiver.url, SECRET, concurrency=4)
    try:
        batch = [sample_message(i) for i in range(1, 11)]
        assert ch.send(batch) == [None] * 10
        assert sorted(r.headers["webhook-id"] for r in receiver.accepted) == sorted(
            m.id for m in batch)
        receiver.throttle("30")
        results = ch.send(batch)
    finally:
        ch.close()
    assert len(receiver.requests) == 14  # one window of 4, then nothing
    assert results.count(None) == 3
    assert all(r.retry_after == 30 for r in results if r is not None)
    assert all(r is not None and "not attempted" in r.reason for r in results[4:])


def test_503_with_an_http_date_retry_after(channel: WebhookChannel,
                                          receiver: HttpReceiver) -> None:
    receiver.throttle(formatdate(time.time() + 120, usegmt=True), status=503)
    (error,) = channel.send([sample_message()])
    assert error is not None and error.retry_after is not None
    assert 100 < error.retry_after <= 121


@pytest.mark.parametrize("status,permanent", [(400, True), (404, True), (410, True),
                                              (408, False), (429, False), (500, False),
                                              (502, False), (503, False)])
def test_statuses(channel: WebhookChannel, receiver: HttpReceiver, status: int,
                  permanent: bool) -> None:
    receiver.fail(1, status, body=b"no")
    (error,) = channel.send([sample_message()])
    assert error is not None and error.permanent is permanent and error.retry_after is None
    assert f"HTTP {status}" in error.reason


def test_a_permanent_refusal_does_not_stop_the_next_message(
        channel: WebhookChannel, receiver: HttpReceiver) -> None:
    receiver.fail(1, 422)
    first, second = channel.send([sample_message(1), sample_message(2)])
    assert first is not None and first.permanent and second is None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_receiver_is_retryable_and_stops_the_batch() -> None:
    ch = WebhookChannel("ops", f"http://127.0.0.1:{free_port()}/", SECRET, timeout=5,
                        concurrency=1)
    try:
        results = ch.send([sample_message(1), sample_message(2)])
    finally:
        ch.close()
    assert all(r is not None and not r.permanent for r in results)
    assert results[0] is not None and "network" in results[0].reason
    assert results[1] is not None and "not attempted" in results[1].reason


# --- configuration through the hook ---------------------------------------------------------

ENV = {"OPS_HOOK_SECRET": SECRET}


def config(**table: object) -> dict[str, object]:
    base: dict[str, object] = {"name": "ops", "kind": "webhook",
                               "url": "http://127.0.0.1:1/hook", "secret_env": "OPS_HOOK_SECRET"}
    base.update(table)
    return {"notifiers": [base, {"name": "wechat", "kind": "wecom", "key_env": "X"},
                          {"name": "log", "kind": "log"}]}


def test_the_hook_returns_one_channel_per_webhook_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_HOOK_SECRET", SECRET)
    cfg = config()
    assert isinstance(cfg["notifiers"], list)
    # a table of a blocked plugin's kind would be refused (no plugin offers it)
    cfg["notifiers"] = [t for t in cfg["notifiers"] if t["kind"] != "wecom"]
    cfg["notifiers"].append({"name": "audit", "kind": "webhook", "url": "https://x.example/h",
                             "secret_env": "OPS_HOOK_SECRET", "timeout": 3})
    pm = make_plugin_manager(blocked=["wecom", "dingtalk", "smtp"])
    found = [n for n in notifiers(cfg, pm) if getattr(n, "kind", None) == "webhook"]
    assert [getattr(n, "name", None) for n in found] == ["ops", "audit"]
    for n in found:
        n.close()  # type: ignore[attr-defined]
    assert [n for n in notifiers({}, pm) if getattr(n, "kind", None) == "webhook"] == []


@pytest.mark.parametrize("table,path,words", [
    ({"colour": "red"}, "$.notifiers[name=ops].colour", "unknown key"),
    ({"secret": SECRET}, "$.notifiers[name=ops].secret", "secrets are not accepted"),
    ({"signing_key": "abc"}, "$.notifiers[name=ops].signing_key", "secrets are not accepted"),
    ({"url": "https://h.example/x?key=abc"}, "$.notifiers[name=ops].url", "key="),
    ({"url": "https://u:pw@h.example/x"}, "$.notifiers[name=ops].url", "password"),
    ({"url": "ftp://h.example/x"}, "$.notifiers[name=ops].url", "http"),
    ({"secret_env": "NOT_SET_ANYWHERE"}, "$.notifiers[name=ops].secret_env", "NOT_SET_ANYWHERE"),
    ({"timeout": 0}, "$.notifiers[name=ops].timeout", "number"),
    ({"timeout": "5"}, "$.notifiers[name=ops].timeout", "number"),
    ({"concurrency": 0}, "$.notifiers[name=ops].concurrency", "whole number from 1 to 16"),
    ({"concurrency": 2.5}, "$.notifiers[name=ops].concurrency", "whole number"),
    ({"concurrency": True}, "$.notifiers[name=ops].concurrency", "whole number"),
])
def test_refusals_name_the_key(table: dict[str, object], path: str, words: str) -> None:
    cfg = config(**table)
    tables = cfg["notifiers"]
    assert isinstance(tables, list)
    with pytest.raises(SecretError) as info:
        channel_from_table(tables[0], environ=ENV)
    assert str(info.value).startswith(path + ":") and words in str(info.value)


def test_a_missing_url_and_a_malformed_secret_are_refused() -> None:
    with pytest.raises(ChannelConfigError, match=r"^\$\.notifiers\[name=ops\]\.url: required"):
        channel_from_table({"name": "ops", "kind": "webhook", "secret_env": "S"},
                           environ={"S": SECRET})
    with pytest.raises(SecretError, match=r"secret_env: the secret must look like whsec_"):
        channel_from_table({"name": "ops", "kind": "webhook", "url": "http://h.example/",
                            "secret_env": "S"}, environ={"S": "plain-text"})
    with pytest.raises(SecretError, match="not valid base64"):
        channel_from_table({"name": "ops", "kind": "webhook", "url": "http://h.example/",
                            "secret_env": "S"}, environ={"S": "whsec_a"})


def test_the_secret_from_an_owner_only_file_relative_to_the_configuration(
        tmp_path: Path, receiver: HttpReceiver) -> None:
    (tmp_path / "hook.secret").write_text(SECRET + "\n")
    os.chmod(tmp_path / "hook.secret", 0o600)
    table = {"name": "ops", "kind": "webhook", "url": receiver.url, "secret_file": "hook.secret"}
    ch = channel_from_table(table, tmp_path, environ={})
    try:
        assert ch.send([sample_message()]) == [None]
    finally:
        ch.close()
    os.chmod(tmp_path / "hook.secret", 0o644)
    with pytest.raises(SecretError, match=r"secret_file: .* owner only"):
        channel_from_table(table, tmp_path, environ={})


# --- personal data ---------------------------------------------------------------------------

def test_the_scan_finds_an_owners_phone_or_name_when_one_is_sent(
        channel: WebhookChannel) -> None:
    """The receivers' scan is real: a leaking message is caught (in its own receiver)."""
    with HttpReceiver(verify=verify) as leaky:
        ch = WebhookChannel("leak", leaky.url, SECRET)
        bad = sample_message()
        bad = attrs.evolve(bad, text=f"{FIXTURE_OWNER_NAMES[0]} {FIXTURE_OWNER_PHONES[0]}",
                           recipients=STAFF)
        assert ch.send([bad]) == [None]
        ch.close()
    assert personal_data_found(leaky.blobs()) == sorted(
        [FIXTURE_OWNER_NAMES[0], FIXTURE_OWNER_PHONES[0]])
