"""The search section of the event-store contract (finding a ticket).

:class:`~propdesk.testing.contract.EventStoreContract` inherits these tests,
so every store that passes the contract keeps a search index with the rules
of :mod:`propdesk.search`: the location (room), contact, phone in full or by
its last four digits, and content of each ticket as recorded and amended,
newest first, updated all or nothing with the append that changes it, and
answering exactly as the in-memory store does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.adapters.memory import MemoryStore
from propdesk.domain.events import Event
from propdesk.ports import ConcurrencyConflict, EventStore

T0 = datetime(2026, 3, 2, 1, 0, 40, tzinfo=UTC)


def make_event(ticket: str, version: int, kind: str, *, data: dict[str, Any]) -> Event:
    return Event(ticket, version, kind, T0 + timedelta(seconds=version), "desk-wang", data)


def recorded(ticket: str, **fields: Any) -> Event:
    """A ``record`` event of ``ticket`` with the given payload fields."""
    return make_event(ticket, 1, "record", data={"source": "owner_call", **fields})


def amended(ticket: str, version: int, field: str, old: str | None, new: str | None) -> Event:
    """An ``amend`` event changing ``field`` (R-15)."""
    data: dict[str, Any] = {"field": field, "old": old, "reason": "wrong on the form"}
    if new is not None:
        data["new"] = new
    return make_event(ticket, version, "amend", data=data)


A1 = {"location": "5-1-1202", "contact": "李女士", "phone": "13800138000",
      "content": "厨房水管漏水 Kitchen LEAK"}
B1 = {"location": "1-1-301", "contact": "王先生", "phone": "130 0000 1202",
      "content": "楼道灯不亮"}
C1 = {"location": "会所", "content": "咨询停车费 where to pay"}

search_alphabet = st.sampled_from(list("aAbB李王水 1202-ＡＢ\u00e9e\u0301"))
search_texts = st.lists(search_alphabet, max_size=12).map("".join)


class SearchContract:
    """Abstract tests of :meth:`~propdesk.ports.EventStore.search`."""

    def _three(self, store: EventStore) -> None:
        store.append("A1", 0, [recorded("A1", **A1)])
        store.append("B1", 0, [recorded("B1", **B1)], command_id="c-b1", digest="d")
        store.append_many([("C1", 0, [recorded("C1", **C1)], None, "")])

    def test_search_finds_room_contact_phone_and_content(self, store: EventStore) -> None:
        self._three(store)
        assert store.search("1202") == ["B1", "A1"]  # B1's phone ends 1202; A1's room
        assert store.search("5-1-1202") == ["A1"]
        assert store.search("李") == ["A1"]
        assert store.search("王先生") == ["B1"]
        for phone in ("13800138000", "138-0013-8000", "+86 138 0013 8000", "8000"):
            assert store.search(phone) == ["A1"], phone
        assert store.search("0013") == []  # inner digits of a phone are not a match
        assert store.search("13000001202") == ["B1"]
        assert store.search("水管") == ["A1"]
        assert store.search("leak") == store.search("ＬＥＡＫ") == ["A1"]
        assert store.search("停车费 PAY") == ["C1"]  # every term must match
        assert store.search("停车费 漏水") == []
        assert store.search("  ") == [] and store.search("nothing-like-it") == []

    def test_search_is_newest_first_and_limited(self, store: EventStore) -> None:
        self._three(store)
        assert store.search("1", limit=None) == ["B1", "A1"]
        assert store.search("-", limit=1) == ["B1"]
        assert store.search("-", limit=0) == []
        assert store.search("-") == ["B1", "A1"]

    def test_search_follows_amendments(self, store: EventStore) -> None:
        self._three(store)
        store.append("A1", 1, [amended("A1", 2, "location", "5-1-1202", "5-2-0808"),
                               amended("A1", 3, "phone", "13800138000", "13911112222")])
        store.append("B1", 1, [amended("B1", 2, "contact", "王先生", None)])
        store.append("C1", 1, [make_event("C1", 2, "follow_up", data={"note": "1202"})])
        assert store.search("5-2-0808") == ["A1"]
        assert store.search("5-1-1202") == []
        assert store.search("2222") == ["A1"] and store.search("8000") == []
        assert store.search("王") == []
        assert store.search("1202") == ["B1"]  # a note is not searched
        assert store.search("厨房") == ["A1"]  # the other fields stay

    def test_search_index_is_all_or_nothing(self, store: EventStore) -> None:
        store.append("A1", 0, [recorded("A1", **A1)])
        batch = [("D1", 0, [recorded("D1", location="9-9-1202")], None, ""),
                 ("A1", 1, [amended("A1", 2, "location", "5-1-1202", "x")], None, ""),
                 ("A1", 0, [recorded("A1", **A1)], None, "")]  # stale: a conflict
        with pytest.raises(ConcurrencyConflict):
            store.append_many(batch)
        assert store.search("1202") == ["A1"]
        assert store.search("9-9") == []

    def test_search_seen_by_another_handle(
        self, open_store: Callable[..., EventStore]
    ) -> None:
        first, second = open_store("shared"), open_store("shared")
        first.append("A1", 0, [recorded("A1", **A1)])
        assert second.search("李女士") == ["A1"]
        second.append("A1", 1, [amended("A1", 2, "contact", "李女士", "张先生")])
        assert first.search("李女士") == [] and first.search("张") == ["A1"]

    def test_search_answers_as_the_memory_store(self, store: EventStore) -> None:
        reference = MemoryStore()

        @given(fields=st.lists(st.tuples(search_texts, search_texts, search_texts),
                               min_size=1, max_size=4),
               queries=st.lists(search_texts, min_size=1, max_size=4))
        @settings(max_examples=40, deadline=None)
        def check(fields: list[tuple[str, str, str]], queries: list[str]) -> None:
            # One store across examples: each example records fresh tickets.
            start = len(reference.tickets())
            for i, (location, contact, content) in enumerate(fields):
                tid = f"H{start + i}"
                for target in (store, reference):
                    target.append(tid, 0, [recorded(tid, location=location, contact=contact,
                                                    content=content or "x")])
            for query in queries:
                assert store.search(query, limit=None) == reference.search(query, limit=None)

        check()
