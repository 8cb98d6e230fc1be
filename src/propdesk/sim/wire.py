"""Commands as batch lines (docs/batch-format.md): what ``propdesk apply`` reads.

Keys are the command's fields, sorted (canonical JSON); fields left at their
default are omitted, times are written in the community's zone with their
offset.  Parsing a line with :func:`propdesk.batch.parse_line` gives back an
equal command.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from propdesk.domain import commands as c
from propdesk.serialization import canonical_json

_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}
_ALWAYS = frozenset({"ticket", "by", "at"})


def _fields(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        out = []
        for f in attrs.fields(cls):
            default = f.default
            factory = getattr(default, "factory", None)
            if factory is not None:
                default = factory()
            out.append((f.name, default))
        found = _FIELDS[cls] = tuple(out)
    return found


_SCALARS = (str, int, bool, float)


def _plain(value: Any, zone: ZoneInfo) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v, zone) for v in value]
    if attrs.has(type(value)):
        return {k: _plain(v, zone) for k, v in attrs.asdict(value, recurse=False).items()
                if v is not None}
    return value


def command_dict(cmd: c.Command, zone: ZoneInfo) -> dict[str, Any]:
    """The batch-line object of ``cmd``."""
    out: dict[str, Any] = {"cmd": cmd.name.value}
    for name, default in _fields(type(cmd)):
        value = getattr(cmd, name)
        if value is None or (name not in _ALWAYS and value == default
                             and type(value) is type(default)):
            continue
        out[name] = _plain(value, zone)
    return out


def command_line(cmd: c.Command, zone: ZoneInfo) -> str:
    """The batch line of ``cmd`` (no newline)."""
    return canonical_json(command_dict(cmd, zone))
