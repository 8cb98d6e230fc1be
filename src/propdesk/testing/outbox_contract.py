"""The outbox section of the store contract (issue 17).

:class:`~propdesk.testing.contract.EventStoreContract` inherits these tests,
so every store that passes the contract keeps the outbox's promises: rows
written with the events or not at all, one row per dedupe key, due rows by
channel and time, outcomes recorded, dead letters re-queued, each SLA alert
fired once ever across handles, and one watcher lock holder at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from propdesk.domain.events import Event
from propdesk.ports import ConcurrencyConflict, DuplicateCommand, EventStore, OutboxRow
from propdesk.testing.samples import make_events

T0 = datetime(2026, 3, 2, 1, 0, 40, tzinfo=UTC)


def make_row(notice: str, channel: str = "ops", *, ticket: str = "T-1",
             at: datetime = T0, type_: str = "work_order") -> OutboxRow:
    """A pending outbox row for tests (due at ``at``)."""
    return OutboxRow(key=f"{notice}@{channel}", notice=notice, channel=channel, ticket=ticket,
                     type=type_, created=at, body=f'{{"id": "{notice}", "text": "通知"}}',
                     next_at=at)


class OutboxContract:
    """Outbox tests; the store fixtures come from ``EventStoreContract``."""

    def _events(self, ticket: str, after: int, count: int) -> list[Event]:
        return make_events(ticket, after, count)

    def test_outbox_rows_are_written_with_the_events(self, store: EventStore) -> None:
        rows = [make_row("n1"), make_row("n1", "log"), make_row("n2")]
        store.append("T-1", 0, self._events("T-1", 0, 1), outbox=rows)
        got = store.outbox_rows()
        assert [(r.key, r.state, r.attempts) for r in got] == [
            ("n1@ops", "pending", 0), ("n1@log", "pending", 0), ("n2@ops", "pending", 0)]
        assert len({r.id for r in got}) == 3 and all(r.id > 0 for r in got)
        assert got[0].created == T0 and got[0].next_at == T0
        assert got[0].body == rows[0].body and got[0].ticket == "T-1"

    def test_a_refused_append_writes_no_rows(self, store: EventStore) -> None:
        store.append("T-1", 0, self._events("T-1", 0, 1), command_id="c1")
        with pytest.raises(ConcurrencyConflict):
            store.append("T-1", 0, self._events("T-1", 0, 1), outbox=[make_row("a")])
        with pytest.raises(DuplicateCommand):
            store.append("T-2", 0, self._events("T-2", 0, 1), command_id="c1",
                         outbox=[make_row("b")])
        with pytest.raises(ConcurrencyConflict):
            store.append_many([("T-3", 0, self._events("T-3", 0, 1), None, ""),
                               ("T-1", 0, self._events("T-1", 0, 1), None, "")],
                              outbox=[make_row("c")])
        assert store.outbox_rows() == []

    def test_append_many_writes_rows_and_a_key_is_kept_once(self, store: EventStore) -> None:
        store.append_many([("T-1", 0, self._events("T-1", 0, 1), None, "")],
                          outbox=[make_row("n1"), make_row("n1")])
        store.append("T-1", 1, self._events("T-1", 1, 1), outbox=[make_row("n1")])
        assert [r.key for r in store.outbox_rows()] == ["n1@ops"]

    def test_due_rows_by_channel_and_time(self, store: EventStore) -> None:
        rows = [make_row("late", at=T0 + timedelta(minutes=5)), make_row("early"),
                make_row("other", "log"), make_row("second", at=T0 + timedelta(seconds=1))]
        store.append("T-1", 0, self._events("T-1", 0, 1), outbox=rows)
        assert [r.notice for r in store.outbox_due("ops", T0, 10)] == ["early"]
        assert [r.notice for r in store.outbox_due("ops", T0 + timedelta(minutes=5), 10)] == [
            "early", "second", "late"]
        assert [r.notice for r in store.outbox_due("ops", T0 + timedelta(hours=1), 2)] == [
            "early", "second"]
        assert store.outbox_next_at() == T0

    def test_outcomes_and_dead_letters(self, open_store: Callable[..., EventStore]) -> None:
        store, other = open_store(), open_store()
        store.append("T-1", 0, self._events("T-1", 0, 1),
                     outbox=[make_row("a"), make_row("b"), make_row("c")])
        a, b, c = store.outbox_rows()
        later = T0 + timedelta(seconds=30)
        store.outbox_update(a.id, state="sent", attempts=1, next_at=T0, sent_at=later)
        store.outbox_update(b.id, state="pending", attempts=1, next_at=later, last_error="503")
        store.outbox_update(c.id, state="dead", attempts=8, next_at=T0, last_error="gone")
        seen = {r.notice: r for r in other.outbox_rows()}
        assert seen["a"].state == "sent" and seen["a"].sent_at == later
        assert (seen["b"].state, seen["b"].attempts, seen["b"].last_error) == (
            "pending", 1, "503")
        assert [r.notice for r in other.outbox_rows(states=("dead",))] == ["c"]
        assert other.outbox_due("ops", T0, 10) == []
        assert [r.notice for r in other.outbox_due("ops", later, 10)] == ["b"]
        assert other.outbox_next_at() == later
        assert other.outbox_requeue([a.id], later) == 0  # only dead rows come back
        assert other.outbox_requeue(None, later) == 1
        back = {r.notice: r for r in store.outbox_rows()}["c"]
        assert (back.state, back.attempts, back.next_at) == ("pending", 0, later)
        assert store.outbox_requeue([c.id], later) == 0

    def test_an_alert_fires_once_ever(self, open_store: Callable[..., EventStore]) -> None:
        store, other = open_store(), open_store()
        key = ("T-1", "S-3", 1, 1, "warning")
        breach = ("T-1", "S-3", 1, 1, "breach")
        assert store.record_fires([(key, T0, [make_row("w", type_="sla.warning")])]) == [key]
        assert other.record_fires([(key, T0, [make_row("w2")]),
                                   (breach, T0, [make_row("b", type_="sla.breach")])]) == [breach]
        assert [r.notice for r in store.outbox_rows()] == ["w", "b"]
        assert store.record_fires([]) == []

    def test_one_watch_lock_holder(self, open_store: Callable[..., EventStore]) -> None:
        store, other = open_store(), open_store()
        first, second = store.watch_lock(), other.watch_lock()
        assert first.acquire()
        assert first.acquire()  # taking a held lock again is harmless
        assert not second.acquire()
        first.release()
        assert second.acquire()
        assert not first.acquire()
        second.release()
        second.release()  # releasing twice is harmless
