"""Who is on duty when (the duty roster of R-51).  Pure: time comes in."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from propdesk.domain.config import WEEKDAYS, Config, Shift, parse_hhmm


def shift_covers(shift: Shift, local: datetime) -> bool:
    """Whether ``shift`` covers the local wall-clock time ``local``.

    A shift whose end is not after its start crosses midnight and belongs to
    the weekday on which it starts; ``24:00`` ends at midnight.
    """
    start = parse_hhmm(shift.start, "start")
    end = parse_hhmm(shift.end, "end", allow_24=True)
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


def on_duty(config: Config, at: datetime) -> list[str]:
    """Ids of people on duty at ``at`` (aware), in roster order, without repeats."""
    local = at.astimezone(config.zone)
    seen: dict[str, None] = {}
    for shift in config.shifts:
        if shift_covers(shift, local):
            for pid in shift.people:
                seen.setdefault(pid, None)
    order = {p.id: i for i, p in enumerate(config.people)}
    return sorted(seen, key=lambda pid: order.get(pid, len(order)))


def is_on_duty(config: Config, person: str, at: datetime) -> bool:
    """Whether ``person`` is on duty at ``at``."""
    return person in on_duty(config, at)


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
