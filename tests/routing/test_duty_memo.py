"""The duty roster look-up (``roster.duty_at``) keeps its answers per weekday and
stretch between shift boundaries; it must agree with checking every shift at
every instant (R-51), including shifts that cross midnight or end at 24:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.routing.routing_support import build_config

from propdesk.domain.config import Config, Shift
from propdesk.domain.roster import duty_at, on_duty, shift_covers

SHIFTS = [
    Shift(people=("eng-zhao", "eng-qian"), start="08:00", end="20:00",
          days=("mon", "tue", "wed", "thu", "fri")),
    Shift(people=("eng-night",), start="20:00", end="08:00"),  # crosses midnight
    Shift(people=("cs-he", "eng-zhao"), start="00:00", end="24:00", days=("sat", "sun")),
    Shift(people=("desk-wang",), start="07:30", end="15:45"),
]


def _brute(config: Config, at: datetime) -> tuple[dict[str, int], list[str]]:
    local = at.astimezone(config.zone)
    first: dict[str, int] = {}
    for i, shift in enumerate(config.shifts):
        if shift_covers(shift, local):
            for pid in shift.people:
                first.setdefault(pid, i)
    order = {p.id: i for i, p in enumerate(config.people)}
    return first, sorted(first, key=lambda pid: order.get(pid, len(order)))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=21 * 86400 - 1))
def test_duty_at_agrees_with_every_shift_checked(offset: int) -> None:
    config = build_config(shifts=SHIFTS)
    at = datetime(2026, 3, 1, 16, 0, tzinfo=UTC) + timedelta(seconds=offset)
    first, ids = duty_at(config, at)
    want_first, want_ids = _brute(config, at)
    assert dict(first) == want_first
    assert list(ids) == want_ids == on_duty(config, at)


def test_boundaries_are_exact_to_the_second() -> None:
    config = build_config(shifts=SHIFTS)
    # Monday 2026-03-02, Shanghai: 08:00 local is 00:00 UTC
    before = datetime(2026, 3, 2, 0, 0, tzinfo=UTC) - timedelta(microseconds=1)
    at = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert "eng-zhao" not in duty_at(config, before)[0]
    assert "eng-night" in duty_at(config, before)[0]
    assert "eng-zhao" in duty_at(config, at)[0]
    assert "eng-night" not in duty_at(config, at)[0]
