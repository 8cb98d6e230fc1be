"""Helpers the stores share for the outbox (issue 17): fixed-width UTC times
that sort as text, and the column order of an outbox row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from propdesk.ports import OutboxRow

OUTBOX_COLUMNS = ("id, dedupe_key, notice, channel, ticket, type, created, body, next_at,"
                  " state, attempts, last_error, sent_at")
OUTBOX_INSERT_COLUMNS = ("dedupe_key, notice, channel, ticket, type, created, body, next_at,"
                         " state, attempts, last_error")


def ts(dt: datetime) -> str:
    """``2026-03-02T01:00:40.000000Z``: UTC, fixed width, so text order is time order."""
    if dt.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    """The datetime of :func:`ts` text."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def insert_values(row: OutboxRow, *, text_times: bool = True) -> tuple[Any, ...]:
    """The values of :data:`OUTBOX_INSERT_COLUMNS` for ``row``."""
    def t(d: datetime) -> Any:
        return ts(d) if text_times else d

    return (row.key, row.notice, row.channel, row.ticket, row.type, t(row.created), row.body,
            t(row.next_at), row.state, row.attempts, row.last_error)


def row_from(values: Sequence[Any]) -> OutboxRow:
    """An :class:`OutboxRow` from :data:`OUTBOX_COLUMNS` values (text or datetime times)."""
    def t(v: Any) -> datetime:
        return parse_ts(v) if isinstance(v, str) else v.astimezone(UTC)

    (id_, key, notice, channel, ticket, type_, created, body, next_at, state, attempts,
     error, sent_at) = values
    return OutboxRow(key=key, notice=notice, channel=channel, ticket=ticket, type=type_,
                     created=t(created), body=body, next_at=t(next_at), state=state,
                     attempts=int(attempts), last_error=error,
                     sent_at=None if sent_at is None else t(sent_at), id=int(id_))
