"""Finding a ticket: what is searchable and when a ticket matches (issue 19).

A ticket is found by its location (the room, 地点), its contact person, its
phone number — in full, or by its last four digits — and its content, as the
record and its amendments (R-15) leave them.  Every store keeps one *search
entry* per ticket, updated in the same transaction as the append that
changes it, and answers :meth:`~propdesk.ports.EventStore.search` from it
(never by folding the event log).  This module is the one definition all
stores share: which events change an entry, how text is normalised, how a
query is split into terms, and — for the in-memory stores — the reference
matcher and index.  Pure: no I/O.

Matching: the query is split at whitespace into terms, and a ticket matches
when every term does.  A term matches when it occurs in the location,
contact or content (after NFKC normalisation and case folding, so ``ａ``,
``A`` and ``a`` are the same letter), or when its digits are the ticket's
whole phone number or — a term of exactly four digits — the last four.  A
query made only of digits and phone punctuation (``138-0013-8000``,
``+86 138 0013 8000``) is one phone term.  Results are newest first (the
order of recording, reversed).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from propdesk.domain.events import Event

SEARCH_FIELDS = ("location", "contact", "phone", "content")
"""The recorded fields a search looks at (all amendable, R-15)."""

_PHONE_QUERY = re.compile(r"^[\d\s+\-().]+$")
_NOT_DIGIT = re.compile(r"\D+")


def normalize(text: str) -> str:
    """Text as the index holds it and queries are compared: NFKC, case-folded,
    runs of whitespace made one space, NUL characters left out."""
    return " ".join(unicodedata.normalize("NFKC", text.replace("\x00", "")).casefold().split())


def phone_digits(phone: str | None) -> str:
    """The digits of a phone number, without a leading ``86`` country code of a
    mobile number (``+86 138 0013 8000`` → ``13800138000``)."""
    if not phone:
        return ""
    digits = _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", phone))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


@attrs.frozen
class Term:
    """One term of a query: ``text`` is matched as a substring, ``digits``
    (4 or more) against the phone number."""

    text: str
    digits: str = ""

    @property
    def last4(self) -> bool:
        """A four-digit term also matches the last four digits of a phone."""
        return len(self.digits) == 4


def parse_query(query: str) -> list[Term]:
    """The terms of ``query`` (empty when it has none)."""
    text = normalize(query)
    if not text:
        return []
    if _PHONE_QUERY.match(text):
        digits = phone_digits(text)
        if len(digits) >= 7 and " " in text:
            return [Term(digits, digits)]
    terms = []
    for word in text.split(" "):
        digits = phone_digits(word) if _PHONE_QUERY.match(word) else ""
        terms.append(Term(word, digits if len(digits) >= 4 else ""))
    return terms


@attrs.frozen
class SearchEntry:
    """What the index holds of one ticket.  ``seq`` is the global sequence
    number of its ``record`` event (results are ordered by it)."""

    ticket: str
    seq: int
    location: str | None = None
    contact: str | None = None
    phone: str | None = None
    content: str | None = None

    @property
    def text(self) -> str:
        """The normalised location, contact and content, one per line (a term,
        having no whitespace, never matches across two fields)."""
        return "\n".join(normalize(v) for v in (self.location, self.contact, self.content) if v)

    @property
    def digits(self) -> str:
        """The phone number's digits (see :func:`phone_digits`)."""
        return phone_digits(self.phone)

    @property
    def last4(self) -> str:
        """The last four digits of the phone number ('' without one)."""
        digits = self.digits
        return digits[-4:] if len(digits) >= 4 else ""

    def row(self) -> tuple[int, str, str | None, str | None, str | None, str | None,
                           str, str, str]:
        """The columns of the SQL stores' ``search`` table: ``(seq, ticket,
        location, contact, phone, content, digits, last4, text)``."""
        return (self.seq, self.ticket, self.location, self.contact, self.phone, self.content,
                self.digits, self.last4, self.text)


def term_matches(term: Term, text: str, digits: str, last4: str) -> bool:
    """Whether one term matches an entry's text and phone (the reference rule)."""
    if term.text in text:
        return True
    if term.digits and digits:
        return term.digits == digits or (term.last4 and term.digits == last4)
    return False


def matches(terms: Sequence[Term], entry: SearchEntry) -> bool:
    """Whether every term matches ``entry``."""
    text, digits, last4 = entry.text, entry.digits, entry.last4
    return all(term_matches(t, text, digits, last4) for t in terms)


def changed_entry(entry: SearchEntry | None, seq: int, event: Event) -> SearchEntry | None:
    """The entry after ``event`` (stored with global sequence ``seq``), or ``None``
    when the event changes nothing searchable.  ``record`` starts an entry; an
    ``amend`` of a searchable field changes it."""
    data = event.data
    if event.kind == "record":
        return SearchEntry(event.ticket, seq, *(_text(data.get(f)) for f in SEARCH_FIELDS))
    if event.kind == "amend" and entry is not None and data.get("field") in SEARCH_FIELDS:
        changes: dict[str, Any] = {str(data["field"]): _text(data.get("new"))}
        return attrs.evolve(entry, **changes)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def numbered(groups: Iterable[tuple[Any, Any, Sequence[Event], Any, Any]], seq: int
             ) -> Iterator[tuple[int, Event]]:
    """``(seq, event)`` of an append's groups, numbered from ``seq + 1`` in the
    order every store writes them."""
    for _ticket, _expected, events, _command_id, _digest in groups:
        for event in events:
            seq += 1
            yield seq, event


def entries_after(pairs: Iterable[tuple[int, Event]],
                  current: Callable[[str], SearchEntry | None]) -> list[SearchEntry]:
    """The entries an append changes, as they stand after it, in order of their
    first change.  ``current(ticket)`` is the store's entry before the append
    (asked at most once per ticket, and only for amendments)."""
    pending: dict[str, SearchEntry | None] = {}
    changed: dict[str, SearchEntry] = {}
    for seq, event in pairs:
        if event.kind not in ("record", "amend"):
            continue
        tid = event.ticket
        if tid not in pending:
            pending[tid] = current(tid) if event.kind == "amend" else None
        after = changed_entry(pending[tid], seq, event)
        if after is not None:
            pending[tid] = changed[tid] = after
    return list(changed.values())


class SearchIndex:
    """The in-memory index: one entry per ticket in a dict (the memory store's
    and the example plugin's), with its normalised text and phone digits
    computed once, when the entry changes.  Thread-safe."""

    def __init__(self) -> None:
        self._entries: dict[str, SearchEntry] = {}
        self._keys: dict[str, tuple[str, str, str]] = {}
        """ticket -> (text, digits, last4), in order of recording (dicts keep
        the order of first insertion; an amendment keeps the ticket's place)."""
        self._lock = threading.Lock()

    def add(self, pairs: Iterable[tuple[int, Event]]) -> None:
        """Apply committed events (with their sequence numbers)."""
        with self._lock:
            for entry in entries_after(pairs, self._entries.get):
                self._entries[entry.ticket] = entry
                self._keys[entry.ticket] = (entry.text, entry.digits, entry.last4)

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Ids of the matching tickets, newest first, at most ``limit``."""
        terms = parse_query(query)
        if not terms or (limit is not None and limit <= 0):
            return []
        wanted = [(t.text, t.digits, t.last4) for t in terms]
        out: list[str] = []
        with self._lock:  # (a scan of the entries, newest first: no copy)
            for ticket, (text, digits, last4) in reversed(self._keys.items()):
                for word, term_digits, four in wanted:  # term_matches, written out
                    if word in text or (term_digits and digits and (
                            term_digits == digits or (four and term_digits == last4))):
                        continue
                    break
                else:
                    out.append(ticket)
                    if limit is not None and len(out) >= limit:
                        break
        return out
