"""Commands made quickly: the simulator makes millions of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from propdesk.domain import _fast
from propdesk.domain import commands as c

_C = TypeVar("_C", bound=c.Command)
# per class: (every field's default in order, NOTHING where the call must give
# it; the fields the call must give; the class's dict installer)
_Blank = tuple[dict[str, Any], tuple[str, ...], Any]
_BLANKS: Final[dict[type, _Blank]] = {}
_NOTHING: Final[Any] = attrs.NOTHING
_new_object: Final = object.__new__


def command(cls: type[_C], ticket: str, by: str, at: datetime,
            fields: dict[str, Any] | None = None) -> _C:
    """``cls(ticket=ticket, by=by, at=at, **fields)``, made from the command's
    dict whole (``_fast.dict_installer``) rather than by attrs' keyword ``__init__``.
    ``fields`` must give every field without a plain default, and no others;
    the tests check both ways make equal commands."""
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
    blank[2](cmd, values)
    return cmd


def _blank(cls: type) -> _Blank:
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} is a slotted class")
    values: dict[str, Any] = {}
    required: list[str] = []
    for a in attrs.fields(cls):
        default = a.default
        if a.name not in ("ticket", "by", "at") and (
                default is _NOTHING or isinstance(default, attrs.Factory)):  # type: ignore[arg-type]
            default = _NOTHING
            required.append(a.name)
        values[a.name] = default
    return values, tuple(required), _fast.dict_installer(cls)
