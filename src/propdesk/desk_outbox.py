"""The Desk's notification side: the notices of accepted events and of SLA
alerts, queued as outbox rows in the transaction that causes them (delivered
after the commit, :mod:`propdesk.outbox`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from propdesk.domain.config import Config
from propdesk.domain.events import Event
from propdesk.domain.model import Ticket
from propdesk.domain.notices import Masks, Notice, alert_notice, notices_for
from propdesk.domain.sla import Alert
from propdesk.masking import mask_phone, mask_room
from propdesk.ports import EventStore, FireKey, OutboxRow

MASKS = Masks(phone=mask_phone, room=mask_room)
"""Notices mask owners' phones and door numbers (RELIABILITY)."""


def event_notices(config: Config, ticket: Ticket, events: Sequence[Event]) -> list[Notice]:
    """The notices of accepted ``events`` (``ticket`` as they leave it)."""
    return notices_for(config, ticket, events, masks=MASKS)


def queued_rows(config: Config, notices: Sequence[Notice], channels: Sequence[str]
                ) -> list[OutboxRow]:
    """One outbox row per (notice, channel), written with what caused it."""
    from propdesk.outbox import outbox_rows

    if not notices or not channels:
        return []
    return outbox_rows(config, notices, channels)


def flush(store: EventStore, config: Config, channels: Sequence[Any], at: datetime) -> int:
    """One delivery pass of the outbox through ``channels``, when no watcher holds
    the store's watch lock; returns how many rows are still pending."""
    from propdesk.outbox import Deliverer

    lock = store.watch_lock()
    if lock.acquire():
        try:
            Deliverer(store, channels, config.notify).pass_all(at)
        finally:
            lock.release()
    return len(store.outbox_rows(states=("pending",)))


def record_alerts(store: EventStore, config: Config, channels: Sequence[str],
                  view: Mapping[str, Ticket], alerts: Sequence[Alert], end: datetime
                  ) -> list[Notice]:
    """Record ``alerts`` in the store's durable fire record, each with its outbox
    rows in one transaction, and return the notices of those not fired before
    (S-21).  An alert older than the catch-up window is recorded, not sent."""
    oldest = end - timedelta(seconds=config.notify.catch_up)
    fires: list[tuple[FireKey, datetime, list[OutboxRow]]] = []
    by_key: dict[FireKey, Notice] = {}
    for a in alerts:
        ticket = view.get(a.ticket)
        if ticket is None:
            continue
        key: FireKey = (a.ticket, a.rule, a.cycle, a.occurrence, str(a.kind))
        if a.at < oldest:
            fires.append((key, a.at, []))
            continue
        notice = alert_notice(config, ticket, a, masks=MASKS)
        by_key[key] = notice
        fires.append((key, a.at, queued_rows(config, [notice], channels)))
    fired = store.record_fires(fires)
    return [by_key[k] for k in fired if k in by_key]
