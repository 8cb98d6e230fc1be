"""The draws written out in propdesk.sim.draws are the random module's, and the
simulated clock is exact (R-92).

The simulator draws exponential and lognormal durations by the same arithmetic
as ``random.Random.expovariate`` and ``lognormvariate`` (one call per draw
instead of two or three), so a seed gives the same run as before, in both
builds (the compiled one computes in C, with floating-point contraction off).
"""

from __future__ import annotations

import math
import random

import pytest

from propdesk.sim.draws import exponential_draw, parse_dist


@pytest.mark.parametrize("seed", range(8))
def test_lognormal_draws_are_lognormvariate(seed: int) -> None:
    mean, sigma = 2400.0, 0.6
    ours, theirs = random.Random(seed), random.Random(seed)
    draw = parse_dist({"dist": "lognormal", "mean": "40m", "sigma": sigma}, "x").sampler(ours)
    mu = math.log(mean) - sigma * sigma / 2.0
    for _ in range(2000):
        assert draw() == theirs.lognormvariate(mu, sigma)
    assert ours.random() == theirs.random()  # the same number of uniform draws used


@pytest.mark.parametrize("seed", range(8))
def test_exponential_draws_are_expovariate(seed: int) -> None:
    ours, theirs = random.Random(seed), random.Random(seed)
    draw = parse_dist({"dist": "exponential", "mean": "2m"}, "x").sampler(ours)
    for i in range(2000):
        rate = 1.0 / (1 + i % 97)
        assert exponential_draw(ours.random, rate) == theirs.expovariate(rate)
        assert draw() == theirs.expovariate(1.0 / 120.0)
    assert ours.random() == theirs.random()


def test_the_simulated_clock_is_start_plus_the_rounded_second() -> None:
    # sim.clock.SimulatedTime keeps the hour it last answered in; any order of
    # questions (forwards, backwards, across hours and days) gives t0 + round(t)
    from datetime import UTC, datetime, timedelta

    from propdesk.sim.clock import SimulatedTime

    t0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    clock = SimulatedTime(t0)
    rng = random.Random(7)
    times = [rng.uniform(0, 3 * 86400) for _ in range(3000)]
    times += [3599.4, 3599.5, 3600.0, 7199.6, 0.0, 0.49, 86400.5, 3600.0, 3600.0]
    for t in times:
        assert clock.at(t) == t0 + timedelta(seconds=int(t + 0.5))
        assert clock.at(t).tzinfo is UTC
