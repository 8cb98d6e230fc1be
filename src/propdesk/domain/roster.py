"""Who is on duty when (the duty roster of R-51).  Pure: time comes in."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Final

from propdesk.domain.config import WEEKDAYS, Config, Shift, parse_hhmm


def shift_covers(shift: Shift, local: datetime) -> bool:
    """Whether ``shift`` covers the local wall-clock time ``local``.

    A shift whose end is not after its start crosses midnight and belongs to
    the weekday on which it starts; ``24:00`` ends at midnight.
    """
    start, end = _bounds(shift)
    t = local.time().replace(tzinfo=None)
    day = WEEKDAYS[local.weekday()]
    prev_day = WEEKDAYS[(local.weekday() - 1) % 7]
    if end == time.max or end > start:
        return day in shift.days and start <= t and (end == time.max or t < end)
    # crosses midnight: today's part from start, and the part after midnight
    # belonging to the shift that started yesterday
    if day in shift.days and t >= start:
        return True
    return prev_day in shift.days and t < end


_BOUNDS: Final[dict[tuple[str, str], tuple[time, time]]] = {}
_bisect_right: Final = bisect_right


def _bounds(shift: Shift) -> tuple[time, time]:
    """The parsed start and end of ``shift`` (parsed once per text)."""
    key = (shift.start, shift.end)
    got = _BOUNDS.get(key)
    if got is None:
        got = _BOUNDS[key] = (parse_hhmm(shift.start, "start"),
                              parse_hhmm(shift.end, "end", allow_24=True))
    return got


def duty_at(config: Config, at: datetime) -> tuple[Mapping[str, int], tuple[str, ...]]:
    """Who is on duty at ``at`` (aware): person id -> index of the first shift of
    the roster covering it, and the ids in roster order.

    Between two consecutive shift boundaries (any shift's start or end) of a
    local weekday nobody comes or goes, so the answer is kept in
    ``config.memo`` per (weekday, stretch between boundaries): at most a few
    dozen entries, which makes routing and the simulator's roster changes a
    look-up.  Treat the mapping as read-only."""
    local = at.astimezone(config.zone)
    bounds: list[int] | None = config.memo.get("duty-bounds")
    if bounds is None:
        bounds = config.memo["duty-bounds"] = _boundaries(config)
    second = local.hour * 3600 + local.minute * 60 + local.second
    key = ("duty", local.weekday(), _bisect_right(bounds, second))
    hit: tuple[Mapping[str, int], tuple[str, ...]] | None = config.memo.get(key)
    if hit is None:
        first: dict[str, int] = {}
        for i, shift in enumerate(config.shifts):
            if shift_covers(shift, local):
                for pid in shift.people:
                    first.setdefault(pid, i)
        order = config.person_index
        ids = tuple(sorted(first, key=lambda pid: order.get(pid, len(order))))
        hit = config.memo[key] = (first, ids)
    return hit


def _boundaries(config: Config) -> list[int]:
    """Every shift start and end of the roster, as seconds after local midnight."""
    out = set()
    for shift in config.shifts:
        for t in _bounds(shift):
            if t != time.max:
                out.add(t.hour * 3600 + t.minute * 60 + t.second)
    return sorted(out)


def on_duty(config: Config, at: datetime) -> list[str]:
    """Ids of people on duty at ``at`` (aware), in roster order, without repeats."""
    return list(duty_at(config, at)[1])


def is_on_duty(config: Config, person: str, at: datetime) -> bool:
    """Whether ``person`` is on duty at ``at``."""
    return person in duty_at(config, at)[0]


def local_day_start(config: Config, at: datetime) -> datetime:
    """Local midnight of the day containing ``at`` (aware, in the community zone)."""
    local = at.astimezone(config.zone)
    return datetime(local.year, local.month, local.day, tzinfo=config.zone)


def next_meeting_after_day(config: Config, at: datetime) -> datetime:
    """The first managers' meeting after the local day of ``at`` (S-12).

    Computed on the local calendar with ``zoneinfo``, so days of 23 or 25
    hours (daylight-saving changes) are handled; returned in UTC-aware form.
    """
    local = at.astimezone(config.zone)
    nxt = (datetime(local.year, local.month, local.day) + timedelta(days=1)).date()
    meeting = datetime.combine(nxt, config.meeting, tzinfo=config.zone)
    return meeting
