"""R-93: simulated waits at the desk match Erlang C (M/M/c).

Each point runs 20 independent desk-only communities (one seed each)
through the full simulator; the formula's mean wait must lie inside the
99 % Student-t interval of the replications' mean waits, and that interval
must be tight enough (±25 %) for the check to mean something.  The share of
calls that waited is compared with the Erlang C probability of waiting.
"""

from __future__ import annotations

import pytest

from propdesk.sim.validate import erlang_check

POINTS = [
    # lambda per hour, mean service (s), operators, days per replication
    (20.0, 120.0, 1, 2),
    (40.0, 120.0, 2, 2),
    (60.0, 180.0, 4, 1),
]


@pytest.mark.parametrize(("lam", "service", "c", "days"), POINTS)
def test_mean_wait_matches_erlang_c(lam: float, service: float, c: int, days: int) -> None:
    r = erlang_check(lam, service, c, replications=20, days=days, seed=1, confidence=0.99)
    assert r.calls > 10_000
    assert r.low <= r.formula <= r.high, r.to_dict()
    assert (r.high - r.low) / 2 < 0.25 * r.formula, r.to_dict()
    assert r.simulated_pwait == pytest.approx(r.formula_pwait, abs=0.03)
