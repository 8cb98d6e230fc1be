"""The outbox's shell side: rows from notices, and delivery with retries (issue 17).

The :class:`~propdesk.desk.Desk` writes one :class:`~propdesk.ports.OutboxRow`
per (notice, channel) in the same transaction as the events that caused it
(:func:`outbox_rows`).  After the commit a :class:`Deliverer` hands each
channel its due rows, oldest first, and records every outcome in its own
transaction right after the channel answered:

* confirmed → ``sent`` (never sent again);
* failed → ``pending`` again, due after an exponential backoff with jitter
  (tenacity's ``wait_exponential_jitter``), or later when the receiver asked
  for it (``retry_after``: the whole channel pauses that long);
* failed ``max_attempts`` times, or permanently → ``dead`` (a dead letter:
  ``propdesk notify list --failed`` shows it, ``propdesk notify retry``
  re-queues it).

Each channel is served by its own thread, so a slow or failing channel never
holds the others back; failures are logged with the ticket and the channel,
and counted.  A channel that sends one message per call and declares a
``concurrency`` above 1 (the webhook plugin does: 4 by default) has that many
calls in flight at once, each row still marked right after its own call
returned: a storm is not paced by one round trip and one commit at a time.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, cast

import attrs
import tenacity

from propdesk.channels import (
    Channel,
    DeliveryError,
    Message,
    Recipient,
    batch_size,
    message_from_json,
    message_to_json,
)
from propdesk.domain.config import Config, NotifySettings
from propdesk.domain.notices import Notice
from propdesk.ports import EventStore, OutboxRow

_log = logging.getLogger("propdesk.outbox")

MAX_ROWS_PER_PASS = 1000
"""A channel's pass ends after this many rows, so a storm cannot starve the clock."""


def recipients(config: Config, ids: Sequence[str]) -> tuple[Recipient, ...]:
    """The people ``ids`` with their roles and contact points."""
    out = []
    for pid in ids:
        p = config.person_by_id.get(pid)
        if p is not None:
            out.append(Recipient(p.id, p.name, p.role.value, p.mobile, p.email, p.chat_id))
    return tuple(out)


def message_of(config: Config, notice: Notice) -> Message:
    """The channel message of a notice."""
    return Message(id=notice.id, type=notice.type, ticket=notice.ticket, at=notice.at,
                   title=notice.title, text=notice.text,
                   recipients=recipients(config, notice.to), rule=notice.rule,
                   cycle=notice.cycle, location=notice.location, data=dict(notice.data))


def outbox_rows(config: Config, notices: Sequence[Notice], channels: Sequence[str]
                ) -> list[OutboxRow]:
    """One pending row per (notice, channel), due at the notice's time."""
    rows = []
    for n in notices:
        body = message_to_json(message_of(config, n))
        for name in channels:
            rows.append(OutboxRow(key=f"{n.id}@{name}", notice=n.id, channel=name,
                                  ticket=n.ticket, type=n.type, created=n.at, body=body,
                                  next_at=n.at))
    return rows


def in_flight(channel: Channel) -> int:
    """How many one-message calls of ``channel`` may be in flight at once: its
    ``concurrency`` attribute when it declares one (an int from 1 to 16), else 1."""
    n = getattr(channel, "concurrency", 1)
    return min(n, 16) if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else 1


class Backoff:
    """Seconds to wait before attempt ``n + 1`` after ``n`` failures: exponential
    (``initial × 2^(n−1)``, at most ``maximum``) plus up to ``initial`` of random jitter,
    computed by tenacity's ``wait_exponential_jitter``."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._wait = tenacity.wait_exponential_jitter(multiplier=initial, max=maximum,
                                                      exp_base=2, jitter=initial)

    def delay(self, failures: int) -> float:
        state = tenacity.RetryCallState(cast(Any, None), None, (), {})
        state.attempt_number = max(failures, 1)
        return float(self._wait(state))


@attrs.frozen
class Attempt:
    """What one delivery attempt of one row did (``propdesk watch --json``)."""

    row: OutboxRow
    ok: bool
    state: str
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.row.id, "notice": self.row.notice, "channel": self.row.channel,
                "ticket": self.row.ticket, "type": self.row.type, "ok": self.ok,
                "state": self.state, "attempts": self.row.attempts + 1, "error": self.error}


class Deliverer:
    """Delivers due outbox rows through the configured channels."""

    def __init__(self, store: EventStore, channels: Sequence[Channel],
                 settings: NotifySettings) -> None:
        self.store = store
        self.channels = list(channels)
        self.settings = settings
        self.backoff = Backoff(settings.retry_initial, settings.retry_max)
        self.paused: dict[str, datetime] = {}
        """Channel name -> until when it is paused (a receiver's ``retry_after``)."""
        self.counts: Counter[str] = Counter()
        """``sent``, ``failed`` (to be retried), ``dead``, per channel too (``sent:ops``)."""
        self._lock = threading.Lock()

    def pass_channel(self, channel: Channel, now: datetime) -> list[Attempt]:
        """Deliver ``channel``'s rows due at ``now`` (until none is due, it pauses,
        or :data:`MAX_ROWS_PER_PASS` rows were tried)."""
        size = batch_size(channel)
        window = in_flight(channel) if size == 1 else 1
        if window > 1:
            return self._pass_concurrently(channel, now, window)
        out: list[Attempt] = []
        while len(out) < MAX_ROWS_PER_PASS:
            if self._paused(channel, now):
                break
            rows = self.store.outbox_due(channel.name, now, size)
            if not rows:
                break
            out += self._send(channel, rows, now)
        return out

    def _paused(self, channel: Channel, now: datetime) -> bool:
        with self._lock:
            paused = self.paused.get(channel.name)
        return paused is not None and paused > now

    def _pass_concurrently(self, channel: Channel, now: datetime, window: int
                           ) -> list[Attempt]:
        """:meth:`pass_channel` with ``window`` one-message calls in flight; a row
        whose turn comes while the channel is paused stays pending, untouched."""

        def one(row: OutboxRow) -> list[Attempt]:
            return [] if self._paused(channel, now) else self._send(channel, [row], now)

        out: list[Attempt] = []
        with ThreadPoolExecutor(max_workers=window,
                                thread_name_prefix=f"propdesk-send-{channel.name}") as pool:
            while len(out) < MAX_ROWS_PER_PASS and not self._paused(channel, now):
                rows = self.store.outbox_due(channel.name, now,
                                             min(window * 16, MAX_ROWS_PER_PASS - len(out)))
                if not rows:
                    break
                done = [o for part in pool.map(one, rows) for o in part]
                out += done
                if not done:
                    break
        return out

    def pass_all(self, now: datetime) -> list[Attempt]:
        """:meth:`pass_channel` for every channel, each in its own thread."""
        if not self.channels:
            return []
        with ThreadPoolExecutor(max_workers=len(self.channels),
                                thread_name_prefix="propdesk-send") as pool:
            futures = [pool.submit(self.pass_channel, c, now) for c in self.channels]
            return [o for f in futures for o in f.result()]

    def _send(self, channel: Channel, rows: Sequence[OutboxRow], now: datetime
              ) -> list[Attempt]:
        messages = [message_from_json(r.body) for r in rows]
        try:
            results: Sequence[DeliveryError | None] = channel.send(messages)
            if len(results) != len(messages):
                raise RuntimeError(f"channel answered {len(results)} results for "
                                   f"{len(messages)} messages")
        except Exception as exc:  # a channel must not raise; treat it as a failure
            _log.exception("channel %s raised while sending (tickets %s)", channel.name,
                           ", ".join(r.ticket for r in rows))
            results = [DeliveryError(f"{type(exc).__name__}: {exc}")] * len(rows)
        return [self._settle(channel, row, result, now) for row, result in zip(rows, results,
                                                                              strict=True)]

    def _settle(self, channel: Channel, row: OutboxRow, result: DeliveryError | None,
                now: datetime) -> Attempt:
        attempts = row.attempts + 1
        if result is None:
            self.store.outbox_update(row.id, state="sent", attempts=attempts, next_at=row.next_at,
                                     sent_at=now)
            self._count("sent", channel.name)
            return Attempt(row, True, "sent")
        reason = result.reason[:500]
        if result.permanent or attempts >= self.settings.max_attempts:
            self.store.outbox_update(row.id, state="dead", attempts=attempts, next_at=now,
                                     last_error=reason)
            self._count("dead", channel.name)
            _log.error("notice %s for ticket %s is a dead letter on channel %s after %d "
                       "attempts: %s", row.notice, row.ticket, channel.name, attempts, reason)
            return Attempt(row, False, "dead", reason)
        wait = self.backoff.delay(attempts)
        if result.retry_after is not None and result.retry_after > 0:
            wait = max(wait, result.retry_after)
            with self._lock:
                until = now + timedelta(seconds=result.retry_after)
                self.paused[channel.name] = max(until, self.paused.get(channel.name, until))
        self.store.outbox_update(row.id, state="pending", attempts=attempts,
                                 next_at=now + timedelta(seconds=wait), last_error=reason)
        self._count("failed", channel.name)
        _log.warning("delivery of notice %s for ticket %s on channel %s failed (attempt %d, "
                     "next in %.1f s): %s", row.notice, row.ticket, channel.name, attempts,
                     wait, reason)
        return Attempt(row, False, "pending", reason)

    def _count(self, what: str, channel: str) -> None:
        with self._lock:
            self.counts[what] += 1
            self.counts[f"{what}:{channel}"] += 1

    def close(self) -> None:
        """Close every channel."""
        for c in self.channels:
            try:
                c.close()
            except Exception:
                _log.exception("closing channel %s failed", c.name)
