"""The one cattrs converter at the edge (commands from batch lines and the CLI,
configuration from TOML).

It is strict where JSON and TOML are loose: a string is never made from a
number, ``"false"`` is not a boolean, money is never a float, and a time
must carry its offset.  Errors name the key's path (``$.fees[0].qty``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from propdesk.domain.commands import (
    MULTILINE_FIELDS,
    UNSAFE_LINE,
    UNSAFE_LONG,
    Amend,
    Command,
    FeeItem,
    MaterialItem,
    Money,
    check_forms,
)
from propdesk.domain.enums import (
    CallbackChannel,
    CommandName,
    Mode,
    Role,
    Satisfaction,
    Source,
    State,
)
from propdesk.domain.errors import DomainError

T = TypeVar("T")


def _str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 time such as 2026-03-02T09:00:40+08:00"
            ) from None
    else:
        raise TypeError(f"expected an ISO 8601 time, got {value!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"time {value!s} has no time zone offset (add e.g. +08:00)")
    return dt


def _money(value: Any, _: Any) -> Money:
    if isinstance(value, (bool, float)):
        raise TypeError(f"expected a decimal string such as \"30.00\", got {value!r}")
    if isinstance(value, str | int | Decimal):
        return value
    raise TypeError(f"expected a decimal string such as \"30.00\", got {value!r}")


def _decimal(value: Any, _: Any) -> Decimal:
    if isinstance(value, (bool, float)) or not isinstance(
        value, str | int | Decimal
    ):
        raise TypeError(f"expected a decimal string such as \"30.00\", got {value!r}")
    try:
        d = Decimal(value)
    except Exception:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return d


def _enum_hook(value: Any, cls: type[Enum]) -> Enum:
    try:
        return cls(value)
    except ValueError:
        values = [str(m.value) for m in cls]
        hint = ""
        if isinstance(value, str):
            import difflib

            close = difflib.get_close_matches(value, values, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{value!r} is not one of: {', '.join(values)}{hint}") from None


def _is_sequence(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) in (tuple, list) and (get_origin(t) is list or (
        len(args) == 2 and args[1] is Ellipsis))


def _sequence_factory(conv: cattrs.Converter) -> Any:
    """Homogeneous tuples/lists that refuse a bare string (``areas = "A"`` is not ``["A"]``)
    and keep the index of a bad item in the error path."""

    def factory(t: Any) -> Any:
        item = get_args(t)[0]
        kind = get_origin(t)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise TypeError(f"expected a list, got {value!r}")
            out, errors = [], []
            for i, v in enumerate(value):
                try:
                    out.append(conv.structure(v, item))
                except Exception as exc:
                    exc.__notes__ = [*getattr(exc, "__notes__", []),
                                     IterableValidationNote(f"index {i}", i, item)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {t!r}", errors, t)
            return tuple(out) if kind is tuple else out

        return hook

    return factory


def make_converter() -> cattrs.Converter:
    """A fresh strict converter (``forbid_extra_keys``; detailed validation)."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    # str-based enums must be checked against their members: register each
    # (singledispatch picks the most specific class, so these beat ``str``)
    for enum_cls in (Role, Source, Mode, State, Satisfaction, CallbackChannel, CommandName):
        conv.register_structure_hook(enum_cls, _enum_hook)
    conv.register_structure_hook(datetime, _datetime)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_structure_hook(Money, _money)
    conv.register_structure_hook(Money | None, lambda v, _: None if v is None else _money(v, _))
    conv.register_structure_hook_factory(_is_sequence, _sequence_factory(conv))
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_unstructure_hook(Decimal, str)
    return conv


CONVERTER = make_converter()


def error_paths(exc: BaseException, root: str = "$") -> list[tuple[str, str]]:
    """``(path, reason)`` pairs of a cattrs validation error, e.g. ``("$.fees[0].qty", …)``."""
    out: list[tuple[str, str]] = []

    def walk(e: BaseException, path: str) -> None:
        if isinstance(e, ForbiddenExtraKeysError):
            known = [f.name for f in attrs.fields(e.cl)] if attrs.has(e.cl) else []
            for key in sorted(e.extra_fields):
                out.append((f"{path}.{key}", "unknown key" + _nearest(key, known)))
        elif isinstance(e, ClassValidationError | IterableValidationError):
            with_notes, without = e.group_exceptions()
            for sub, note in with_notes:
                name = getattr(note, "name", None)
                index = getattr(note, "index", None)
                if name is not None:
                    walk(sub, f"{path}.{name}")
                elif index is not None:
                    walk(sub, f"{path}[{index}]")
                else:
                    walk(sub, path)
            for sub in without:
                walk(sub, path)
        elif isinstance(e, KeyError):
            out.append((path, "required key is missing"))
        elif isinstance(e, ExceptionGroup):
            for sub in e.exceptions:
                walk(sub, path)
        else:
            out.append((path, str(e)))

    walk(exc, root)
    return out or [(root, str(exc))]


def _nearest(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f"; known: {', '.join(known)}" if known else ""


def structure(raw: Any, cls: type[T], root: str = "$") -> T:
    """Structure ``raw`` into ``cls``; raises :class:`StructureError` naming each bad path."""
    try:
        return CONVERTER.structure(raw, cls)
    except Exception as exc:  # cattrs raises several kinds; all become one error
        raise StructureError(error_paths(exc, root)) from None


class StructureError(ValueError):
    """Input that does not fit its model; ``problems`` lists ``(path, reason)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {r}" for p, r in problems))


# ------------------------------------------------------ commands built in Python

_EXPECTED: dict[Any, str] = {
    str: "text",
    bool: "true or false",
    int: "a whole number",
    datetime: "a time with its offset",
    Decimal: "a decimal amount",
}


def _describe(t: Any) -> str:
    """What a value of type ``t`` looks like, for a refusal (keys of ``EXPECTED_ZH``)."""
    if isinstance(t, type) and t in _EXPECTED:
        return _EXPECTED[t]
    args = get_args(t)
    if get_origin(t) is tuple:
        inner = args[0]
        return "a list of fee items" if inner is FeeItem else (
            "a list of materials" if inner is MaterialItem else "a list of texts")
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_describe(a) for a in rest) + " or nothing"
    if isinstance(t, type):
        return "a fee item" if t is FeeItem else ("a material" if t is MaterialItem
                                                  else t.__name__)
    return "a value of another kind"


Check = Callable[[Any], bool]


def _predicate(t: Any) -> Check:
    """A fast test of "``value`` has the declared type ``t``" (no conversion; bool is not
    int; a list stands for a tuple).  Money is left to the domain's parsers, which take
    any value and refuse with ``invalid_money`` or ``invalid_quantity``."""
    if t == Money or t == Money | None or t is Any:
        return lambda v: True
    if t is bool:
        return lambda v: v is True or v is False
    if t is int:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if get_origin(t) is tuple:
        return lambda v: isinstance(v, tuple | list)
    args = get_args(t)
    if args and type(None) in args and len(args) == 2:
        inner = _predicate(next(a for a in args if a is not type(None)))
        return lambda v: v is None or inner(v)
    if args:
        tests = [_predicate(a) for a in args]
        return lambda v: any(test(v) for test in tests)
    if isinstance(t, type):
        return lambda v: isinstance(v, t)
    raise TypeError(f"no check for the field type {t!r}")


@attrs.frozen
class _Field:
    name: str
    test: Check
    expected: str
    item: tuple[Check, str, type[Any] | None] | None
    """For a tuple field: the item's test, its description, its attrs class (or None)."""
    unsafe: re.Pattern[str]
    """What a text of this field may not contain (newlines are fine in long texts)."""
    optional: bool
    """``None`` is a value of the field."""
    text: bool
    """Text is a value of the field (checked for control characters)."""


_PLANS: dict[type[Any], tuple[_Field, ...]] = {}


def _plan(cls: type[Any]) -> tuple[_Field, ...]:
    found = _PLANS.get(cls)
    if found is None:
        import typing

        hints = typing.get_type_hints(cls)
        fields = []
        for f in attrs.fields(cls):
            t = hints[f.name]
            seq = next((a for a in (t, *get_args(t)) if get_origin(a) is tuple), None)
            item = None
            if seq is not None:
                it = get_args(seq)[0]
                item = (_predicate(it), _describe(it), it if attrs.has(it) else None)
            long = f.name in MULTILINE_FIELDS
            money = t == Money or t == Money | None
            fields.append(_Field(f.name, _predicate(t), _describe(t), item,
                                 UNSAFE_LONG if long else UNSAFE_LINE,
                                 optional=_predicate(t)(None),
                                 text=not money and _predicate(t)("")))
        found = _PLANS[cls] = tuple(fields)
    return found


def _checked(obj: Any, prefix: str, ticket: str | None) -> Any:
    """``obj`` (an attrs command or item) with its field types checked; lists of items
    become tuples.  Raises ``DomainError("invalid_type")`` naming the field's path."""
    changes: dict[str, Any] = {}
    for f in _plan(type(obj)):
        value = getattr(obj, f.name)
        if value is None and f.optional:
            continue
        if type(value) is str and f.text:
            m = f.unsafe.search(value)
            if m is not None and f.name == "value" and isinstance(obj, Amend) \
                    and obj.field == "content":  # an amended content is a long text
                m = UNSAFE_LONG.search(value)
            if m is not None:
                _unsafe(prefix + f.name, value, m.start(), ticket)
            continue
        if not f.test(value):
            raise DomainError("invalid_type", field=prefix + f.name, expected=f.expected,
                              value=value, ticket=ticket)
        if isinstance(value, str) and f.text:  # a subclass of str (an enum member)
            m = f.unsafe.search(value)
            if m is not None:
                _unsafe(prefix + f.name, value, m.start(), ticket)
        if f.item is None or value is None:
            continue
        test, expected, cls = f.item
        items = []
        for i, v in enumerate(value):
            if not test(v):
                raise DomainError("invalid_type", field=f"{prefix}{f.name}[{i}]",
                                  expected=expected, value=v, ticket=ticket)
            if cls is not None:
                items.append(_checked(v, f"{prefix}{f.name}[{i}].", ticket))
                continue
            if isinstance(v, str):
                m = UNSAFE_LINE.search(v)
                if m is not None:
                    _unsafe(f"{prefix}{f.name}[{i}]", v, m.start(), ticket)
            items.append(v)
        if isinstance(value, list) or any(a is not b for a, b in zip(items, value,
                                                                     strict=True)):
            changes[f.name] = tuple(items)
    return attrs.evolve(obj, **changes) if changes else obj


def _unsafe(field: str, value: str, i: int, ticket: str | None) -> None:
    raise DomainError("control_character", field=field, position=i + 1,
                      char=f"U+{ord(value[i]):04X}", ticket=ticket)


def check_command(cmd: Command) -> Command:
    """The shell's one pass over a command built in Python (the library's API), before
    the domain sees it: every field has its declared type, or the command is refused
    with ``invalid_type`` naming the field (``text``, ``fees[0].qty`` …); the same
    refusal in every build.  Texts may not carry control characters (``control_character``,
    see :func:`propdesk.domain.commands.first_unsafe`); then the forms of
    :func:`propdesk.domain.commands.check_forms` (phone numbers, ticket ids).  Returns
    the command, with lists given for tuple fields made tuples."""
    if not isinstance(cmd, Command):
        raise DomainError("invalid_type", field="command", expected="a command",
                          value=cmd)
    ticket = cmd.ticket if isinstance(cmd.ticket, str) else None
    checked: Command = _checked(cmd, "", ticket)
    check_forms(checked)
    return checked
