"""Scenarios (R-90, docs/scenario-reference.md): a community and its desk, described in TOML.

See ``docs/scenario-reference.md`` for every key.  :func:`load_scenario`
checks the whole file and raises :class:`ScenarioError` naming the key
(``$.durations.repair.sigma``).  The roster either reuses a configuration's
people and shifts (``roster.config``) or is generated from counts per
department and shift; either way the scenario carries the ``propdesk.toml``
text it runs with, parsed by the production loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from propdesk.config import load_config, parse_config
from propdesk.domain.config import WEEKDAYS, Config
from propdesk.domain.enums import Mode, Role, Source
from propdesk.domain.errors import ConfigError
from propdesk.domain.roster import on_duty
from propdesk.sim import tomlw
from propdesk.sim.draws import Dist, exponential, fixed, parse_dist, seconds
from propdesk.sim.errors import ScenarioError

MINUTE = 60.0
HOUR = 3600.0

DEFAULT_DEPARTMENTS: dict[str, dict[str, Any]] = {
    "engineering": {"name": "工程部", "categories": ["engineering"]},
    "customer_service": {"name": "客服部", "categories": ["complaint", "help", "inquiry"]},
    "cleaning": {"name": "环境部", "categories": ["cleaning"]},
    "security": {"name": "秩序部", "categories": ["security", "fire"]},
}
"""The default responsibility table (R-50) of generated rosters."""

DEFAULT_DURATIONS: dict[str, Dist] = {
    "record": exponential(MINUTE),          # answer the call and record (desk)
    "answer": fixed(0),                     # desk resolution after recording (desk)
    "dispatch": exponential(2 * MINUTE),    # classify and dispatch (desk)
    "read_back": fixed(0),                  # dispatch -> confirm (复述确认)
    "travel": exponential(6 * MINUTE),
    "diagnose": exponential(3 * MINUTE),
    "plan": fixed(MINUTE),
    "agree": fixed(0),
    "repair": Dist("lognormal", (40 * MINUTE, 0.6)),
    "acceptance": exponential(2 * MINUTE),
    "return": exponential(6 * MINUTE),      # back to the desk with the form
    "callback": exponential(2 * MINUTE),    # desk
    "escalation": exponential(2 * MINUTE),  # unable -> report to the supervisor
    "no_show_wait": fixed(10 * MINUTE),
    "no_show_return": fixed(2 * HOUR),
}
DESK_STAGES = ("record", "answer", "dispatch", "callback")
"""Stages that occupy a desk operator."""

PROBABILITIES = ("rework", "dissatisfied", "basically_satisfied", "reclassify", "incomplete",
                 "escalate", "no_show")

KPI_TARGETS: dict[str, tuple[str, float]] = {
    "K-1": (">=", 1.0), "K-2": (">", 0.98), "K-3": (">", 0.99), "K-4": (">=", 0.98),
    "K-5": (">=", 1.0), "K-6": (">=", 1.0), "K-7": (">=", 1.0), "K-8": (">=", 1.0),
}
"""The indicators' targets (docs/statistics.md) used by experiments unless
``[experiment.targets]`` overrides them."""


@attrs.frozen
class Stream:
    """One kind of arrival: a category with its share, modes and sources."""

    name: str
    category: str
    share: float
    hourly: tuple[float, ...] | None
    modes: tuple[tuple[str, float], ...]
    sources: tuple[tuple[str, float], ...]
    desk: float
    durations: Mapping[str, Dist]


@attrs.frozen
class Scenario:
    """A validated scenario.  ``raw`` is the parsed TOML (for sweeps)."""

    name: str
    raw: Mapping[str, Any]
    config: Config
    config_toml: str
    start: dt.date
    days: int
    drain: bool
    communities: int
    received: str
    per_day: float
    scale: float
    hourly: tuple[float, ...]
    weekday: tuple[float, ...]
    streams: tuple[Stream, ...]
    appointment_lead: Dist
    durations: Mapping[str, Dist]
    probabilities: Mapping[str, float]
    households: int
    areas: tuple[str, ...]
    desk_people: tuple[str, ...]
    seeds: int
    share: float
    targets: Mapping[str, tuple[str, float]]
    base_dir: str = "."

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """The scenario with dotted keys replaced (``roster.staff.engineering = 4``)."""
        raw = copy.deepcopy(dict(self.raw))
        for key, value in overrides.items():
            set_key(raw, key, value)
        return build_scenario(raw, base_dir=self.base_dir)


def set_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in parsed TOML, creating tables on the way."""
    parts = key.split(".")
    node = raw
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ScenarioError("$." + ".".join(parts[:i + 1]), "not a table: cannot set "
                                f"{key}")
        node = nxt
    node[parts[-1]] = value


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("$", f"scenario file {p} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("$", f"TOML syntax error: {exc}") from None
    return build_scenario(raw, base_dir=str(p.resolve().parent))


def parse_scenario(text: str, *, base_dir: str = ".") -> Scenario:
    """Check scenario TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("$", f"TOML syntax error: {exc}") from None
    return build_scenario(raw, base_dir=base_dir)


# ------------------------------------------------------------------ readers


def _table(raw: Any, path: str, allowed: tuple[str, ...] | None) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(path, "expected a table")
    if allowed is not None:
        for key in raw:
            if key not in allowed:
                raise ScenarioError(f"{path}.{key}",
                                    f"unknown key (expected one of {', '.join(allowed)})")
    return raw


def _num(raw: Any, path: str, *, low: float = 0.0, high: float | None = None,
         integer: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (
            integer and not isinstance(raw, int)):
        raise ScenarioError(path, f"expected {'a whole number' if integer else 'a number'}, "
                                  f"got {raw!r}")
    if raw < low or (high is not None and raw > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
        raise ScenarioError(path, f"must be {bound}, got {raw!r}")
    return float(raw)


def _weights(raw: Any, path: str, n: int) -> tuple[float, ...]:
    if not isinstance(raw, list) or len(raw) != n:
        raise ScenarioError(path, f"expected a list of {n} non-negative numbers")
    out = tuple(_num(v, f"{path}[{i}]") for i, v in enumerate(raw))
    if sum(out) <= 0:
        raise ScenarioError(path, "the weights must not all be zero")
    return out


def _mix(raw: Any, path: str, allowed: tuple[str, ...], default: str
         ) -> tuple[tuple[str, float], ...]:
    if raw is None:
        return ((default, 1.0),)
    table = _table(raw, path, allowed)
    out = tuple((k, _num(v, f"{path}.{k}")) for k, v in table.items())
    if not out or sum(w for _, w in out) <= 0:
        raise ScenarioError(path, "the shares must not all be zero")
    total = sum(w for _, w in out)
    return tuple((k, w / total) for k, w in out if w > 0)


def _durations(raw: Any, path: str) -> dict[str, Dist]:
    table = _table(raw, path, tuple(DEFAULT_DURATIONS))
    return {k: parse_dist(v, f"{path}.{k}") for k, v in table.items()}


# ------------------------------------------------------------------ build

TOP = ("scenario", "community", "roster", "arrivals", "durations", "probabilities",
       "experiment", "sla")


def build_scenario(raw: Mapping[str, Any], *, base_dir: str = ".") -> Scenario:
    """Check parsed scenario TOML and build the :class:`Scenario`."""
    raw = dict(raw)
    _table(raw, "$", TOP)
    sc = _table(raw.get("scenario"), "$.scenario",
                ("name", "start", "days", "drain", "communities", "received"))
    name = sc.get("name", "scenario")
    if not isinstance(name, str) or not name:
        raise ScenarioError("$.scenario.name", "expected a non-empty text")
    start_raw = sc.get("start", "2026-03-02")
    if isinstance(start_raw, dt.date) and not isinstance(start_raw, dt.datetime):
        start = start_raw
    elif isinstance(start_raw, str):
        try:
            start = dt.date.fromisoformat(start_raw)
        except ValueError:
            raise ScenarioError("$.scenario.start", f"{start_raw!r} is not a date "
                                "YYYY-MM-DD") from None
    else:
        raise ScenarioError("$.scenario.start", f"expected a date YYYY-MM-DD, got {start_raw!r}")
    days = int(_num(sc.get("days", 7), "$.scenario.days", low=1, integer=True))
    drain = sc.get("drain", True)
    if not isinstance(drain, bool):
        raise ScenarioError("$.scenario.drain", f"expected true or false, got {drain!r}")
    communities = int(_num(sc.get("communities", 1), "$.scenario.communities", low=1,
                           integer=True))
    received = sc.get("received", "arrival")
    if received not in ("arrival", "answer"):
        raise ScenarioError("$.scenario.received", "expected \"arrival\" (the call rings) or "
                            f"\"answer\" (an operator picks up), got {received!r}")

    comm = _table(raw.get("community"), "$.community",
                  ("name", "timezone", "meeting_time", "lang", "households", "areas"))
    households = int(_num(comm.get("households", 1000), "$.community.households", low=1,
                          integer=True))
    areas_raw = comm.get("areas", ["A", "B", "C", "D"])
    if not isinstance(areas_raw, list) or not areas_raw or not all(
            isinstance(a, str) and a for a in areas_raw):
        raise ScenarioError("$.community.areas", "expected a non-empty list of area names")
    areas = tuple(areas_raw)

    config, config_toml = _roster(raw, comm, base_dir)

    arr = _table(raw.get("arrivals"), "$.arrivals",
                 ("per_day", "per_hour", "scale", "hourly", "weekday", "appointment_lead",
                  "streams"))
    if "per_day" in arr and "per_hour" in arr:
        raise ScenarioError("$.arrivals.per_hour", "give per_day or per_hour, not both")
    if "per_hour" in arr:
        per_day = 24 * _num(arr["per_hour"], "$.arrivals.per_hour")
    else:
        per_day = _num(arr.get("per_day", 40), "$.arrivals.per_day")
    scale = _num(arr.get("scale", 1.0), "$.arrivals.scale")
    hourly = _weights(arr["hourly"], "$.arrivals.hourly", 24) if "hourly" in arr else (1.0,) * 24
    weekday = (_weights(arr["weekday"], "$.arrivals.weekday", 7) if "weekday" in arr
               else (1.0,) * 7)
    lead = parse_dist(arr.get("appointment_lead", {"dist": "uniform", "low": "1h",
                                                   "high": "24h"}),
                      "$.arrivals.appointment_lead")
    streams_raw = _table(arr.get("streams"), "$.arrivals.streams", None)
    if not streams_raw:
        raise ScenarioError("$.arrivals.streams", "at least one stream of arrivals is needed")
    streams = []
    for sname, sraw in streams_raw.items():
        path = f"$.arrivals.streams.{sname}"
        s = _table(sraw, path, ("category", "share", "hourly", "modes", "sources", "desk",
                                "durations"))
        category = s.get("category", sname)
        if category not in config.category_by_id:
            raise ScenarioError(f"{path}.category", f"unknown category {category!r} (known: "
                                f"{', '.join(config.category_by_id)})")
        share = _num(s.get("share", 1.0), f"{path}.share")
        desk = _num(s.get("desk", 0.0), f"{path}.desk", high=1.0)
        if desk > 0 and not config.category_by_id[category].desk_resolvable:
            raise ScenarioError(f"{path}.desk", f"the desk may not resolve {category!r} "
                                "itself (not a desk-resolvable category)")
        streams.append(Stream(
            name=sname, category=category, share=share,
            hourly=_weights(s["hourly"], f"{path}.hourly", 24) if "hourly" in s else None,
            modes=_mix(s.get("modes"), f"{path}.modes", tuple(m.value for m in Mode),
                       "immediate"),
            sources=_mix(s.get("sources"), f"{path}.sources", tuple(x.value for x in Source),
                         "owner_call"),
            desk=desk, durations=_durations(s.get("durations"), f"{path}.durations")))
    if sum(s.share for s in streams) <= 0:
        raise ScenarioError("$.arrivals.streams", "the shares must not all be zero")

    durations = dict(DEFAULT_DURATIONS)
    durations.update(_durations(raw.get("durations"), "$.durations"))
    probs_raw = _table(raw.get("probabilities"), "$.probabilities", PROBABILITIES)
    probabilities = {k: _num(probs_raw.get(k, 0.0), f"$.probabilities.{k}", high=1.0)
                     for k in PROBABILITIES}
    if probabilities["dissatisfied"] + probabilities["basically_satisfied"] > 1:
        raise ScenarioError("$.probabilities.basically_satisfied",
                            "dissatisfied + basically_satisfied must not exceed 1")

    exp = _table(raw.get("experiment"), "$.experiment", ("seeds", "share", "targets"))
    seeds = int(_num(exp.get("seeds", 20), "$.experiment.seeds", low=1, integer=True))
    share_ok = _num(exp.get("share", 0.95), "$.experiment.share", high=1.0)
    targets = dict(KPI_TARGETS)
    for key, value in _table(exp.get("targets"), "$.experiment.targets",
                             tuple(KPI_TARGETS)).items():
        targets[key] = (">=", _num(value, f"$.experiment.targets.{key}", high=1.0))

    desk_people = tuple(p.id for p in config.people if p.role is Role.DESK and any(
        p.id in s.people for s in config.shifts))
    sc_obj = Scenario(
        name=name, raw=raw, config=config, config_toml=config_toml, start=start, days=days,
        drain=drain, communities=communities, received=received, per_day=per_day, scale=scale,
        hourly=hourly, weekday=weekday, streams=tuple(streams), appointment_lead=lead,
        durations=durations, probabilities=probabilities, households=households, areas=areas,
        desk_people=desk_people, seeds=seeds, share=share_ok, targets=targets,
        base_dir=base_dir)
    _check_coverage(sc_obj)
    return sc_obj


def _roster(raw: Mapping[str, Any], comm: Mapping[str, Any], base_dir: str
            ) -> tuple[Config, str]:
    ro = _table(raw.get("roster"), "$.roster",
                ("config", "shifts", "desk", "staff", "departments"))
    sla = _table(raw.get("sla"), "$.sla", None)
    community = {k: v for k, v in comm.items() if k in ("name", "timezone", "meeting_time",
                                                         "lang", "households", "areas")}
    community.setdefault("name", "模拟小区")
    community.setdefault("areas", ["A", "B", "C", "D"])
    if "config" in ro:
        for key in ("shifts", "desk", "staff", "departments"):
            if key in ro:
                raise ScenarioError(f"$.roster.{key}", "not allowed with roster.config (the "
                                    "configuration's people and shifts are used)")
        path = ro["config"]
        if not isinstance(path, str):
            raise ScenarioError("$.roster.config", "expected the path of a propdesk.toml")
        full = Path(base_dir) / path
        try:
            text = full.read_text(encoding="utf-8")
            load_config(full)
        except OSError:
            raise ScenarioError("$.roster.config", f"cannot read {full}") from None
        except ConfigError as exc:
            raise ScenarioError("$.roster.config", f"{full}: {exc}") from None
        data = tomllib.loads(text)
        data.setdefault("community", {}).update(community)
        if sla:
            data.setdefault("sla", {}).update(sla)
        data["storage"] = {"backend": "sqlite", "path": "propdesk.db"}
    else:
        data = _generate(ro, community, sla)
    text = tomlw.dumps(data, header="# propdesk.toml generated by propdesk simulate\n")
    try:
        config = parse_config(text, base_dir=base_dir)
    except ConfigError as exc:
        where = "$.roster" if str(exc.args[0]).startswith(("$.people", "$.shifts",
                                                           "$.departments")) else "$"
        raise ScenarioError(where, f"the generated configuration is invalid: {exc}") from None
    return config, text


def _counts(raw: Any, path: str, shift_names: list[str]) -> dict[str, int]:
    if isinstance(raw, dict):
        _table(raw, path, tuple(shift_names))
        return {s: int(_num(raw.get(s, 0), f"{path}.{s}", integer=True)) for s in shift_names}
    n = int(_num(raw, path, integer=True))
    return dict.fromkeys(shift_names, n)


def _generate(ro: Mapping[str, Any], community: Mapping[str, Any],
              sla: Mapping[str, Any]) -> dict[str, Any]:
    shifts_raw = _table(ro.get("shifts", {"all": ["00:00", "24:00"]}), "$.roster.shifts", None)
    shift_names = list(shifts_raw)
    for sname, span in shifts_raw.items():
        if (not isinstance(span, list) or len(span) != 2
                or not all(isinstance(x, str) for x in span)):
            raise ScenarioError(f"$.roster.shifts.{sname}", 'expected ["HH:MM", "HH:MM"]')
    depts_raw = _table(ro.get("departments"), "$.roster.departments", None)
    departments: dict[str, dict[str, Any]] = {k: dict(v) for k, v in
                                               DEFAULT_DEPARTMENTS.items()}
    for did, d in depts_raw.items():
        dd = _table(d, f"$.roster.departments.{did}", ("name", "categories"))
        departments[did] = {"name": dd.get("name", did),
                            "categories": dd.get("categories", [])}
    staff = _table(ro.get("staff"), "$.roster.staff", tuple(departments))
    desk = _counts(ro.get("desk", 2), "$.roster.desk", shift_names)
    people: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = [
        {"people": [], "start": span[0], "end": span[1]} for span in shifts_raw.values()]
    multi = len(shift_names) > 1

    def label(sname: str) -> str:
        return f"{sname}班" if multi else ""

    def pid(prefix: str, sname: str, i: int) -> str:
        return f"{prefix}-{sname}-{i}" if multi else f"{prefix}-{i}"

    for si, sname in enumerate(shift_names):
        for i in range(1, desk[sname] + 1):
            people.append({"id": pid("desk", sname, i), "name": f"前台{label(sname)}{i}",
                           "role": "desk"})
            shifts[si]["people"].append(people[-1]["id"])
    dept_rows = []
    for did, d in departments.items():
        chief = f"{did}-chief"
        people.append({"id": chief, "name": f"{d['name']}主管", "role": "supervisor",
                       "department": did})
        dept_rows.append({"id": did, "name": d["name"], "categories": d["categories"],
                          "supervisor": chief})
        counts = _counts(staff.get(did, 0), f"$.roster.staff.{did}", shift_names)
        for si, sname in enumerate(shift_names):
            for i in range(1, counts[sname] + 1):
                people.append({"id": pid(did, sname, i), "name": f"{d['name']}{label(sname)}{i}",
                               "role": "responsible", "department": did})
                shifts[si]["people"].append(people[-1]["id"])
    people.append({"id": "cs-1", "name": "小区主管", "role": "community_supervisor"})
    people.append({"id": "mgr-1", "name": "经理", "role": "manager"})
    data: dict[str, Any] = {
        "community": dict(community),
        "storage": {"backend": "sqlite", "path": "propdesk.db"},
    }
    if sla:
        data["sla"] = dict(sla)
    data["departments"] = dept_rows
    data["people"] = people
    data["shifts"] = [s for s in shifts if s["people"]]
    return data


def _check_coverage(sc: Scenario) -> None:
    """Every quarter hour of a week, someone must be at the desk, and each
    department that gets work must have someone on duty (R-53 would refuse)."""
    cfg = sc.config
    start = dt.datetime.combine(sc.start, dt.time(0), tzinfo=cfg.zone)
    need: dict[str, str] = {}
    for s in sc.streams:
        if s.desk < 1:
            dept = cfg.department_for(s.category)
            if dept is None:
                raise ScenarioError(f"$.arrivals.streams.{s.name}.category",
                                    f"no department is responsible for {s.category!r} (R-50)")
            emergency_only = all(m == "emergency" for m, _ in s.modes)
            if not emergency_only:
                need.setdefault(dept.id, s.name)
    role = {p.id: p for p in cfg.people}
    for q in range(7 * 24 * 4):
        at = start + dt.timedelta(minutes=15 * q)
        duty = on_duty(cfg, at)
        local = at.astimezone(cfg.zone)
        when = f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"
        if not any(role[p].role is Role.DESK for p in duty):
            raise ScenarioError("$.roster.desk", f"no desk operator on duty on {when}: the "
                                "desk is staffed around the clock")
        for did, sname in need.items():
            if not any(role[p].department == did for p in duty):
                key = "$.roster.staff." + did if "config" not in sc.raw.get("roster", {}) \
                    else "$.roster.config"
                raise ScenarioError(key, f"no one of department {did!r} on duty on {when}, "
                                    f"but stream {sname!r} sends work there (R-53)")


def seconds_of(value: Any, path: str) -> float:
    """Re-exported duration parser (for the CLI's ``--days`` and friends)."""
    return seconds(value, path)
