"""The one duration grammar: SLA allowances and notification settings in the
configuration, distributions in scenarios, and the CLI's relative times
(``-1h30m``) all read durations with it (docs/configuration.md, "Durations").

A duration text is one or more components ``<number><unit>``, units in the
order ``d`` (day), ``h`` (hour), ``m`` (minute), ``s`` (second), each at most
once; a number is digits with an optional decimal part (``1.5h``).  Blanks
may surround the text and separate components, not split one: ``"90s"``,
``"2m"``, ``"1h30m"``, ``"1h 30m"``, ``"1.5h"``, ``"2d"``, ``"0s"``.  A plain
number of seconds is not text: callers take ints (and, where fractions make
sense, floats) as they are.  The value is exact: decimal components are
added as fractions, so ``"0.1h"`` is 360 seconds exactly.
"""

from __future__ import annotations

import re
from fractions import Fraction

UNITS: dict[str, int] = {"d": 86400, "h": 3600, "m": 60, "s": 1}
"""Seconds per unit, in the order the components must come."""

_NUMBER = r"(\d+(?:\.\d+)?)"
_TEXT = re.compile(r"^\s*" + "".join(rf"(?:{_NUMBER}{unit}\s*)?" for unit in UNITS) + r"$")


def exact_seconds(text: str) -> Fraction | None:
    """The seconds ``text`` stands for, exactly; ``None`` when it is not a duration."""
    m = _TEXT.match(text)
    if m is None or not any(m.groups()):
        return None
    return sum((Fraction(g) * n for g, n in zip(m.groups(), UNITS.values(), strict=True) if g),
               Fraction(0))


def text_seconds(text: str) -> float | None:
    """:func:`exact_seconds` as a float (scenarios: fractions of a second allowed)."""
    exact = exact_seconds(text)
    return None if exact is None else float(exact)


def whole_seconds(text: str) -> int | None:
    """:func:`exact_seconds` when it is a whole number of seconds (configuration
    allowances); ``None`` for anything else."""
    exact = exact_seconds(text)
    return None if exact is None or exact.denominator != 1 else int(exact)


def format_duration(seconds: int) -> str:
    """The canonical text of whole ``seconds`` >= 0: largest units first, zero
    components left out (``5400`` → ``"1h30m"``, ``0`` → ``"0s"``)."""
    if seconds < 0:
        raise ValueError(f"a duration is not negative, got {seconds}")
    parts: list[str] = []
    rest = seconds
    for unit, size in UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
