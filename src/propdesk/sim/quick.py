"""Commands made quickly: the simulator makes millions of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from propdesk.domain import commands as c
from propdesk.domain.makers import COMPILED, dict_setter

_C = TypeVar("_C", bound=c.Command)
# per class: (every field's default in order, NOTHING where the call must give
# it; the fields the call must give; the class's dict setter)
_Blank = tuple[dict[str, Any], tuple[str, ...], Any]
# (Final: kept in C variables by the compiled build, docs/speed.md)
_BLANKS: Final[dict[type, _Blank]] = {}
_new_object: Final = object.__new__
_NOTHING: Final[Any] = attrs.NOTHING
_COMPILED: Final = COMPILED


def command(cls: type[_C], ticket: str, by: str, at: datetime,
            fields: dict[str, Any] | None = None) -> _C:
    """``cls(ticket=ticket, by=by, at=at, **fields)``, made by installing the
    command's dict whole: attrs' keyword handling runs as Python code even in
    the compiled build (docs/speed.md), and a call with keywords costs several
    times a plain one.  ``fields`` must give every field without a plain
    default, and no others; the command classes have no validators or
    converters (a class with them is refused), and the tests check both ways
    make equal commands."""
    blank = _BLANKS.get(cls)
    if blank is None:
        blank = _BLANKS[cls] = _blank(cls)
    values = blank[0].copy()
    values["ticket"] = ticket
    values["by"] = by
    values["at"] = at
    if fields is not None:
        values.update(fields)
        if len(values) != len(blank[0]):
            unknown = ", ".join(k for k in fields if k not in blank[0])
            raise TypeError(f"{cls.__name__} has no field {unknown}")
    for name in blank[1]:
        if values[name] is _NOTHING:
            raise TypeError(f"{cls.__name__}.{name} must be given")
    cmd: _C = _new_object(cls)
    # past the frozen __setattr__, the way that is fastest in each build (makers)
    if _COMPILED:
        object.__setattr__(cmd, "__dict__", values)
    else:
        blank[2](cmd, values)
    return cmd


def _blank(cls: type) -> _Blank:
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} is a slotted class")
    values: dict[str, Any] = {}
    required: list[str] = []
    for a in attrs.fields(cls):
        if a.validator is not None or a.converter is not None:
            raise TypeError(f"{cls.__name__}.{a.name} needs attrs' __init__")
        default = a.default
        if a.name not in ("ticket", "by", "at") and (
                default is _NOTHING or isinstance(default, attrs.Factory)):  # type: ignore[arg-type]
            default = _NOTHING
            required.append(a.name)
        values[a.name] = default
    return values, tuple(required), dict_setter(cls)
