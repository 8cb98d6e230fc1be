"""Queueing sanity (R-93, docs/erlang.md): the simulated desk against Erlang C.

:func:`desk_only_scenario` builds a scenario in which every call is an
inquiry answered at the desk: Poisson arrivals at ``lam_per_hour``, the
recording (the only operator time) exponential with mean ``service_s``,
``c`` operators around the clock, callbacks taking no operator time.  The
calls' waits for an operator are then those of an M/M/c queue.
:func:`erlang_check` runs independent replications (one seed each) through
the full simulator — rules, events and all — and compares the mean wait
with :func:`propdesk.sim.erlang.mean_wait` using a Student-t confidence
interval over the replications.
"""

from __future__ import annotations

from typing import Any

import attrs

from propdesk.sim import erlang
from propdesk.sim.engine import SimulatedCommunity
from propdesk.sim.scenario import Scenario, parse_scenario
from propdesk.sim.stats import mean_ci


def desk_only_scenario(lam_per_hour: float, service_s: float, c: int, *,
                       days: int = 1) -> Scenario:
    """An M/M/c desk: inquiries answered while recording, ``c`` operators."""
    text = f"""
[scenario]
name = "erlang-{lam_per_hour:g}-{service_s:g}-{c}"
start = "2026-03-02"
days = {days}
received = "arrival"

[roster]
desk = {c}

[arrivals]
per_hour = {float(lam_per_hour)!r}
[arrivals.streams.inquiry]
desk = 1.0

[durations]
record = {{ dist = "exponential", mean = {float(service_s)!r} }}
answer = 0
callback = 0
"""
    return parse_scenario(text)


@attrs.frozen
class ErlangCheck:
    """Simulated mean wait (seconds) with its interval, and the formula's value."""

    lam_per_hour: float
    service_s: float
    c: int
    replications: int
    calls: int
    confidence: float
    simulated: float
    low: float
    high: float
    formula: float
    simulated_pwait: float
    formula_pwait: float

    @property
    def ok(self) -> bool:
        """The formula's mean wait lies inside the simulated interval."""
        return self.low <= self.formula <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v)
                for k, v in attrs.asdict(self).items()} | {"ok": self.ok}


def erlang_check(lam_per_hour: float, service_s: float, c: int, *, replications: int = 20,
                 days: int = 1, seed: int = 1, confidence: float = 0.99) -> ErlangCheck:
    """Run ``replications`` independent desk-only communities and compare."""
    sc = desk_only_scenario(lam_per_hour, service_s, c, days=days)
    means: list[float] = []
    waited = 0
    calls = 0
    for r in range(replications):
        com = SimulatedCommunity(sc, seed * 1000 + r)
        com.run()
        st = com.desk_wait_calls
        means.append(st.mean)
        calls += st.n
        waited += com.desk_waited
    mean, low, high = mean_ci(means, confidence)
    lam = lam_per_hour / 3600.0
    mu = 1.0 / service_s
    return ErlangCheck(lam_per_hour, service_s, c, replications, calls, confidence, mean, low,
                       high, erlang.mean_wait(lam, mu, c), waited / calls if calls else 0.0,
                       erlang.prob_wait(lam, mu, c))
