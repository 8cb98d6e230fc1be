"""Erlang C (M/M/c) formulas: a first estimate before simulating, and the
yardstick of the queueing sanity check (R-93).

With arrival rate ``lam`` (per unit of time), service rate ``mu`` per server
and ``c`` servers, the offered load is ``a = lam / mu`` Erlangs and the
occupancy ``rho = a / c`` (must be below 1 for a steady state):

- probability of waiting, ``C(c, a) = c·B / (c − a·(1 − B))``, where ``B`` is
  Erlang B computed by the stable recursion ``B(0) = 1``,
  ``B(k) = a·B(k−1) / (k + a·B(k−1))``;
- mean wait in queue, ``Wq = C / (c·mu − lam)``;
- service level, ``P(W ≤ t) = 1 − C·exp(−(c·mu − lam)·t)``;
- mean number waiting, ``Lq = lam·Wq`` (Little's law).

All functions are pure and take any consistent time unit.
"""

from __future__ import annotations

import math

import attrs


class ErlangError(ValueError):
    """Parameters outside the model (no steady state, non-positive rates …)."""


def _check(lam: float, mu: float, c: int) -> float:
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise ErlangError(f"the number of servers must be a whole number >= 1, got {c!r}")
    if not (lam > 0 and math.isfinite(lam)):
        raise ErlangError(f"the arrival rate must be positive, got {lam!r}")
    if not (mu > 0 and math.isfinite(mu)):
        raise ErlangError(f"the service rate must be positive, got {mu!r}")
    a = lam / mu
    if a >= c:
        raise ErlangError(
            f"offered load {a:.3f} Erlangs needs more than {c} server(s): "
            "the queue grows without bound (occupancy >= 100 %)")
    return a


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with ``a`` Erlangs offered."""
    if isinstance(c, bool) or not isinstance(c, int) or c < 0:
        raise ErlangError(f"the number of servers must be a whole number >= 0, got {c!r}")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def prob_wait(lam: float, mu: float, c: int) -> float:
    """Erlang C: the probability that an arrival has to wait."""
    a = _check(lam, mu, c)
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean time in queue (same unit as ``1 / mu``)."""
    pw = prob_wait(lam, mu, c)
    return pw / (c * mu - lam)


def service_level(lam: float, mu: float, c: int, t: float) -> float:
    """Share of arrivals answered within ``t`` (same unit as ``1 / mu``)."""
    if t < 0:
        raise ErlangError(f"the target time must not be negative, got {t!r}")
    pw = prob_wait(lam, mu, c)
    return 1.0 - pw * math.exp(-(c * mu - lam) * t)


@attrs.frozen
class ErlangC:
    """All M/M/c figures for one point; times in the unit of ``1 / mu``."""

    lam: float
    mu: float
    c: int
    load: float
    occupancy: float
    prob_wait: float
    mean_wait: float
    mean_queue: float
    mean_response: float

    def service_level(self, t: float) -> float:
        """``P(W ≤ t)``."""
        return service_level(self.lam, self.mu, self.c, t)

    def to_dict(self) -> dict[str, float | int]:
        return {"lambda": self.lam, "mu": self.mu, "c": self.c, "load": self.load,
                "occupancy": self.occupancy, "prob_wait": self.prob_wait,
                "mean_wait": self.mean_wait, "mean_queue": self.mean_queue,
                "mean_response": self.mean_response}


def erlang_c(lam: float, mu: float, c: int) -> ErlangC:
    """The M/M/c figures for arrival rate ``lam``, service rate ``mu``, ``c`` servers."""
    a = _check(lam, mu, c)
    pw = prob_wait(lam, mu, c)
    wq = pw / (c * mu - lam)
    return ErlangC(lam, mu, c, a, a / c, pw, wq, lam * wq, wq + 1.0 / mu)


def servers_for(lam: float, mu: float, *, target: float, within: float,
                max_servers: int = 1000) -> int:
    """The fewest servers whose service level ``P(W ≤ within)`` reaches ``target``."""
    if not 0 < target < 1:
        raise ErlangError(f"the target must be between 0 and 1, got {target!r}")
    c = max(1, math.floor(lam / mu) + 1)
    while c <= max_servers:
        if service_level(lam, mu, c, within) >= target:
            return c
        c += 1
    raise ErlangError(f"no staffing up to {max_servers} servers reaches the target")
