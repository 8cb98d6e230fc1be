"""Distributions of stage durations and lead times, drawn from one seeded
:class:`random.Random` per community (R-92).

A distribution is written in a scenario as a table, or as a bare duration
meaning a fixed value::

    record  = { dist = "exponential", mean = "1m" }
    repair  = { dist = "lognormal", mean = "40m", sigma = 0.6 }
    travel  = { dist = "uniform", low = "3m", high = "9m" }
    plan    = "1m"                                   # fixed
    answer  = { dist = "empirical", values = ["30s", "1m", "90s"] }

Durations are seconds (a number) or text such as ``"90s"``, ``"2m"``,
``"1h30m"``.  Every draw is in seconds.  The ``random`` module's generators
are documented as reproducible for a given seed across Python versions and
platforms; draws are rounded to whole seconds when they become command
times, so last-bit differences of ``math.log`` cannot show in any output.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from propdesk.domain.durations import text_seconds
from propdesk.sim.errors import ScenarioError

Sampler = Callable[[], float]

KINDS = ("exponential", "lognormal", "uniform", "fixed", "empirical")


def seconds(value: Any, path: str) -> float:
    """A duration in seconds from a number or text (``"90s"``, ``"2m"``, ``"1h30m"``)."""
    if isinstance(value, bool):
        raise ScenarioError(path, f'expected a duration such as "90s" or "2m", got {value!r}')
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ScenarioError(path, f"a duration must be finite and >= 0, got {value!r}")
        return float(value)
    if isinstance(value, str) and (secs := text_seconds(value)) is not None:
        return secs
    raise ScenarioError(path, f'expected a duration such as "90s", "2m" or "1h30m", got '
                              f"{value!r}")


@attrs.frozen
class Dist:
    """A validated distribution; :meth:`sampler` binds it to a random generator."""

    kind: str
    params: tuple[float, ...]

    @property
    def mean(self) -> float:
        """The distribution's mean, in seconds."""
        if self.kind in ("exponential", "lognormal", "fixed"):
            return self.params[0]
        if self.kind == "uniform":
            return (self.params[0] + self.params[1]) / 2
        return sum(self.params) / len(self.params)

    def sampler(self, rng: random.Random) -> Sampler:
        """A function returning one draw (seconds) per call, using ``rng``."""
        return _SAMPLERS[self.kind](self.params, rng)

    def to_toml(self) -> dict[str, Any] | float:
        """The scenario form (seconds)."""
        if self.kind == "fixed":
            return self.params[0]
        if self.kind == "exponential":
            return {"dist": "exponential", "mean": self.params[0]}
        if self.kind == "lognormal":
            return {"dist": "lognormal", "mean": self.params[0], "sigma": self.params[1]}
        if self.kind == "uniform":
            return {"dist": "uniform", "low": self.params[0], "high": self.params[1]}
        return {"dist": "empirical", "values": list(self.params)}


# The samplers are made by module-level functions (docs/speed.md, rule 2).

def _fixed(p: tuple[float, ...], rng: random.Random) -> Sampler:
    value = p[0]
    return lambda: value


def _exponential(p: tuple[float, ...], rng: random.Random) -> Sampler:
    if p[0] == 0:
        return lambda: 0.0
    rate = 1.0 / p[0]
    rnd = rng.random
    return lambda: exponential_draw(rnd, rate)


def exponential_draw(rnd: Callable[[], float], rate: float) -> float:
    """One draw of ``random.Random.expovariate(rate)`` from ``rnd`` (the
    generator's ``random`` method), by the same arithmetic, so the same
    draws: inverse transform of one uniform draw."""
    return -math.log(1.0 - rnd()) / rate


# The constant of the ratio-of-uniforms method for the normal distribution
# (Kinderman and Monahan, 1977), as the random module computes it
_NV_CONST: Final = 4 * math.exp(-0.5) / math.sqrt(2.0)


def _lognormal(p: tuple[float, ...], rng: random.Random) -> Sampler:
    mean, sigma = p
    mu = math.log(mean) - sigma * sigma / 2.0
    rnd = rng.random

    def draw() -> float:
        # rng.lognormvariate(mu, sigma) written out, by the same arithmetic as
        # the random module (so the same draws, from the same uniform draws):
        # e to a normal draw, made by the ratio-of-uniforms method.  One call
        # per draw instead of three.
        while True:
            u = rnd()
            v = 1.0 - rnd()
            z = _NV_CONST * (u - 0.5) / v
            if z * z / 4.0 <= -math.log(v):
                return math.exp(mu + z * sigma)

    return draw


def _uniform(p: tuple[float, ...], rng: random.Random) -> Sampler:
    low, high = p
    unif = rng.uniform
    return lambda: unif(low, high)


def _empirical(p: tuple[float, ...], rng: random.Random) -> Sampler:
    choice = rng.choice
    return lambda: choice(p)


_bisect_right: Final = bisect_right
_SAMPLERS: Final[dict[str, Callable[[tuple[float, ...], random.Random], Sampler]]] = {
    "fixed": _fixed, "exponential": _exponential, "lognormal": _lognormal,
    "uniform": _uniform, "empirical": _empirical}


def fixed(value: float) -> Dist:
    return Dist("fixed", (float(value),))


def exponential(mean: float) -> Dist:
    return Dist("exponential", (float(mean),))


def parse_dist(value: Any, path: str) -> Dist:
    """Check a distribution's table (or bare duration) and build it; errors name ``path``."""
    if not isinstance(value, Mapping):
        return fixed(seconds(value, path))
    kind = value.get("dist")
    if kind is None:
        raise ScenarioError(f"{path}.dist", f"required: one of {', '.join(KINDS)}")
    if kind not in KINDS:
        raise ScenarioError(f"{path}.dist", f"{kind!r} is not one of {', '.join(KINDS)}")
    allowed = {"exponential": ("mean",), "lognormal": ("mean", "sigma"),
               "uniform": ("low", "high"), "fixed": ("value",),
               "empirical": ("values",)}[kind]
    for key in value:
        if key != "dist" and key not in allowed:
            raise ScenarioError(f"{path}.{key}", f"unknown key for a {kind} distribution "
                                f"(expected {', '.join(allowed)})")
    for key in allowed:
        if key not in value:
            raise ScenarioError(f"{path}.{key}", "required key is missing")
    if kind == "fixed":
        return fixed(seconds(value["value"], f"{path}.value"))
    if kind == "exponential":
        return exponential(seconds(value["mean"], f"{path}.mean"))
    if kind == "lognormal":
        mean = seconds(value["mean"], f"{path}.mean")
        if mean <= 0:
            raise ScenarioError(f"{path}.mean", "a lognormal mean must be positive")
        sigma = value["sigma"]
        if isinstance(sigma, bool) or not isinstance(sigma, int | float) or not (
                0 < sigma < 10):
            raise ScenarioError(f"{path}.sigma", f"expected a number in (0, 10), got {sigma!r}")
        return Dist("lognormal", (mean, float(sigma)))
    if kind == "uniform":
        low = seconds(value["low"], f"{path}.low")
        high = seconds(value["high"], f"{path}.high")
        if high < low:
            raise ScenarioError(f"{path}.high", "high must not be below low")
        return Dist("uniform", (low, high))
    values = value["values"]
    if not isinstance(values, list) or not values:
        raise ScenarioError(f"{path}.values", "expected a non-empty list of durations")
    return Dist("empirical", tuple(seconds(v, f"{path}.values[{i}]")
                                   for i, v in enumerate(values)))


class Picker:
    """Draw one of several keys by weight (a fixed order, so runs repeat)."""

    __slots__ = ("_cum", "_keys", "_random", "_total")

    def __init__(self, weights: Mapping[str, float], rng: random.Random) -> None:
        self._keys = list(weights)
        total = 0.0
        cum = []
        for k in self._keys:
            total += weights[k]
            cum.append(total)
        self._cum = cum
        self._total = total
        self._random = rng.random

    def __call__(self) -> str:
        keys = self._keys
        if len(keys) == 1:
            return keys[0]
        # the first key whose cumulative weight exceeds x (the last one, if none)
        i = _bisect_right(self._cum, self._random() * self._total)
        return keys[i] if i < len(keys) else keys[-1]
