"""The watcher behind ``propdesk watch``: SLA alerts at their time, the outbox drained.

One watcher per store sends: it holds the store's watch lock (an ``fcntl``
lock file beside a SQLite database, a PostgreSQL advisory lock); a second
watcher waits and takes over when the first stops or dies.  While it holds
the lock, every tick (0.2 s by default) it

1. catches up with the store (a cheap read of what was committed since), so
   the deadline index knows every change, and records the SLA warnings and
   breaches now due, each once ever (the store's durable fire record, S-21),
   with their outbox rows in the same transaction;
2. hands each channel whose rows are due to that channel's own thread (a
   slow or failing channel never delays the others, nor the clock).

Alerts are raised at most one tick late.  Rows are marked ``sent`` right
after their channel confirmed them, so after a crash (``kill -9``) and a
restart nothing a channel confirmed is sent again and nothing is missed.
SIGTERM and SIGINT stop it cleanly: no new sends start, sends in flight end,
the lock is released.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import attrs

from propdesk.channels import Channel
from propdesk.desk import Desk
from propdesk.domain.notices import Notice
from propdesk.outbox import Attempt, Deliverer

_log = logging.getLogger("propdesk.watch")


@attrs.frozen
class Pass:
    """What one pass did: the alerts it fired and the delivery attempts it made."""

    fired: tuple[Notice, ...]
    outcomes: tuple[Attempt, ...]


class WatchLocked(Exception):
    """Another watcher holds the store's watch lock (``--once`` does not wait)."""


class Watcher:
    """Raises SLA alerts and delivers the outbox for one desk."""

    def __init__(self, desk: Desk, channels: Sequence[Channel], *, tick: float = 0.2,
                 on_outcome: Callable[[Attempt], None] | None = None,
                 on_fired: Callable[[Notice], None] | None = None) -> None:
        self.desk = desk
        self.store = desk.store
        self.channels = list(channels)
        self.deliverer = Deliverer(self.store, self.channels, desk.config.notify)
        self.tick = tick
        self.on_outcome = on_outcome
        self.on_fired = on_fired
        self.stopping = threading.Event()
        self.lock = self.store.watch_lock()
        self.holding = False
        self.errors = 0
        """Passes that failed (the store unreachable …), logged and retried."""

    # ------------------------------------------------------------------ once

    def once(self, at: datetime | None = None) -> Pass:
        """One pass as of ``at`` (default: the clock's now), under the lock;
        raises :class:`WatchLocked` when another watcher holds it."""
        if not self.lock.acquire():
            raise WatchLocked()
        try:
            now = at or self.desk.clock.now()
            fired = self._fire(now)
            outcomes = self.deliverer.pass_all(now)
            for o in outcomes:
                self._report(o)
            return Pass(tuple(fired), tuple(outcomes))
        finally:
            self.lock.release()

    # ------------------------------------------------------------------- run

    def stop(self) -> None:
        """Ask :meth:`run` to end (safe from a signal handler)."""
        self.stopping.set()

    def run(self, *, on_waiting: Callable[[], None] | None = None,
            on_holding: Callable[[], None] | None = None) -> None:
        """Watch until :meth:`stop`: wait for the lock, then tick."""
        waited = False
        while not self.stopping.is_set():
            if self.lock.acquire():
                break
            if not waited and on_waiting is not None:
                on_waiting()
            waited = True
            self.stopping.wait(min(1.0, self.tick * 5))
        else:
            return
        self.holding = True
        if on_holding is not None:
            on_holding()
        pool = ThreadPoolExecutor(max_workers=max(1, len(self.channels)),
                                  thread_name_prefix="propdesk-send")
        busy: dict[str, Future[list[Attempt]]] = {}
        try:
            while not self.stopping.is_set():
                try:
                    now = self.desk.clock.now()
                    self._fire(now)
                    self._dispatch(pool, busy, now)
                except Exception:  # the store was unreachable …: log, count, try again
                    self.errors += 1
                    _log.exception("watch pass failed; retrying")
                    self.stopping.wait(1.0)
                self.stopping.wait(self.tick)
        finally:
            pool.shutdown(wait=True)
            self.lock.release()
            self.holding = False

    # ------------------------------------------------------------- internals

    def _fire(self, now: datetime) -> list[Notice]:
        fired = self.desk.fire_alerts(now)
        for n in fired:
            _log.info("SLA %s fired: ticket %s rule %s cycle %s", n.type, n.ticket, n.rule,
                      n.cycle)
            if self.on_fired is not None:
                self.on_fired(n)
        return fired

    def _dispatch(self, pool: ThreadPoolExecutor, busy: dict[str, Future[list[Attempt]]],
                  now: datetime) -> None:
        next_at = self.store.outbox_next_at()
        if next_at is None or next_at > now:
            return
        for channel in self.channels:
            running = busy.get(channel.name)
            if running is not None and not running.done():
                continue
            busy[channel.name] = pool.submit(self._channel_pass, channel, now)

    def _channel_pass(self, channel: Channel, now: datetime) -> list[Attempt]:
        try:
            outcomes = self.deliverer.pass_channel(channel, now)
        except Exception:
            _log.exception("delivery through channel %s failed", channel.name)
            return []
        for o in outcomes:
            self._report(o)
        return outcomes

    def _report(self, outcome: Attempt) -> None:
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:
                _log.exception("reporting a delivery failed")

    def close(self) -> None:
        """Close the channels."""
        self.deliverer.close()
