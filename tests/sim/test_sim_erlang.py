"""Erlang C formulas (propdesk.sim.erlang) and the interval statistics."""

from __future__ import annotations

import math

import pytest

from propdesk.sim import erlang
from propdesk.sim.stats import mean_ci, t_quantile, wilson


def test_single_server_is_mm1() -> None:
    lam, mu = 1 / 3, 1 / 2  # 20 per hour, 2 minutes each (per minute)
    rho = lam / mu
    assert erlang.prob_wait(lam, mu, 1) == pytest.approx(rho)
    assert erlang.mean_wait(lam, mu, 1) == pytest.approx(rho / (mu - lam))  # 4 minutes


def test_textbook_point() -> None:
    # a = 2 Erlangs on 3 servers: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9
    assert erlang.prob_wait(2.0, 1.0, 3) == pytest.approx(4 / 9)
    assert erlang.mean_wait(2.0, 1.0, 3) == pytest.approx(4 / 9)
    assert erlang.erlang_b(3, 2.0) == pytest.approx((8 / 6) / (1 + 2 + 2 + 8 / 6))


def test_service_level_and_summary() -> None:
    r = erlang.erlang_c(1.0, 1 / 3, 4)  # the third R-93 point, per minute
    assert r.load == pytest.approx(3.0)
    assert r.occupancy == pytest.approx(0.75)
    assert r.mean_queue == pytest.approx(r.lam * r.mean_wait)
    assert r.service_level(0) == pytest.approx(1 - r.prob_wait)
    assert r.service_level(1.0) == pytest.approx(1 - r.prob_wait * math.exp(-(4 / 3 - 1)))
    assert 0 < r.service_level(0.5) < r.service_level(2.0) < 1


def test_servers_for_target() -> None:
    c = erlang.servers_for(40 / 60, 1 / 2, target=0.8, within=0.5)
    assert erlang.service_level(40 / 60, 1 / 2, c, 0.5) >= 0.8
    assert c == 1 or erlang.service_level(40 / 60, 1 / 2, c - 1, 0.5) < 0.8


@pytest.mark.parametrize(("lam", "mu", "c", "match"), [
    (2.0, 1.0, 2, "grows without bound"), (0.0, 1.0, 1, "arrival rate"),
    (1.0, -1.0, 2, "service rate"), (1.0, 1.0, 0, "servers")])
def test_refuses_no_steady_state(lam: float, mu: float, c: int, match: str) -> None:
    with pytest.raises(erlang.ErlangError, match=match):
        erlang.erlang_c(lam, mu, c)


def test_t_quantiles_match_tables() -> None:
    assert t_quantile(0.975, 10) == pytest.approx(2.2281, abs=1e-4)
    assert t_quantile(0.995, 19) == pytest.approx(2.8609, abs=1e-4)
    assert t_quantile(0.95, 1) == pytest.approx(6.3138, abs=1e-4)
    assert t_quantile(0.025, 10) == pytest.approx(-2.2281, abs=1e-4)


def test_mean_ci_and_wilson() -> None:
    mean, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0], 0.95)
    assert mean == 2.5
    assert hi - mean == pytest.approx(3.1824 * math.sqrt((5 / 3) / 4), rel=1e-4)
    assert lo == pytest.approx(2 * mean - hi)
    lo, hi = wilson(19, 20, 0.95)
    assert lo == pytest.approx(0.7639, abs=1e-3) and hi == pytest.approx(0.9911, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
