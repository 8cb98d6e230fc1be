"""Arrival rates of a scenario: Poisson arrivals by local hour and weekday (R-90).

The rate is constant within each hour of local time; :class:`Rates` answers
"until when, how many per second, and which stream" for a simulated second
and keeps one stream picker per (weekday, hour).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from propdesk.sim.draws import Picker
from propdesk.sim.scenario import Scenario

Block = tuple[float, float, Picker | None]
"""(end of the hour block, arrivals per second, stream picker or ``None`` at rate 0)."""


class Rates:
    """The arrival rate of ``scenario`` at simulated seconds since ``t0`` (UTC)."""

    def __init__(self, scenario: Scenario, t0: datetime, zone: ZoneInfo,
                 rng: random.Random) -> None:
        self.sc = scenario
        self.t0 = t0
        self.zone = zone
        self.rng = rng
        self._pickers: dict[int, tuple[float, Picker | None]] = {}
        self._block = -1
        self._value: Block = (0.0, 0.0, None)

    def at(self, t: float) -> Block:
        """The hour block containing simulated second ``t``."""
        block = int(t // 3600)
        if block == self._block:  # several arrivals in one hour
            return self._value
        local = (self.t0 + timedelta(seconds=block * 3600)).astimezone(self.zone)
        key = local.weekday() * 24 + local.hour
        end = (block + 1) * 3600.0
        cached = self._pickers.get(key)
        if cached is None:
            sc = self.sc
            total_share = sum(s.share for s in sc.streams)
            day_factor = sc.weekday[local.weekday()] * 7 / sum(sc.weekday)
            weights: dict[str, float] = {}
            for s in sc.streams:
                hourly = s.hourly or sc.hourly
                hour_factor = hourly[local.hour] * 24 / sum(hourly)
                weights[s.name] = (sc.per_day * sc.scale * s.share / total_share
                                   * hour_factor * day_factor / 86400.0)
            rate = sum(weights.values())
            picker = Picker(weights, self.rng) if rate > 0 else None
            cached = self._pickers[key] = (rate, picker)
        self._block, self._value = block, (end, cached[0], cached[1])
        return self._value
