"""Clocks: the system clock, and a manual clock for tests and replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told (tests, simulations, late entry)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware start time")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (may not go backwards)."""
        if when < self._now:
            raise ValueError("a ManualClock does not go backwards")
        self._now = when

    def advance(self, seconds: float = 0, **kw: float) -> datetime:
        """Move forward by ``seconds`` (or ``timedelta`` keywords) and return the new now."""
        self._now = self._now + timedelta(seconds=seconds, **kw)
        return self._now
