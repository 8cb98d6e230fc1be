"""What a configuration leaves uncovered: dispatches that will fail (R-50, R-51, R-53).

Two things pass the configuration's own checks and fail only when a call
comes in:

- a **category no department answers for** (R-50): dispatching it is refused
  (``no_department``);
- **hours of the week a department has no one on duty** (R-51): routing
  finds no one of the department and refuses the dispatch (``no_one_on_duty``,
  R-53; an emergency goes to anyone on duty in the field instead, R-52).

:func:`coverage_findings` finds both; ``propdesk config check`` reports them
as warnings (errors with ``--strict``).  Only departments that routing sends
work to are checked: the first department naming a category (R-50).  The
week is the local wall-clock week of the roster (Monday 00:00 is minute 0):
a shift covers the minutes from its start to its end on its days, exactly as
routing reads it (:func:`~propdesk.domain.roster.shift_covers`).

Pure: the configuration comes in, nothing is read from the clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import pairwise

import attrs

from propdesk.domain.config import Config, parse_hhmm
from propdesk.domain.labels import Lang
from propdesk.domain.roster import shift_covers

DAY = 24 * 60
WEEK = 7 * DAY
"""Minutes of a day and of a week."""

WEEKDAY_LABELS: tuple[tuple[str, str], ...] = (
    ("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"),
    ("周六", "Sat"), ("周日", "Sun"),
)

_MONDAY = datetime(2024, 1, 1)  # any Monday: shift_covers reads the weekday and wall time


@attrs.frozen
class Finding:
    """One thing a dispatch will run into.

    ``code`` is ``no_department`` (``subject`` is a category id) or
    ``no_one_on_duty`` (``subject`` is a department id, ``gaps`` the uncovered
    minutes of the week as ``[start, end)`` ranges; a range over the end of
    the week has ``end > WEEK``).  ``daily`` holds the gaps as minutes of the
    day (``end`` may be past midnight, ``> DAY``) when they are the same every
    day.  ``path`` is the configuration key the finding is about."""

    code: str
    subject: str
    path: str
    gaps: tuple[tuple[int, int], ...] = ()
    daily: tuple[tuple[int, int], ...] | None = None

    @property
    def always(self) -> bool:
        """No one of the department is ever on duty."""
        return self.gaps == ((0, WEEK),)


def routed_departments(config: Config) -> list[str]:
    """Ids of the departments routing sends work to (the first to name a category)."""
    found: list[str] = []
    for category in config.categories:
        dept = config.department_for(category.id)
        if dept is not None and dept.id not in found:
            found.append(dept.id)
    return [d.id for d in config.departments if d.id in found]


def _minute(text: str) -> int:
    t = parse_hhmm(text, "shift", allow_24=True)
    return DAY if t == time.max else t.hour * 60 + t.minute


def duty_gaps(config: Config) -> dict[str, tuple[tuple[int, int], ...]]:
    """Department id -> the minutes of the week no one of it is on duty, merged."""
    bounds = sorted({0, DAY} | {_minute(t) for s in config.shifts for t in (s.start, s.end)})
    segments = list(pairwise(bounds))
    departments = routed_departments(config)
    gaps: dict[str, list[tuple[int, int]]] = {d: [] for d in departments}
    people = config.person_by_id
    for day in range(7):
        for start, end in segments:
            at = _MONDAY + timedelta(days=day, minutes=start)
            present = {people[pid].department for shift in config.shifts
                       if shift_covers(shift, at) for pid in shift.people}
            for dept in departments:
                if dept not in present:
                    _add(gaps[dept], day * DAY + start, day * DAY + end)
    return {d: _wrap(ranges) for d, ranges in gaps.items() if ranges}


def _add(ranges: list[tuple[int, int]], start: int, end: int) -> None:
    if ranges and ranges[-1][1] == start:
        ranges[-1] = (ranges[-1][0], end)
    else:
        ranges.append((start, end))


def _wrap(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Join a gap running over Sunday midnight into one (its end then passes ``WEEK``)."""
    if len(ranges) > 1 and ranges[0][0] == 0 and ranges[-1][1] == WEEK:
        last = ranges.pop()
        ranges[0] = (last[0], ranges[0][1] + WEEK)
    return tuple(sorted(ranges))


def daily_pattern(gaps: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...] | None:
    """The gaps as minutes of one day when every day has the same ones, else ``None``."""
    minutes = [(s % WEEK, (s % WEEK) + (e - s)) for s, e in gaps]
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for start, end in minutes:
        while start < end:
            day = (start // DAY) % 7
            stop = min(end, (start // DAY + 1) * DAY)
            days[day].append((start % DAY, stop - (start // DAY) * DAY))
            start = stop
    for ranges in days:
        ranges.sort()
    if any(ranges != days[0] for ranges in days) or not days[0]:
        return None
    one = days[0]
    merged: list[tuple[int, int]] = []
    for start, end in one:
        _add(merged, start, end)
    if len(merged) > 1 and merged[0][0] == 0 and merged[-1][1] == DAY:
        last = merged.pop()
        merged[0] = (last[0], merged[0][1] + DAY)
    return tuple(merged)


def coverage_findings(config: Config) -> list[Finding]:
    """Every category without a department, then every department's uncovered hours."""
    findings = [Finding("no_department", c.id, "$.departments")
                for c in config.categories if config.department_for(c.id) is None]
    for dept, gaps in duty_gaps(config).items():
        daily = None if gaps == ((0, WEEK),) else daily_pattern(gaps)
        findings.append(Finding("no_one_on_duty", dept, f"$.departments[id={dept}]", gaps,
                                daily))
    return findings


# ---------------------------------------------------------------- the words for it

def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def week_range_text(start: int, end: int, lang: Lang = "zh") -> str:
    """``周二 02:00–06:00``, ``周日 22:00–周一 06:00`` (``Tue 02:00–06:00`` …)."""
    index = 0 if lang == "zh" else 1
    length = end - start
    start %= WEEK
    end = start + length
    s_day, s_min = divmod(start, DAY)
    e_day, e_min = divmod(end, DAY)
    if e_min == 0:  # ends at midnight: 24:00 of the day before
        e_day, e_min = e_day - 1, DAY
    first = f"{WEEKDAY_LABELS[s_day % 7][index]} {_hhmm(s_min)}"
    if e_day == s_day:
        return f"{first}–{_hhmm(e_min)}"
    return f"{first}–{WEEKDAY_LABELS[e_day % 7][index]} {_hhmm(e_min)}"


def daily_range_text(start: int, end: int, lang: Lang = "zh") -> str:
    """``20:00–次日 08:00`` (``20:00–08:00 next day``) or ``02:00–06:00``."""
    if end <= DAY:
        return f"{_hhmm(start)}–{_hhmm(end)}"
    if lang == "zh":
        return f"{_hhmm(start)}–次日 {_hhmm(end - DAY)}"
    return f"{_hhmm(start)}–{_hhmm(end - DAY)} next day"


def gaps_text(finding: Finding, lang: Lang = "zh") -> str:
    """The uncovered hours of a ``no_one_on_duty`` finding, in ``lang``."""
    if finding.always:
        return "全周" if lang == "zh" else "all week"
    sep = "、" if lang == "zh" else ", "
    if finding.daily is not None:
        ranges = [daily_range_text(s, e, lang) for s, e in finding.daily]
        return ("每天 " if lang == "zh" else "every day ") + sep.join(ranges)
    return sep.join(week_range_text(s, e, lang) for s, e in finding.gaps)
