"""Delivery from the outbox (issue 17): backoff with jitter, a receiver's
Retry-After, dead letters and their re-queueing, channels that never hold each
other up, failures logged and counted.  Real SQLite, the real ``log`` channel
and the test HTTP channel against a real local server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from tests.conftest import T0, Driver, at
from tests.notify.support import Receiver, log_ids, make_community, propdesk, wait_for
from tests.notify.testchan_plugin import HttpChannel

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.log_channel import LogChannel
from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.channels import DeliveryError, Message, message_from_json
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.config import Config
from propdesk.outbox import Backoff, Deliverer


def desk_for(config_path: Path) -> Desk:
    config = load_config(config_path)
    return Desk(config, SQLiteStore(config_path.parent / "propdesk.db"), clock=ManualClock(T0))


def emergency(desk: Desk, ticket: str = "E1") -> list[str]:
    Driver(desk, ticket, mode="emergency").record(contact="张先生", phone="13912345678")
    result = desk.handle(c.Dispatch(ticket=ticket, by="desk-wang", at=at(1),
                                    category="engineering"))
    return [n.id for n in result.notices]


def test_backoff_grows_exponentially_with_jitter_up_to_its_cap() -> None:
    backoff = Backoff(1, 8)
    for n in range(1, 8):
        delays = [backoff.delay(n) for _ in range(50)]
        base = min(2 ** (n - 1), 8)
        assert all(base <= d <= min(base + 1, 8) for d in delays), (n, delays)
    assert len({round(backoff.delay(2), 6) for _ in range(20)}) > 1  # jittered


def test_retry_after_slows_the_channel_down(community: Path, receiver: Receiver) -> None:
    desk = desk_for(community)
    ids = emergency(desk)
    receiver.script[ids[0]] = ["slow"]  # 429, Retry-After: 2
    http = HttpChannel("ops-http", receiver.url)
    deliverer = Deliverer(desk.store, [http], desk.config.notify)
    now = at(1)
    first = deliverer.pass_channel(http, now)
    assert [(o.row.notice, o.state) for o in first] == [(ids[0], "pending")]
    assert deliverer.paused["ops-http"] == now + timedelta(seconds=2)
    assert deliverer.pass_channel(http, now + timedelta(seconds=1)) == []  # paused
    row = next(r for r in desk.store.outbox_rows(states=("pending",))
               if r.channel == "ops-http" and r.notice == ids[0])
    assert row.next_at >= now + timedelta(seconds=2) and row.last_error == "HTTP 429"
    later = deliverer.pass_channel(http, now + timedelta(seconds=5))
    assert sorted(o.row.notice for o in later if o.ok) == sorted(ids)
    assert receiver.confirmed[ids[0]] == 1


def test_dead_letters_are_listed_and_requeued(community: Path, receiver: Receiver) -> None:
    desk = desk_for(community)
    ids = emergency(desk)
    receiver.script[ids[1]] = ["gone"]  # 410: retrying cannot help
    http = HttpChannel("ops-http", receiver.url)
    Deliverer(desk.store, [http], desk.config.notify).pass_all(at(1))
    failed = json.loads(propdesk(community, "notify", "list", "--failed", "--json").stdout)
    assert [(r["notice"], r["channel"], r["state"], r["attempts"]) for r in failed] == [
        (ids[1], "ops-http", "dead", 1)]
    assert failed[0]["last_error"] == "HTTP 410"
    out = propdesk(community, "notify", "retry", str(failed[0]["id"]))
    assert "1 notices re-queued" in out.stderr
    propdesk(community, "notify", "retry", str(failed[0]["id"]), expect=4)  # not dead now
    propdesk(community, "notify", "retry", expect=2)  # neither ids nor --all
    now = datetime.now(UTC) + timedelta(seconds=1)  # re-queued as of the real clock
    sent = Deliverer(desk.store, [http], desk.config.notify).pass_all(now)
    assert [(o.row.notice, o.ok) for o in sent] == [(ids[1], True)]
    assert receiver.ids().count(ids[1]) == 2 and receiver.confirmed[ids[1]] == 1


def test_max_attempts_end_in_the_dead_letters(tmp_path: Path, receiver: Receiver) -> None:
    config = make_community(tmp_path / "desk", receiver.url, log=False,
                            notify="max_attempts = 2\n")
    desk = desk_for(config)
    ids = emergency(desk)
    receiver.script[ids[0]] = ["fail", "fail", "fail"]
    http = HttpChannel("ops-http", receiver.url)
    deliverer = Deliverer(desk.store, [http], desk.config.notify)
    deliverer.pass_all(at(1))
    deliverer.pass_all(at(10))
    dead = desk.store.outbox_rows(states=("dead",))
    assert [(r.notice, r.attempts) for r in dead] == [(ids[0], 2)]
    assert deliverer.counts["dead"] == 1 and deliverer.counts["failed:ops-http"] == 1
    propdesk(config, "notify", "retry", "--all")
    assert desk.store.outbox_rows(states=("dead",)) == []


def test_a_hanging_channel_does_not_hold_the_others(community: Path,
                                                    receiver: Receiver) -> None:
    desk = desk_for(community)
    ids = emergency(desk)
    receiver.script[ids[0]] = ["hang"]
    channels = [HttpChannel("ops-http", receiver.url),
                LogChannel("duty-log", community.parent / "notices.jsonl")]
    deliverer = Deliverer(desk.store, channels, desk.config.notify)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (deliverer.pass_all(at(1)), done.set()))
    thread.start()
    try:
        wait_for(receiver.hanging.is_set, "the hanging request")
        wait_for(lambda: log_ids(community) == ids, "the log channel, meanwhile")
        assert not done.is_set()
    finally:
        receiver.release.set()
        thread.join(60)
    assert done.is_set()


class Raising:
    """A channel that breaks its contract by raising."""

    name = "broken"
    kind = "broken"

    def send(self, messages: Sequence[Message]) -> Sequence[DeliveryError | None]:
        raise RuntimeError("boom")

    def close(self) -> None:
        pass


def test_a_raising_channel_is_a_logged_and_counted_failure(
        config: Config, caplog: pytest.LogCaptureFixture) -> None:
    config = attrs.evolve(config, notifiers=({"name": "broken", "kind": "broken"},))
    desk = Desk(config, MemoryStore(), clock=ManualClock(T0))
    ids = emergency(desk)
    deliverer = Deliverer(desk.store, [Raising()], config.notify)
    with caplog.at_level(logging.WARNING, logger="propdesk"):
        outcomes = deliverer.pass_all(at(1))
    assert [o.state for o in outcomes] == ["pending"] * len(ids)
    assert deliverer.counts["failed"] == len(ids)
    assert "channel broken raised while sending (tickets E1" in caplog.text
    assert all(r.last_error == "RuntimeError: boom" for r in desk.store.outbox_rows())


def test_an_observer_failure_is_logged_and_counted(
        config: Config, caplog: pytest.LogCaptureFixture) -> None:
    def observer(entries: object) -> None:
        raise OSError("audit sink down")

    desk = Desk(config, MemoryStore(), clock=ManualClock(T0), on_commit=[observer])
    with caplog.at_level(logging.ERROR, logger="propdesk"):
        Driver(desk).record()
    assert desk.failures["observer"] == 1 and desk.store.head() == 1
    assert "observer of committed events failed (tickets A1)" in caplog.text


def test_messages_round_trip_through_the_outbox(community: Path, receiver: Receiver) -> None:
    desk = desk_for(community)
    Driver(desk).record(first_receiver="svc-he")
    desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2), category="engineering"))
    row = next(r for r in desk.store.outbox_rows() if r.type == "work_order")
    message = message_from_json(row.body)
    assert message.id == row.notice and message.recipients[0].id == "eng-zhao"
    assert message.at == at(2) and message.payload()["type"] == "work_order"


def test_flush_delivers_unless_a_watcher_holds_the_lock(community: Path,
                                                        receiver: Receiver) -> None:
    desk = desk_for(community)
    ids = emergency(desk)
    http = HttpChannel("ops-http", receiver.url)
    lock = desk.store.watch_lock()  # another process's watcher, on the lock file
    assert lock.acquire()
    try:
        assert desk.flush([http], at=at(2)) == 2 * len(ids)  # nothing sent meanwhile
        assert receiver.ids() == []
    finally:
        lock.release()
    assert desk.flush([http], at=at(2)) == len(ids)  # the log channel's rows still wait
    assert sorted(receiver.ids()) == sorted(ids)


def test_notify_list_shows_the_outbox_in_the_desks_language(community: Path) -> None:
    desk = desk_for(community)
    emergency(desk)
    out = propdesk(community, "--lang", "zh", "notify", "list", "--pending").stdout
    assert "ev:E1:2:emergency" in out and "待发送" in out and "duty-log" in out
