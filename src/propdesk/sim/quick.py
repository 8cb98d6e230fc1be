"""Commands made quickly: most of the simulator's commands carry only
``ticket``, ``by`` and ``at``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from propdesk.domain import commands as c

_C = TypeVar("_C", bound=c.Command)
# (Final: kept in C variables by the compiled build, docs/speed.md)
_BLANKS: Final[dict[type, dict[str, Any]]] = {}
_new_object: Final = object.__new__
_set_dict: Final = object.__setattr__


def command(cls: type[_C], ticket: str, by: str, at: datetime) -> _C:
    """``cls(ticket=ticket, by=by, at=at)`` for a command whose other fields keep
    their defaults, made by installing its dict whole: attrs' keyword handling
    runs as Python code even in the compiled build (docs/speed.md), and the
    simulator makes most of its commands this way.  The command classes have
    no validators or converters; the tests check both ways make equal commands."""
    blank = _BLANKS.get(cls)
    if blank is None:
        if "__slots__" in cls.__dict__:
            raise TypeError(f"{cls.__name__} is a slotted class")
        blank = {}
        for a in attrs.fields(cls):
            if a.name not in ("ticket", "by", "at") and (
                    a.default is attrs.NOTHING or isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
                    or a.validator is not None or a.converter is not None):
                raise TypeError(f"{cls.__name__}.{a.name} needs attrs' __init__")
            blank[a.name] = a.default
        _BLANKS[cls] = blank
    fields = blank.copy()
    fields["ticket"] = ticket
    fields["by"] = by
    fields["at"] = at
    cmd: _C = _new_object(cls)
    _set_dict(cmd, "__dict__", fields)
    return cmd
