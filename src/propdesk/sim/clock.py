"""The simulated clock's times: simulated second -> aware UTC datetime."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

_SECONDS: Final[list[timedelta]] = []
"""``timedelta(0, s)`` for every second of an hour (filled by the first clock)."""


class SimulatedTime:
    """The aware UTC time of a simulated second counted from ``t0`` (rounded
    to whole seconds).  The engine asks for it with nearly every command, so
    it is the start of the hour plus a table of the hour's seconds, a third of
    the cost of ``datetime.fromtimestamp``, and the last answer is kept (one
    step issues several commands at one time)."""

    def __init__(self, t0: datetime) -> None:
        if not _SECONDS:
            _SECONDS.extend(timedelta(0, s) for s in range(3600))  # (positional: quicker)
        self.t0 = t0
        self._hour_first, self._hour_start = 0, t0  # (the hour's first second)
        self._second, self._value = 0, t0

    def at(self, t: float) -> datetime:
        """The time of simulated second ``t``."""
        second = int(t + 0.5)
        if second == self._second:
            return self._value
        rest = second - self._hour_first
        if rest < 0 or rest >= 3600:  # another hour (a subtraction is cheaper than divmod)
            hour, rest = divmod(second, 3600)
            self._hour_first = hour * 3600
            self._hour_start = self.t0 + timedelta(0, self._hour_first)
        value = self._hour_start + _SECONDS[rest]
        self._second, self._value = second, value
        return value
