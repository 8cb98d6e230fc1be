"""The event-store contract: abstract tests every store passes unchanged.

Use it from a test module of your store::

    import pytest
    from propdesk.testing.contract import EventStoreContract

    class TestMyStore(EventStoreContract):
        @pytest.fixture
        def store_factory(self, tmp_path):
            def open_named(name: str = "main"):
                return MyStore(tmp_path / f"{name}.db")   # same name: same data
            return open_named

``store_factory(name)`` opens a handle on the database called ``name``:
the same name within one test gives another handle (another connection) on
the same data, a new name an empty database.  The contract closes every
handle it opened.  Besides the example tests, a Hypothesis state machine
(:func:`comparison_machine`) drives random appends into the store and into
a :class:`~propdesk.adapters.memory.MemoryStore` and requires identical
answers, entries and hashes.  Tune it with ``state_machine_settings``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from propdesk.adapters.memory import MemoryStore
from propdesk.domain.events import Event
from propdesk.ports import (
    ConcurrencyConflict,
    DuplicateCommand,
    EventStore,
    StoredEvent,
)
from propdesk.serialization import GENESIS_HASH, chain_hash
from propdesk.testing.outbox_contract import OutboxContract
from propdesk.testing.samples import T0 as T0
from propdesk.testing.samples import make_event as make_event
from propdesk.testing.samples import make_events as make_events
from propdesk.testing.search_contract import SearchContract

StoreFactory = Callable[..., EventStore]
"""``factory(name="main") -> EventStore``: a handle on the database ``name``."""

def entry_key(entry: StoredEvent) -> tuple[Any, ...]:
    """What must agree between stores for one log entry."""
    return (entry.seq, entry.event, entry.command_id, entry.prev_hash, entry.hash)


# Text that stresses storage: CJK, emoji, combining marks, controls, NUL, RTL.
ODD_TEXT = (
    "海德花园 3号楼\u00a01单元 😀👩‍🔧 e\u0301 \t\r\n\x00\x1f \u202e RTL \U0010fffd ' \" \\ ;--"
)

json_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),  # lone surrogates are not text
    max_size=40,
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | json_text
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text, inner, max_size=3),
    max_leaves=8,
)
payloads = st.dictionaries(json_text, json_values, max_size=4)


class EventStoreContract(SearchContract, OutboxContract):
    """Abstract tests of :class:`~propdesk.ports.EventStore`; subclass it as ``Test…``.

    The subclass provides the ``store_factory`` fixture (see the module doc).
    The search section (:class:`~propdesk.testing.search_contract.SearchContract`)
    is part of it.
    """

    state_machine_settings = settings(
        max_examples=30,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )

    # -- fixtures ------------------------------------------------------------

    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        """Override in the store's test class: return a callable opening a fresh store."""
        pytest.fail("a store's test class must override the store_factory fixture "
                    "(docs/plugins.md, step 5: the contract test)", pytrace=False)

    @pytest.fixture
    def open_store(self, store_factory: StoreFactory) -> Iterator[StoreFactory]:
        opened: list[EventStore] = []

        def open_named(name: str = "main") -> EventStore:
            store = store_factory(name)
            opened.append(store)
            return store

        yield open_named
        for store in reversed(opened):
            store.close()

    @pytest.fixture
    def store(self, open_store: StoreFactory) -> EventStore:
        return open_store()

    # -- the empty store -----------------------------------------------------

    def test_is_an_event_store(self, store: EventStore) -> None:
        assert isinstance(store, EventStore)

    def test_empty(self, store: EventStore) -> None:
        assert store.head() == 0
        assert store.version("T-1") == 0
        assert store.load("T-1") == []
        assert store.tickets() == []
        assert list(store.read_all()) == []
        assert store.find_command("c-1") is None
        report = store.audit()
        assert (report.ok, report.checked, report.first_bad) == (True, 0, None)
        assert report.head_hash == GENESIS_HASH

    # -- append and read back ------------------------------------------------

    def test_append_returns_entries_with_seq_and_chain(self, store: EventStore) -> None:
        events = make_events("T-1", 0, 3)
        stored = store.append("T-1", 0, events)
        assert [e.seq for e in stored] == [1, 2, 3]
        assert [e.event for e in stored] == events
        prev = GENESIS_HASH
        for entry in stored:
            assert entry.prev_hash == prev
            assert entry.hash == chain_hash(prev, entry.event)
            assert entry.command_id is None
            prev = entry.hash
        assert store.load("T-1") == events
        assert store.version("T-1") == 3
        assert store.head() == 3
        assert [entry_key(e) for e in store.read_all()] == [entry_key(e) for e in stored]

    def test_streams_are_separate_and_sequence_is_global(self, store: EventStore) -> None:
        store.append("T-2", 0, make_events("T-2", 0, 1))
        store.append("T-1", 0, make_events("T-1", 0, 2))
        store.append("T-2", 1, make_events("T-2", 1, 1))
        assert store.version("T-1") == 2
        assert store.version("T-2") == 2
        assert [e.version for e in store.load("T-2")] == [1, 2]
        assert store.tickets() == ["T-2", "T-1"]
        assert [(e.seq, e.event.ticket) for e in store.read_all()] == [
            (1, "T-2"),
            (2, "T-1"),
            (3, "T-1"),
            (4, "T-2"),
        ]

    def test_read_all_after_and_limit(self, store: EventStore) -> None:
        for i in range(7):
            store.append(
                f"T-{i % 3}",
                store.version(f"T-{i % 3}"),
                [make_event(f"T-{i % 3}", store.version(f"T-{i % 3}") + 1)],
            )
        assert [e.seq for e in store.read_all(after=4)] == [5, 6, 7]
        assert [e.seq for e in store.read_all(after=2, limit=3)] == [3, 4, 5]
        assert [e.seq for e in store.read_all(limit=0)] == []
        assert list(store.read_all(after=7)) == []
        # Tailing in pages never skips nor repeats an entry.
        seen: list[int] = []
        position = 0
        while True:
            page = list(store.read_all(after=position, limit=2))
            if not page:
                break
            seen.extend(e.seq for e in page)
            position = page[-1].seq
        assert seen == list(range(1, 8))

    def test_times_come_back_in_utc_same_instant(self, store: EventStore) -> None:
        shanghai = timezone(timedelta(hours=8))
        at = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=shanghai)
        store.append("T-1", 0, [make_event("T-1", 1, at=at)])
        back = store.load("T-1")[0].at
        assert back == at
        assert back.utcoffset() == timedelta(0)
        assert back.microsecond == 123456

    def test_odd_text_and_exact_money_round_trip(self, store: EventStore) -> None:
        data = {
            "text": ODD_TEXT,
            ODD_TEXT: ["key too"],
            "fee": str(Decimal("12345678901234567890.10")),
            "cents": 2**64 + 1,
            "nested": {"list": [None, True, False, 0, -1, "0.30"]},
        }
        store.append("房-1", 0, [make_event("房-1", 1, by="李师傅", data=data)])
        back = store.load("房-1")[0]
        assert back.data == data
        assert back.by == "李师傅"
        assert Decimal(back.data["fee"]) == Decimal("12345678901234567890.10")
        assert str(back.data["fee"]) == "12345678901234567890.10"
        assert next(iter(store.read_all())).event == back
        assert store.audit().ok

    def test_any_text_and_payload_round_trip(self, store: EventStore) -> None:
        @given(text=json_text, data=payloads)
        @settings(max_examples=40, deadline=None)
        def check(text: str, data: dict[str, Any]) -> None:
            # One store across examples: each example appends to a fresh ticket.
            ticket = f"T-{store.head() + 1}"
            event = make_event(ticket, 1, data={"text": text, "payload": data})
            stored = store.append(ticket, 0, [event])
            assert store.load(ticket) == [event]
            assert stored[0].event == event
            assert stored[0].hash == chain_hash(stored[0].prev_hash, event)

        check()
        assert store.audit().ok

    # -- refusals ------------------------------------------------------------

    def test_conflict_writes_nothing(self, store: EventStore) -> None:
        store.append("T-1", 0, make_events("T-1", 0, 2))
        for expected in (0, 1, 3):
            with pytest.raises(ConcurrencyConflict) as info:
                store.append("T-1", expected, make_events("T-1", expected, 1))
            assert (info.value.ticket, info.value.expected, info.value.actual) == (
                "T-1",
                expected,
                2,
            )
        assert store.version("T-1") == 2
        assert store.head() == 2

    def test_second_handle_sees_writes_and_conflicts(self, open_store: StoreFactory) -> None:
        first, second = open_store(), open_store()
        first.append("T-1", 0, make_events("T-1", 0, 1))
        assert second.version("T-1") == 1
        with pytest.raises(ConcurrencyConflict):
            second.append("T-1", 0, make_events("T-1", 0, 1, by="other"))
        second.append("T-1", 1, make_events("T-1", 1, 1))
        assert [e.version for e in first.load("T-1")] == [1, 2]
        assert first.head() == second.head() == 2

    def test_different_names_are_different_databases(self, open_store: StoreFactory) -> None:
        one, other = open_store("one"), open_store("other")
        one.append("T-1", 0, make_events("T-1", 0, 1))
        assert other.head() == 0
        assert other.tickets() == []

    @pytest.mark.parametrize(
        "events",
        [
            [make_event("T-1", 2)],  # gap
            [make_event("T-1", 1), make_event("T-1", 3)],  # gap inside
            [make_event("T-2", 1)],  # another ticket's event
            [make_event("T-1", 1, at=datetime(2026, 1, 1))],  # naive time
            [make_event("T-1", 1, data={"bad": {1, 2}})],  # not JSON
            [make_event("T-1", 1, data={"bad": "\ud800"})],  # lone surrogate
            [make_event("T-1", 1, kind="")],
            [make_event("T-1", 1, by="a\x00b")],
        ],
        ids=["gap", "inner-gap", "other-ticket", "naive", "set", "surrogate", "no-kind", "nul"],
    )
    def test_bad_events_are_refused_and_nothing_written(
        self, store: EventStore, events: list[Event]
    ) -> None:
        with pytest.raises((ValueError, TypeError)):
            store.append("T-1", 0, events, command_id="c-bad", digest="d")
        assert store.head() == 0
        assert store.version("T-1") == 0
        assert store.find_command("c-bad") is None
        store.append("T-1", 0, make_events("T-1", 0, 1), command_id="c-bad")
        assert store.head() == 1

    def test_bad_expected_version_is_refused(self, store: EventStore) -> None:
        with pytest.raises(ValueError):
            store.append("T-1", -1, [make_event("T-1", 0)])
        assert store.head() == 0

    # -- idempotency ---------------------------------------------------------

    def test_command_id_is_recorded_and_cannot_repeat(self, store: EventStore) -> None:
        store.append("T-1", 0, make_events("T-1", 0, 1))
        stored = store.append("T-1", 1, make_events("T-1", 1, 2), command_id="c-1", digest="abc")
        assert all(e.command_id == "c-1" for e in stored)
        record = store.find_command("c-1")
        assert record is not None
        assert (record.digest, record.ticket, record.first_version, record.last_version) == (
            "abc",
            "T-1",
            2,
            3,
        )
        # A repeat, even at the right version and even with other content: refused, nothing written.
        for expected in (1, 3):
            with pytest.raises(DuplicateCommand) as info:
                store.append(
                    "T-1", expected, make_events("T-1", expected, 1), command_id="c-1", digest="x"
                )
            assert info.value.command_id == "c-1"
        assert store.head() == 3
        assert store.find_command("c-1") == record
        # The same id on another ticket is refused too.
        with pytest.raises(DuplicateCommand):
            store.append("T-9", 0, make_events("T-9", 0, 1), command_id="c-1")
        assert store.tickets() == ["T-1"]

    def test_conflict_does_not_record_the_command(self, store: EventStore) -> None:
        store.append("T-1", 0, make_events("T-1", 0, 1))
        with pytest.raises(ConcurrencyConflict):
            store.append("T-1", 0, make_events("T-1", 0, 1), command_id="c-1", digest="d")
        assert store.find_command("c-1") is None
        store.append("T-1", 1, make_events("T-1", 1, 1), command_id="c-1", digest="d")
        assert store.find_command("c-1") is not None

    def test_command_ids_are_shared_between_handles(self, open_store: StoreFactory) -> None:
        first, second = open_store(), open_store()
        first.append("T-1", 0, make_events("T-1", 0, 1), command_id="c-1", digest="d")
        with pytest.raises(DuplicateCommand):
            second.append("T-2", 0, make_events("T-2", 0, 1), command_id="c-1", digest="d")
        assert second.find_command("c-1") == first.find_command("c-1")

    # -- batches -------------------------------------------------------------

    def test_append_many_writes_groups_in_order(self, store: EventStore) -> None:
        store.append_many(
            [
                ("T-1", 0, make_events("T-1", 0, 2), "c-1", "d1"),
                ("T-2", 0, make_events("T-2", 0, 1), None, ""),
                ("T-1", 2, make_events("T-1", 2, 1), "c-2", "d2"),
            ]
        )
        assert [
            (e.seq, e.event.ticket, e.event.version, e.command_id) for e in store.read_all()
        ] == [
            (1, "T-1", 1, "c-1"),
            (2, "T-1", 2, "c-1"),
            (3, "T-2", 1, None),
            (4, "T-1", 3, "c-2"),
        ]
        record = store.find_command("c-2")
        assert record is not None
        assert (record.first_version, record.last_version) == (3, 3)
        assert store.audit().ok

    @pytest.mark.parametrize(
        "failure", ["conflict", "duplicate-stored", "duplicate-in-batch", "bad"]
    )
    def test_append_many_is_all_or_nothing(self, store: EventStore, failure: str) -> None:
        store.append("T-1", 0, make_events("T-1", 0, 1), command_id="c-old", digest="d")
        last: tuple[str, int, Sequence[Event], str | None, str] = {
            "conflict": ("T-1", 0, make_events("T-1", 0, 1), None, ""),
            "duplicate-stored": ("T-3", 0, make_events("T-3", 0, 1), "c-old", ""),
            "duplicate-in-batch": ("T-3", 0, make_events("T-3", 0, 1), "c-new", ""),
            "bad": ("T-3", 0, [make_event("T-3", 5)], None, ""),
        }[failure]
        batch = [
            ("T-1", 1, make_events("T-1", 1, 1), "c-new", "d"),
            ("T-2", 0, make_events("T-2", 0, 2), None, ""),
            last,
        ]
        with pytest.raises((ConcurrencyConflict, DuplicateCommand, ValueError)):
            store.append_many(batch)
        assert store.head() == 1
        assert store.tickets() == ["T-1"]
        assert store.find_command("c-new") is None
        assert store.audit().ok

    # -- audit and identical hashes ------------------------------------------

    def test_hashes_equal_the_memory_store(self, store: EventStore) -> None:
        reference = MemoryStore()
        for target in (store, reference):
            target.append("T-1", 0, make_events("T-1", 0, 2, data={"t": ODD_TEXT}), command_id="a")
            target.append("T-2", 0, make_events("T-2", 0, 1))
            target.append_many([("T-1", 2, make_events("T-1", 2, 1), "b", "db")])
        assert [entry_key(e) for e in store.read_all()] == [
            entry_key(e) for e in reference.read_all()
        ]
        assert store.audit() == reference.audit()
        assert store.audit().checked == 4

    # -- the model-based comparison ------------------------------------------

    def test_behaves_like_the_memory_store(self, store_factory: StoreFactory) -> None:
        opened: list[EventStore] = []
        counter = itertools.count()

        def fresh() -> EventStore:
            store = store_factory(f"machine-{next(counter)}")
            opened.append(store)
            return store

        try:
            run_state_machine_as_test(
                comparison_machine(fresh), settings=self.state_machine_settings
            )
        finally:
            for store in opened:
                store.close()


# ------------------------------------------------------------ credentials (issue 18)


class CredentialStoreContract:
    """Abstract tests of :class:`~propdesk.ports.CredentialStore` (the web desk's
    sign-in hashes); mixed into a store's test class beside :class:`EventStoreContract`,
    it uses the same ``open_store`` fixture."""

    def test_credentials(self, open_store: StoreFactory) -> None:
        from propdesk.ports import CredentialStore

        store = open_store()
        assert isinstance(store, CredentialStore)
        at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert store.credential("desk-wang") is None
        store.set_credential("desk-wang", "$argon2id$v=19$first", at)
        store.set_credential("eng-zhao", "$argon2id$v=19$other", at)
        store.set_credential("desk-wang", "$argon2id$v=19$second 中文", at)
        assert store.credential("desk-wang") == "$argon2id$v=19$second 中文"
        other = open_store()  # a second handle on the same store sees it
        assert isinstance(other, CredentialStore)
        assert other.credential("eng-zhao") == "$argon2id$v=19$other"
        assert other.credential("nobody") is None
        assert store.head() == 0  # credentials are not events


# ------------------------------------------------------------ end of credentials


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        value = call()
    except ConcurrencyConflict as exc:
        return ("conflict", (exc.ticket, exc.expected, exc.actual))
    except DuplicateCommand as exc:
        return ("duplicate", exc.command_id)
    except (ValueError, TypeError) as exc:
        return ("refused", type(exc).__name__)
    if isinstance(value, list):
        return ("ok", [entry_key(e) for e in value])
    return ("ok", value)


def comparison_machine(fresh_store: Callable[[], EventStore]) -> type[RuleBasedStateMachine]:
    """A state machine running the same random appends on ``fresh_store()`` and
    on a :class:`MemoryStore`, requiring the same outcome and the same log."""

    tickets = st.sampled_from(["T-1", "T-2", "T-3", "房-4"])
    command_ids = st.none() | st.sampled_from(["c-1", "c-2", "c-3", "c-4", "c-5"])
    version_skew = st.sampled_from([0, 0, 0, -1, 1])

    class StoreMatchesMemory(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.store = fresh_store()
            self.model = MemoryStore()

        def _group(
            self, ticket: str, skew: int, count: int, cid: str | None, data: dict[str, Any]
        ) -> tuple[str, int, list[Event], str | None, str]:
            expected = max(self.model.version(ticket) + skew, 0)
            events = make_events(ticket, expected, count, data=data)
            return (ticket, expected, events, cid, f"digest-{cid}")

        @rule(
            ticket=tickets,
            skew=version_skew,
            count=st.integers(1, 3),
            cid=command_ids,
            data=payloads,
        )
        def append(
            self, ticket: str, skew: int, count: int, cid: str | None, data: dict[str, Any]
        ) -> None:
            t, expected, events, c, digest = self._group(ticket, skew, count, cid, data)
            got = _outcome(
                lambda: self.store.append(t, expected, events, command_id=c, digest=digest)
            )
            want = _outcome(
                lambda: self.model.append(t, expected, events, command_id=c, digest=digest)
            )
            assert got == want

        @rule(
            groups=st.lists(
                st.tuples(tickets, version_skew, st.integers(1, 2), command_ids), max_size=4
            ),
        )
        def append_many(self, groups: list[tuple[str, int, int, str | None]]) -> None:
            batch = []
            planned: dict[str, int] = {}
            for ticket, skew, count, cid in groups:
                expected = max(planned.get(ticket, self.model.version(ticket)) + skew, 0)
                batch.append((ticket, expected, make_events(ticket, expected, count), cid, "d"))
                planned[ticket] = expected + count
            got = _outcome(lambda: self.store.append_many(batch))
            want = _outcome(lambda: self.model.append_many(batch))
            assert got == want

        @precondition(lambda self: self.model.head() > 0)
        @rule(data=st.data())
        def read_page(self, data: st.DataObject) -> None:
            after = data.draw(st.integers(0, self.model.head()))
            limit = data.draw(st.none() | st.integers(0, 5))
            got = [entry_key(e) for e in self.store.read_all(after=after, limit=limit)]
            want = [entry_key(e) for e in self.model.read_all(after=after, limit=limit)]
            assert got == want

        @invariant()
        def same_log(self) -> None:
            assert self.store.head() == self.model.head()
            assert self.store.tickets() == self.model.tickets()
            for ticket in self.model.tickets():
                assert self.store.version(ticket) == self.model.version(ticket)
                assert self.store.load(ticket) == self.model.load(ticket)
            for cid in ("c-1", "c-2", "c-3", "c-4", "c-5"):
                assert self.store.find_command(cid) == self.model.find_command(cid)

        def teardown(self) -> None:
            assert [entry_key(e) for e in self.store.read_all()] == [
                entry_key(e) for e in self.model.read_all()
            ]
            assert self.store.audit() == self.model.audit()

    return StoreMatchesMemory
