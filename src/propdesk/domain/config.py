"""The community, its people and its rules as data (docs/configuration.md).

These frozen classes are what the TOML loader (:mod:`propdesk.config`)
produces; the domain only reads them.  ``Config.build`` checks that the
pieces agree with each other (a shift naming an unknown person, a
department with an unknown supervisor …) and raises
:class:`~propdesk.domain.errors.ConfigError` naming the key's path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from propdesk.domain.durations import whole_seconds
from propdesk.domain.enums import DEFAULT_CATEGORIES, Role
from propdesk.domain.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class Community:
    """The community (小区) and its desk-wide settings."""

    name: str = "小区"
    timezone: str = "Asia/Shanghai"
    meeting_time: str = "09:00"
    lang: str = "zh"
    households: int | None = None
    areas: tuple[str, ...] = ()


@attrs.frozen
class CategoryDef:
    """A category of R-13 with its labels; ``desk_resolvable`` lets the desk complete it."""

    id: str
    name: str
    name_en: str = ""
    desk_resolvable: bool = False


@attrs.frozen
class Department:
    """A department and the categories it is responsible for (R-50)."""

    id: str
    name: str
    categories: tuple[str, ...] = ()
    supervisor: str | None = None
    name_en: str = ""


@attrs.frozen
class Person:
    """A person of the roster.  ``areas`` are used by routing (R-51)."""

    id: str
    name: str
    role: Role
    department: str | None = None
    areas: tuple[str, ...] = ()
    mobile: str | None = None
    """Contact points for notifications (issue 17): a mainland mobile number,"""
    email: str | None = None
    """an e-mail address,"""
    chat_id: str | None = None
    """and a chat user id (WeCom / DingTalk userid)."""


@attrs.frozen
class Shift:
    """A duty shift (R-51): ``start``/``end`` as ``HH:MM`` local time; ``end``
    may be ``24:00`` and may be before ``start`` (crossing midnight; the shift
    belongs to the weekday it starts on)."""

    people: tuple[str, ...]
    start: str
    end: str
    days: tuple[str, ...] = WEEKDAYS


@attrs.frozen
class Fee:
    """An item of the published fee schedule (R-60); ``price`` is exact CNY."""

    code: str
    name: str
    unit: str
    price: Decimal


@attrs.frozen
class Asset:
    """A facility or piece of equipment counted by K-9."""

    id: str
    name: str
    kind: str = ""
    area: str = ""


@attrs.frozen
class Limits:
    """Maximum text lengths (R-16)."""

    content: int = 2000
    note: int = 2000
    other: int = 200


@attrs.frozen
class SlaSettings:
    """Overrides of the S-rules: rule id -> allowance in seconds, or ``None`` (off)."""

    allowances: Mapping[str, int | None] = attrs.field(factory=dict)
    warn_at: float = 0.8


# ----------------------------------------------------- notifications (issue 17)

AUDIENCES = ("assignee", "first_receiver", "area_responsible", "department_supervisor",
             "escalation_chain", "managers", "community_supervisor")
"""Who a notice may be addressed to, by the part they play for the ticket."""

DEFAULT_AUDIENCES: Mapping[str, tuple[str, ...]] = {
    "emergency": ("area_responsible", "department_supervisor", "managers"),  # S-4, R-52
    "sla.warning": ("assignee", "first_receiver"),  # S-21
    "sla.breach": ("assignee", "first_receiver", "department_supervisor"),  # S-21
    "escalation": ("escalation_chain",),  # level 1 supervisor, level 2 managers
    "inability": ("department_supervisor",),  # S-11
    "work_order": ("assignee",),
    "progress": ("first_receiver",),
}
"""The ``[notify]`` defaults: per message type, the audiences it goes to."""

_MOBILE = re.compile(r"^(\+86)?1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@attrs.frozen
class NotifySettings:
    """The ``[notify]`` table: audiences per message type and the retry policy."""

    audiences: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=lambda: dict(DEFAULT_AUDIENCES))
    max_attempts: int = 8
    retry_initial: int = 2
    """Seconds before the first retry; doubled each attempt (with jitter)."""
    retry_max: int = 600
    """The longest wait between two attempts, in seconds."""
    catch_up: int = 86_400
    """SLA alerts that fell due longer ago than this (seconds) when the watcher
    first sees them are recorded as fired but not sent (a first start on an
    old store does not page everyone about last year's breaches)."""


def check_contacts(people: Sequence[Person]) -> None:
    """Refuse a malformed ``mobile`` or ``email`` of ``[[people]]``."""
    for i, p in enumerate(people):
        if p.mobile is not None and not _MOBILE.match(p.mobile):
            raise ConfigError(f"$.people[{i}].mobile",
                              f"{p.mobile!r} is not a mobile number such as 13800138000")
        if p.email is not None and not _EMAIL.match(p.email):
            raise ConfigError(f"$.people[{i}].email", f"{p.email!r} is not an e-mail address")


def check_notifiers(tables: Sequence[Any]) -> tuple[Mapping[str, Any], ...]:
    """The ``[[notifiers]]`` tables: each with a unique ``name`` and a ``kind``
    (the kind's own keys are checked by the plugin that offers it)."""
    names: set[str] = set()
    out = []
    for i, t in enumerate(tables):
        if not isinstance(t, Mapping):
            raise ConfigError(f"$.notifiers[{i}]", "expected a table ([[notifiers]])")
        for key in ("name", "kind"):
            if not isinstance(t.get(key), str) or not t[key]:
                raise ConfigError(f"$.notifiers[{i}].{key}", "a non-empty string is required")
        if t["name"] in names:
            raise ConfigError(f"$.notifiers[{i}].name", f"duplicate name {t['name']!r}")
        names.add(t["name"])
        out.append(dict(t))
    return tuple(out)


def notify_settings(raw: Any) -> NotifySettings:
    """Build :class:`NotifySettings` from the ``[notify]`` table."""
    if not isinstance(raw, Mapping):
        raise ConfigError("$.notify", "expected a table")
    audiences = dict(DEFAULT_AUDIENCES)
    kw: dict[str, int] = {}
    for key, value in raw.items():
        path = f"$.notify.{key}"
        if key in DEFAULT_AUDIENCES:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(path, "expected a list of audiences such as "
                                  '["assignee", "managers"]')
            for j, v in enumerate(value):
                if v not in AUDIENCES:
                    raise ConfigError(f"{path}[{j}]", f"unknown audience {v!r}; known: "
                                      + ", ".join(AUDIENCES))
            audiences[key] = tuple(value)
        elif key == "max_attempts":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
                raise ConfigError(path, f"expected a number from 1 to 100, got {value!r}")
            kw[key] = value
        elif key in ("retry_initial", "retry_max", "catch_up"):
            seconds = parse_duration(value, path)
            if seconds is None or seconds < 1:
                raise ConfigError(path, "expected a duration of at least 1s")
            kw[key] = seconds
        else:
            raise ConfigError(path, "unknown key; expected a message type ("
                              + ", ".join(DEFAULT_AUDIENCES)
                              + "), max_attempts, retry_initial, retry_max or catch_up")
    return NotifySettings(audiences=audiences, **kw)


# ------------------------------------------------ end of notifications block


@attrs.frozen
class DeskSettings:
    """Settings of the desk itself (the ``[desk]`` table)."""

    future_tolerance: int | None = 120
    """How far (seconds) a command's time may be ahead of the real clock, or ``None``
    (no limit); the shell refuses a command dated later (``future_time``)."""


@attrs.frozen
class Config:
    """A whole desk configuration.  Build with :meth:`Config.build`."""

    community: Community
    zone: ZoneInfo
    meeting: time
    categories: tuple[CategoryDef, ...]
    departments: tuple[Department, ...]
    people: tuple[Person, ...]
    shifts: tuple[Shift, ...]
    fees: tuple[Fee, ...]
    assets: tuple[Asset, ...]
    sla: SlaSettings
    limits: Limits
    storage: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    base_dir: str = ""
    """The configuration file's folder: relative paths are relative to it."""
    desk: DeskSettings = attrs.field(factory=DeskSettings)
    notify: NotifySettings = attrs.field(factory=NotifySettings)
    notifiers: tuple[Mapping[str, Any], ...] = ()
    """The ``[[notifiers]]`` tables as written (issue 17)."""
    # indexes, derived in build()
    person_by_id: Mapping[str, Person] = attrs.field(factory=dict, eq=False, repr=False)
    category_by_id: Mapping[str, CategoryDef] = attrs.field(factory=dict, eq=False, repr=False)
    department_by_id: Mapping[str, Department] = attrs.field(factory=dict, eq=False, repr=False)
    fee_by_code: Mapping[str, Fee] = attrs.field(factory=dict, eq=False, repr=False)
    person_index: Mapping[str, int] = attrs.field(eq=False, repr=False, init=False)
    """Roster position of each person id (routing's last tie-break, duty order)."""
    memo: dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False, init=False)
    """Results of pure functions of this configuration, kept for speed (the duty
    roster by local weekday and minute, see :mod:`propdesk.domain.roster`)."""

    @person_index.default
    def _person_index(self) -> Mapping[str, int]:
        return {p.id: i for i, p in enumerate(self.people)}

    @classmethod
    def build(
        cls,
        *,
        community: Community | None = None,
        categories: Sequence[CategoryDef] | None = None,
        departments: Sequence[Department] = (),
        people: Sequence[Person] = (),
        shifts: Sequence[Shift] = (),
        fees: Sequence[Fee] = (),
        assets: Sequence[Asset] = (),
        sla: SlaSettings | None = None,
        limits: Limits | None = None,
        storage: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        base_dir: str = "",
        desk: DeskSettings | None = None,
        notify: NotifySettings | None = None,
        notifiers: Sequence[Mapping[str, Any]] = (),
    ) -> Config:
        """Check the pieces against each other and build the indexes."""
        community = community or Community()
        try:
            zone = ZoneInfo(community.timezone)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd keys
            raise ConfigError(
                "$.community.timezone", f"unknown time zone {community.timezone!r}"
            ) from exc
        meeting = parse_hhmm(community.meeting_time, "$.community.meeting_time")
        if categories is None:
            categories = tuple(CategoryDef(i, zh, en, res) for i, zh, en, res in DEFAULT_CATEGORIES)
        cats = _unique(categories, "categories", lambda c: c.id)
        depts = _unique(departments, "departments", lambda d: d.id)
        persons = _unique(people, "people", lambda p: p.id)
        fee_index = _unique(fees, "fees", lambda f: f.code)
        _unique(assets, "assets", lambda a: a.id)
        for i, d in enumerate(departments):
            where = item_path("departments", i, d)
            for j, c in enumerate(d.categories):
                if c not in cats:
                    raise ConfigError(f"{where}.categories[{j}]",
                                      f"unknown category {c!r}" + suggest(c, cats))
            if d.supervisor is not None and d.supervisor not in persons:
                raise ConfigError(f"{where}.supervisor",
                                  f"unknown person {d.supervisor!r}" + suggest(d.supervisor,
                                                                               persons))
        for i, p in enumerate(people):
            if p.department is not None and p.department not in depts:
                raise ConfigError(f"{item_path('people', i, p)}.department",
                                  f"unknown department {p.department!r}"
                                  + suggest(p.department, depts))
        check_contacts(people)
        for i, s in enumerate(shifts):
            for j, pid in enumerate(s.people):
                if pid not in persons:
                    raise ConfigError(f"$.shifts[{i}].people[{j}]",
                                      f"unknown person {pid!r}" + suggest(pid, persons))
            parse_hhmm(s.start, f"$.shifts[{i}].start")
            parse_hhmm(s.end, f"$.shifts[{i}].end", allow_24=True)
            for j, day in enumerate(s.days):
                if day not in WEEKDAYS:
                    raise ConfigError(
                        f"$.shifts[{i}].days[{j}]",
                        f"{day!r} is not one of {', '.join(WEEKDAYS)}" + suggest(day, WEEKDAYS)
                    )
        for i, f in enumerate(fees):
            if f.price < 0 or f.price.as_tuple().exponent < -2:  # type: ignore[operator]
                raise ConfigError(
                    f"{item_path('fees', i, f)}.price",
                    "price must be non-negative with at most two decimals"
                )
        sla = sla or SlaSettings()
        if not 0 < sla.warn_at < 1:
            raise ConfigError("$.sla.warn_at", "warn_at must be between 0 and 1")
        limits = limits or Limits()
        for name in ("content", "note", "other"):
            if getattr(limits, name) < 1:
                raise ConfigError(f"$.limits.{name}", "a limit must be at least 1")
        return cls(
            community=community,
            zone=zone,
            meeting=meeting,
            categories=tuple(categories),
            departments=tuple(departments),
            people=tuple(people),
            shifts=tuple(shifts),
            fees=tuple(fees),
            assets=tuple(assets),
            sla=sla,
            limits=limits,
            storage=dict(storage or {}),
            extra=dict(extra or {}),
            base_dir=base_dir,
            desk=desk or DeskSettings(),
            notify=notify or NotifySettings(),
            notifiers=check_notifiers(notifiers),
            person_by_id=persons,
            category_by_id=cats,
            department_by_id=depts,
            fee_by_code=fee_index,
        )

    def department_for(self, category: str) -> Department | None:
        """The department responsible for ``category`` (R-50), or ``None``."""
        for d in self.departments:
            if category in d.categories:
                return d
        return None

    def people_with_role(self, *roles: Role) -> list[Person]:
        """People having one of ``roles``, in roster order."""
        return [p for p in self.people if p.role in roles]


ITEM_KEYS: dict[str, str] = {"fees": "code"}
"""The key that names an item of a table (``id`` unless listed)."""


def item_path(table: str, index: int, item: Any) -> str:
    """The path of an item of an array of tables, named by its id where it has one:
    ``$.people[id=eng-liu]`` (``$.fees[code=E01]``), else ``$.shifts[2]``."""
    key = ITEM_KEYS.get(table, "id")
    value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
    if isinstance(value, str) and value and "]" not in value:
        return f"$.{table}[{key}={value}]"
    return f"$.{table}[{index}]"


def suggest(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``known`` (difflib), or ``""``."""
    import difflib

    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unique(items: Sequence[Any], table: str, key: Any) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for i, item in enumerate(items):
        k = key(item)
        if k in index:
            raise ConfigError(f"$.{table}[{i}]", f"duplicate id {k!r}")
        index[k] = item
    return index


_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_hhmm(text: str, path: str, *, allow_24: bool = False) -> time:
    """Parse ``HH:MM``; ``24:00`` only when ``allow_24`` (returned as ``time.max``)."""
    m = _HHMM.match(text)
    if not m:
        raise ConfigError(path, f"{text!r} is not a time of day HH:MM")
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24:
        if mi != 0 or not allow_24:
            raise ConfigError(path, f"{text!r} is not a time of day HH:MM")
        return time.max
    return time(h, mi)


def parse_duration(value: Any, path: str) -> int | None:
    """An allowance: whole seconds (int), a duration (``"90s"``, ``"2m"``, ``"1h30m"``:
    :mod:`propdesk.domain.durations`), or ``"off"`` (None)."""
    if isinstance(value, bool):
        raise ConfigError(path, f'expected a duration such as "90s" or "off", got {value!r}')
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(path, "a duration must not be negative")
        return value
    if isinstance(value, str):
        if value.strip().lower() == "off":
            return None
        if (whole := whole_seconds(value)) is not None:
            return whole
    raise ConfigError(
        path, f'expected a duration such as "90s", "2m", "1h30m" or "off", got {value!r}'
    )
