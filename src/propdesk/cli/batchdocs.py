"""The key tables of ``docs/batch-format.md``, generated from the command classes.

Every command of :mod:`propdesk.domain.commands` is one ``cmd`` of a batch
line; its attrs fields are the line's keys.  The table says for each key
whether it is required, its JSON type and its default, so the document
cannot drift from what :func:`propdesk.batch.parse_object` accepts.  The
block is rewritten by ``python -m propdesk.docgen`` (a test fails when it is
stale).
"""

from __future__ import annotations

import inspect
import types
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from propdesk.domain.commands import COMMAND_TYPES, Command, FeeItem, MaterialItem
from propdesk.domain.enums import CommandName
from propdesk.domain.labels import COMMAND_LABELS

COMMON_KEYS = ("ticket", "by", "at", "command_id")

KEY_MEANINGS: dict[str, str] = {
    "ticket": "the ticket's id; on a `record` line, the new ticket's id",
    "by": "the acting person's id (`[[people]] id` of the configuration)",
    "at": "when it happened",
    "command_id": "idempotency key; without it the line's content is the key, so "
                  "applying a file again reports its lines as already applied",
    "received_at": "when the desk received it",
    "first_receiver": "who first received it (首接人)",
    "originated_at": "when the first receiver got it",
    "fees": "fee items from the schedule (R-60); `name` and `price` only for an item "
            "off the schedule, with `override_by`",
    "materials": "materials used",
    "workers": "who did the work",
    "charge_ok": "the source accepts the charge; `false`: disputed",
    "close": "also close the ticket when the callback passes",
}
"""Meanings where a batch line differs from the CLI option's help (the rest come
from :data:`propdesk.cli.verbs.FIELD_HELP`)."""

DEFAULTS_SHOWN: dict[tuple[CommandName | None, str], str] = {
    (CommandName.RECORD, "received_at"): "`at`",
    (CommandName.RECORD, "first_receiver"): "`by`",
    (CommandName.RECORD, "originated_at"): "`received_at`",
    (CommandName.COMPLETE, "workers"): "the assignee",
    (CommandName.DISPATCH, "to"): "routing chooses (R-51)",
}
"""Defaults the core fills in (shown instead of the class's ``None``)."""

def _is_optional(hint: Any) -> tuple[bool, Any]:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        return True, rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
    return False, hint


def json_type(hint: Any) -> str:
    """The JSON shape of a field's type, in words."""
    _, hint = _is_optional(hint)
    args = set(typing.get_args(hint))
    if args == {Decimal, str, int}:
        return "decimal (string like `\"25.50\"`, or integer)"
    if hint is str:
        return "string"
    if hint is bool:
        return "`true`/`false`"
    if hint is int:
        return "integer"
    if hint is datetime:
        return "time (ISO 8601 with offset)"
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if item is str:
            return "list of strings"
        if item in (FeeItem, MaterialItem):
            keys = ", ".join(f"`{f.name}`" if f.default is attrs.NOTHING else f"`{f.name}`?"
                             for f in attrs.fields(item))
            return f"list of objects {{{keys}}}"
    raise TypeError(f"no JSON type for {hint!r}")


def _default(cls: type[Command], name: CommandName, field: attrs.Attribute[Any]
             ) -> tuple[str, str]:
    """(required/optional, default text)."""
    if (name, field.name) in DEFAULTS_SHOWN:
        return "optional", DEFAULTS_SHOWN[(name, field.name)]
    if field.default is attrs.NOTHING:
        return "**required**", ""
    if field.default is None:
        return "optional", "—"
    value = field.default
    if isinstance(value, bool):
        return "optional", f"`{str(value).lower()}`"
    if value == ():
        return "optional", "`[]`"
    return "optional", f"`\"{value}\"`" if isinstance(value, str) else f"`{value}`"


def _meaning(key: str) -> str:
    from propdesk.cli.verbs import FIELD_HELP

    text = KEY_MEANINGS.get(key) or FIELD_HELP.get(key, ("", ""))[0]
    return " ".join(text.split()).replace("|", "\\|")


def _rows(cls: type[Command], name: CommandName, fields: list[attrs.Attribute[Any]]
          ) -> list[str]:
    hints = typing.get_type_hints(cls)
    rows = []
    for field in fields:
        need, default = _default(cls, name, field)
        if field.name == "at":
            need, default = "**required**", ""
        rows.append(f"| `{field.name}` | {need} | {json_type(hints[field.name])} | "
                    f"{default} | {_meaning(field.name)} |")
    return rows


HEADER = ["| key | required | type | default | meaning |", "|---|---|---|---|---|"]


def common_keys() -> str:
    """The keys every line has."""
    base = COMMAND_TYPES[CommandName.CONFIRM]
    fields = [f for f in attrs.fields(base) if f.name in COMMON_KEYS]
    rows = ["| `cmd` | **required** | string | | the command: one of the names below |",
            *_rows(base, CommandName.CONFIRM, fields)]
    return "\n".join([*HEADER, *rows]) + "\n"


def command_keys() -> str:
    """One section per command with its own keys."""
    out: list[str] = []
    for name, cls in COMMAND_TYPES.items():
        zh, _en = COMMAND_LABELS[name.value]
        doc = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
        doc = doc.replace("\n", " ").replace("``", "`")
        out += [f"### `{name.value}` — {zh}", "", doc, ""]
        own = [f for f in attrs.fields(cls) if f.name not in COMMON_KEYS]
        if own:
            out += [*HEADER, *_rows(cls, name, own), ""]
        else:
            out += ["No keys of its own.", ""]
    return "\n".join(out)
