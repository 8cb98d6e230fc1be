"""Loading ``propdesk.toml`` (docs/configuration.md) into a checked :class:`Config`.

Keys are ASCII; labels may be Chinese.  Unknown keys and wrong types are
refused with the key's path (``$.people[3].role``); a TOML syntax error
names its line and column.  Plugins may declare their own top-level tables.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from propdesk.converter import StructureError, structure
from propdesk.domain.config import (
    Asset,
    CategoryDef,
    Community,
    Config,
    Department,
    DeskSettings,
    Fee,
    Limits,
    Person,
    Shift,
    SlaSettings,
    item_path,
    notify_settings,
    parse_duration,
)
from propdesk.domain.errors import ConfigError

TABLES: dict[str, Any] = {
    "departments": Department,
    "people": Person,
    "shifts": Shift,
    "fees": Fee,
    "assets": Asset,
    "categories": CategoryDef,
}
KNOWN = {"community", "storage", "sla", "limits", "desk", "notify", "notifiers", *TABLES}
_RULE_ID = re.compile(r"^S-\d+$")


def load_config(path: str | Path, *, extra_tables: Collection[str] = ()) -> Config:
    """Read and check a configuration file.  Raises :class:`ConfigError`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("$", f"configuration file {p} does not exist") from None
    except UnicodeDecodeError:
        raise ConfigError("$", f"configuration file {p} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError("$", f"cannot read {p}: {exc.strerror}") from None
    return parse_config(text, base_dir=p.resolve().parent, extra_tables=extra_tables)


def parse_config(
    text: str, *, base_dir: str | Path = ".", extra_tables: Collection[str] = ()
) -> Config:
    """Check TOML text and build the :class:`Config`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("$", f"TOML syntax error: {exc}") from None
    return config_from_dict(raw, base_dir=base_dir, extra_tables=extra_tables)


def config_from_dict(
    raw: Mapping[str, Any], *, base_dir: str | Path = ".", extra_tables: Collection[str] = ()
) -> Config:
    """Build a :class:`Config` from already-parsed TOML data."""
    for key in raw:
        if key not in KNOWN and key not in extra_tables:
            raise ConfigError(f"$.{key}", "unknown key" + _hint(key, KNOWN))
    community = _one(raw.get("community", {}), Community, "$.community")
    limits = _one(raw.get("limits", {}), Limits, "$.limits")
    lists: dict[str, list[Any]] = {}
    for name, cls in TABLES.items():
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise ConfigError(f"$.{name}", f"expected an array of tables ([[{name}]])")
        lists[name] = [_one(item, cls, item_path(name, i, item))
                       for i, item in enumerate(value)]
    storage = raw.get("storage", {"backend": "sqlite", "path": "propdesk.db"})
    if not isinstance(storage, dict):
        raise ConfigError("$.storage", "expected a table")
    storage = {"backend": "sqlite", **storage}
    if not isinstance(storage["backend"], str):
        raise ConfigError("$.storage.backend", "expected the name of a storage plugin")
    return Config.build(
        community=community,
        categories=lists.get("categories"),
        departments=lists.get("departments", ()),
        people=lists.get("people", ()),
        shifts=lists.get("shifts", ()),
        fees=lists.get("fees", ()),
        assets=lists.get("assets", ()),
        sla=_sla(raw.get("sla", {})),
        limits=limits,
        storage=storage,
        extra={k: v for k, v in raw.items() if k in extra_tables},
        base_dir=str(base_dir),
        desk=_desk(raw.get("desk", {})),
        notify=notify_settings(raw.get("notify", {})),
        notifiers=_notifiers(raw.get("notifiers", [])),
    )


def _notifiers(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError("$.notifiers", "expected an array of tables ([[notifiers]])")
    return value


def _one(value: Any, cls: type[Any], path: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(path, "expected a table")
    try:
        return structure(value, cls, root=path)
    except StructureError as exc:
        where, reason = exc.problems[0]
        raise ConfigError(where, reason) from None


def _sla(value: Any) -> SlaSettings:
    if not isinstance(value, dict):
        raise ConfigError("$.sla", "expected a table")
    allowances: dict[str, int | None] = {}
    warn_at = 0.8
    for key, item in value.items():
        if key == "warn_at":
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise ConfigError("$.sla.warn_at", f"expected a number, got {item!r}")
            warn_at = float(item)
        elif _RULE_ID.match(key):
            allowances[key] = parse_duration(item, f"$.sla.{key}")
        else:
            raise ConfigError(f"$.sla.{key}", "unknown key: expected a rule id such as "
                              "S-5, or warn_at")
    return SlaSettings(allowances=allowances, warn_at=warn_at)


def _desk(value: Any) -> DeskSettings:
    if not isinstance(value, dict):
        raise ConfigError("$.desk", "expected a table")
    settings = DeskSettings()
    for key, item in value.items():
        if key == "future_tolerance":
            settings = DeskSettings(future_tolerance=parse_duration(item, f"$.desk.{key}"))
        else:
            raise ConfigError(f"$.desk.{key}", "unknown key" + _hint(key, ("future_tolerance",)))
    return settings


def _hint(key: str, known: Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(sorted(known))}"
