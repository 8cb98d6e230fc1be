"""The shared parts of the notifier plugins: rate limit, digest planning, HTTP answers, config."""

from __future__ import annotations

import base64
import email.utils
import json
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from propdesk.channel_kit import (
    Answer,
    Batch,
    ChannelConfigError,
    HttpPoster,
    RobotChannel,
    TokenBucket,
    check_table,
    check_url,
    digest_line,
    retry_after_seconds,
    robot_answer,
    send_each,
    single,
    status_result,
    tables_of_kind,
)
from propdesk.channels import DeliveryError, Message, SecretError
from propdesk.plugins import ConfigKeyError
from propdesk.testing.receivers import (
    FIXTURE_OWNER_NAMES,
    FIXTURE_OWNER_PHONES,
    STAFF,
    HttpReceiver,
    personal_data_found,
    sample_message,
)

NOW = 1_790_000_000.0


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- the token bucket ------------------------------------------------------------------------

def test_a_bucket_starts_full_refills_at_its_rate_and_never_overfills() -> None:
    clock = FakeClock()
    bucket = TokenBucket(20, 60.0, clock=clock)
    assert bucket.available() == 20
    assert all(bucket.take() for _ in range(20))
    assert not bucket.take() and bucket.available() == 0
    assert bucket.wait() == pytest.approx(3.0)
    clock.now += 2.9
    assert not bucket.take()
    clock.now += 0.1
    assert bucket.take()
    clock.now += 3600
    assert bucket.available() == 20


def test_draining_empties_the_bucket_and_a_clock_going_back_refills_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(20, 60.0, clock=clock)
    bucket.drain()
    assert bucket.available() == 0 and bucket.wait() == pytest.approx(3.0)
    clock.now -= 100
    assert bucket.available() == 0
    clock.now += 100 + 6
    assert bucket.available() == 2


def test_a_bucket_needs_a_capacity_and_a_period() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 60)
    with pytest.raises(ValueError):
        TokenBucket(1, 0)


# --- digest planning, without a network --------------------------------------------------------

class Recorder(RobotChannel):
    """A robot that records the batches it is given and answers as told."""

    def __init__(self, clock: FakeClock, limit: int = 10_000,
                 answers: Sequence[DeliveryError | None] = ()) -> None:
        super().__init__("rec", "test", bucket=TokenBucket(20, 60.0, clock=clock),
                         poster=HttpPoster(clock=clock))
        self.batches: list[Batch] = []
        self.limit = limit
        self.answers = list(answers)

    def fits(self, batch: Batch) -> bool:
        return len(f"{batch.title}\n{batch.text}".encode()) <= self.limit

    def deliver(self, batch: Batch) -> DeliveryError | None:
        self.batches.append(batch)
        return self.answers.pop(0) if self.answers else None


def messages(n: int) -> list[Message]:
    return [sample_message(i, recipients=(STAFF[i % 3],)) for i in range(n)]


def test_within_the_limit_every_message_goes_alone() -> None:
    robot = Recorder(FakeClock())
    assert robot.send(messages(20)) == [None] * 20
    assert [b.indices for b in robot.batches] == [(i,) for i in range(20)]
    robot.close()


def test_a_single_message_does_not_repeat_its_title() -> None:
    m = sample_message(1)
    assert m.text.splitlines()[0] == m.title
    assert single(0, m).text == "\n".join(m.text.splitlines()[1:])
    other = attrs.evolve(m, text="位置 5-1-1202")
    assert single(0, other).text == "位置 5-1-1202"


def test_beyond_the_limit_the_last_token_carries_a_digest_of_the_rest() -> None:
    robot = Recorder(FakeClock())
    assert robot.send(messages(50)) == [None] * 50
    assert len(robot.batches) == 20
    last = robot.batches[-1]
    assert last.is_digest and last.indices == tuple(range(19, 50))
    assert last.title == "合并通知 31 条 / 31 notices merged"
    assert [r.id for r in last.recipients] == ["eng-chief", "mgr-sun", "eng-zhao"]
    assert last.text.splitlines()[0] == digest_line(messages(50)[19])


def test_one_message_beyond_the_limit_goes_as_itself() -> None:
    robot = Recorder(FakeClock())
    assert robot.send(messages(19)) == [None] * 19
    assert robot.send(messages(1)) == [None]
    assert not robot.batches[-1].is_digest and not robot.batches[-1].title.startswith("合并")


def test_a_storm_of_ten_thousand_plans_one_digest_within_the_limit() -> None:
    robot = Recorder(FakeClock(), limit=4096)
    results = robot.send(messages(10_000))
    sent = sum(len(b.indices) for b in robot.batches)
    assert len(robot.batches) == 20 and 19 < sent < 10_000
    assert results.count(None) == sent


def test_without_tokens_everything_waits_and_nothing_is_sent() -> None:
    clock = FakeClock()
    robot = Recorder(clock)
    robot.send(messages(20))
    results = robot.send(messages(5))
    assert len(robot.batches) == 20
    assert all(r is not None and r.retry_after and not r.permanent for r in results)


def test_a_digest_keeps_to_the_size_limit_and_the_rest_wait() -> None:
    robot = Recorder(FakeClock(), limit=600)
    results = robot.send(messages(40))
    last = robot.batches[-1]
    assert last.is_digest and len(f"{last.title}\n{last.text}".encode()) <= 600
    waiting = [i for i, r in enumerate(results) if r is not None]
    assert waiting == list(range(19 + len(last.indices), 40))
    assert all(results[i] is not None and results[i].retry_after for i in waiting)  # type: ignore[union-attr]


def test_the_messages_in_a_digest_share_its_result() -> None:
    failure = DeliveryError("HTTP 500")
    robot = Recorder(FakeClock(), answers=[None] * 19 + [failure])
    results = robot.send(messages(25))
    assert results[:19] == [None] * 19 and all(r is failure for r in results[19:])


def test_a_robot_that_asks_to_wait_empties_the_bucket_and_stops_the_batch() -> None:
    wait = DeliveryError("too fast", retry_after=60)
    robot = Recorder(FakeClock(), answers=[None, wait])
    results = robot.send(messages(5))
    assert results[0] is None and results[1] is wait
    assert all(r is not None and r.retry_after == 60 and "not attempted" in r.reason
               for r in results[2:])
    assert len(robot.batches) == 2 and robot.bucket.available() == 0


def test_send_each_goes_on_after_a_permanent_refusal() -> None:
    refused = DeliveryError("400", permanent=True)
    answers: list[DeliveryError | None] = [refused, None]
    assert send_each(messages(2), lambda m: answers.pop(0)) == [refused, None]


# --- HTTP answers ------------------------------------------------------------------------------

def test_retry_after_as_seconds_or_an_http_date() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds(email.utils.formatdate(NOW + 90, usegmt=True), NOW) == 90
    assert retry_after_seconds(email.utils.formatdate(NOW - 90, usegmt=True), NOW) == 0
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None
    assert retry_after_seconds(" ", NOW) is None


@pytest.mark.parametrize("status,headers,permanent,wait", [
    (200, {}, None, None), (204, {}, None, None),
    (429, {"retry-after": "7"}, False, 7.0), (503, {"retry-after": "7"}, False, 7.0),
    (429, {}, False, None), (408, {}, False, None), (500, {}, False, None),
    (500, {"retry-after": "7"}, False, None),
    (301, {}, True, None), (400, {}, True, None), (401, {}, True, None), (404, {}, True, None),
])
def test_what_a_status_means(status: int, headers: dict[str, str], permanent: bool | None,
                             wait: float | None) -> None:
    result = status_result(status, headers, b"body", NOW)
    if permanent is None:
        assert result is None
    else:
        assert result is not None and result.permanent is permanent
        assert result.retry_after == wait and f"HTTP {status}: body" in result.reason


def ok(body: object) -> Answer:
    return Answer(200, {}, json.dumps(body).encode())


def test_robot_answers() -> None:
    kw = {"rate_codes": (45009,), "retry_codes": (-1,), "wait": 60.0, "now": NOW}
    assert robot_answer(ok({"errcode": 0, "errmsg": "ok"}), **kw) is None  # type: ignore[arg-type]
    slow = robot_answer(ok({"errcode": 45009, "errmsg": "freq"}), **kw)  # type: ignore[arg-type]
    assert slow is not None and slow.retry_after == 60 and not slow.permanent
    busy = robot_answer(ok({"errcode": -1}), **kw)  # type: ignore[arg-type]
    assert busy is not None and not busy.permanent and busy.retry_after is None
    bad = robot_answer(ok({"errcode": 93000, "errmsg": "invalid"}), **kw)  # type: ignore[arg-type]
    assert bad is not None and bad.permanent and "93000" in bad.reason
    odd = robot_answer(Answer(200, {}, b"<html>"), **kw)  # type: ignore[arg-type]
    assert odd is not None and not odd.permanent and "unreadable" in odd.reason
    http = robot_answer(Answer(502, {}, b""), **kw)  # type: ignore[arg-type]
    assert http is not None and "HTTP 502" in http.reason


def test_a_poster_reaches_a_real_receiver_and_reports_the_answer() -> None:
    with HttpReceiver(ok=lambda r: (201, {"X-Seen": "1"}, r.body[::-1])) as receiver:
        poster = HttpPoster(timeout=5)
        answer = poster.post(receiver.url + "/x", b"abc", {"x-test": "1"})
        poster.close()
    assert isinstance(answer, Answer)
    assert (answer.status, answer.headers["x-seen"], answer.body) == (201, "1", b"cba")
    assert receiver.requests[0].headers["x-test"] == "1"


def test_a_receiver_whose_check_raises_refuses_the_request_and_says_why() -> None:
    def verify(request: object) -> str | None:
        raise KeyError("webhook-id")

    with HttpReceiver(verify=verify) as receiver:
        poster = HttpPoster(timeout=5)
        answer = poster.post(receiver.url, b"x", {})
        poster.close()
    assert isinstance(answer, Answer) and answer.status == 401
    assert receiver.refused[0][1] == "verify raised KeyError: 'webhook-id'"


# --- configuration ---------------------------------------------------------------------------

def test_tables_of_kind_and_their_errors() -> None:
    config = {"notifiers": [{"name": "a", "kind": "x"}, {"name": "b", "kind": "y"},
                            {"name": "c", "kind": "x"}]}
    assert [t["name"] for t in tables_of_kind(config, "x")] == ["a", "c"]
    assert list(tables_of_kind({}, "x")) == []
    with pytest.raises(ChannelConfigError, match=r"^\$\.notifiers: "):
        list(tables_of_kind({"notifiers": "x"}, "x"))
    with pytest.raises(ChannelConfigError, match=r"^\$\.notifiers\[1\]: "):
        list(tables_of_kind({"notifiers": [{"kind": "y"}, 3]}, "x"))


def test_check_table(tmp_path: Path) -> None:
    table = {"name": "n", "kind": "k", "url": "https://h.example/p?team=a",
             "secret_file": "s.txt"}
    checked = check_table(table, keys=("url", "secret_env"), config_dir=tmp_path)
    assert checked["secret_file"] == str(tmp_path / "s.txt") and checked["url"] == table["url"]
    with pytest.raises(ChannelConfigError, match=r"name=\?\]\.name: "):
        check_table({"kind": "k"}, keys=())
    with pytest.raises(ConfigKeyError) as error:
        check_table({"name": "n", "other": 1}, keys=())
    assert error.value.path == "$.notifiers[name=n].other"
    with pytest.raises(SecretError, match=r"name=n\]\.api_token: secrets are not accepted"):
        check_table({"name": "n", "api_token": "abc"}, keys=())
    with pytest.raises(ChannelConfigError, match=r"name=n\]\.secret_file: a file path"):
        check_table({"name": "n", "secret_file": 3}, keys=("secret_env",))


@pytest.mark.parametrize("value", ["693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
                                   "SEC" + "0123456789abcdef" * 4, "whsec_MDEyMzQ1Njc4OQ==",
                                   "", 3, "a b"])
def test_an_env_key_holding_a_secret_itself_is_refused_without_echoing_it(value: object) -> None:
    with pytest.raises(ChannelConfigError) as info:
        check_table({"name": "n", "key_env": value}, keys=("key_env",))
    assert str(info.value).startswith("$.notifiers[name=n].key_env: the name of an environment")
    assert not value or str(value) not in str(info.value)


def test_ordinary_variable_names_are_accepted() -> None:
    for name in ("WECOM_KEY", "propdesk_hook_secret", "_X1"):
        assert check_table({"name": "n", "key_env": name}, keys=("key_env",))["key_env"] == name


@pytest.mark.parametrize("url", ["https://h.example/p?access_token=1",
                                 "https://h.example/p?x=1&KEY=2", "https://h.example/p?sign=x",
                                 "mailto:a@b.example", "https://", 3])
def test_urls_refused(url: object) -> None:
    with pytest.raises(ChannelConfigError, match=r"^\$\.x\.url: "):
        check_url(url, path="$.x.url")


# --- the personal-data scan --------------------------------------------------------------------

@pytest.mark.parametrize("encode", [
    lambda s: s.encode(),
    lambda s: json.dumps({"text": s}).encode(),  # \\u escapes
    lambda s: ("/send?text=" + __import__("urllib.parse").parse.quote(s)).encode(),
    lambda s: b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(s.encode()),
    lambda s: b"Subject: =?utf-8?b?" + base64.b64encode(s.encode()) + b"?=\r\n\r\nx",
])
def test_the_scan_sees_through_every_encoding(encode: object) -> None:
    leaked = f"联系人 {FIXTURE_OWNER_NAMES[1]} 电话 {FIXTURE_OWNER_PHONES[1]}"
    assert personal_data_found([encode(leaked)]) == sorted(  # type: ignore[operator]
        [FIXTURE_OWNER_NAMES[1], FIXTURE_OWNER_PHONES[1]])


def test_a_sample_message_carries_the_masked_phone_only() -> None:
    m = sample_message()
    assert "138****0000" in m.text
    assert personal_data_found([json.dumps(m.payload()).encode()]) == []
    leaking = attrs.evolve(m, text="138 0000 0000")
    assert personal_data_found([leaking.text.encode()]) == ["13800000000"]
