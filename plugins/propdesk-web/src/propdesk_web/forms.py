"""Forms of the desk's commands (docs/lifecycle.md), made from the command
classes (as the CLI's options are).

Each command's form has one field per batch-file key of its class
(docs/batch-format.md); a submitted form is turned into the same dictionary
a batch line or the CLI builds, and structured by the same strict converter
(:func:`propdesk.batch.parse_object`), so the browser issues exactly the commands the CLI issues.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from propdesk.cli.verbs import FIELD_HELP
from propdesk.domain.commands import COMMAND_TYPES, FeeItem, MaterialItem
from propdesk.domain.config import Config
from propdesk.domain.enums import CommandName
from propdesk.domain.labels import MODE_LABELS, SATISFACTION_LABELS, SOURCE_LABELS

COMMON = ("ticket", "by", "at", "command_id")
TEXTAREAS = frozenset({"content", "note", "reason", "text", "diagnosis", "opinion", "reply"})
FEE_ROWS = 3
AMENDABLE = ("location", "content", "contact", "phone", "area", "asset", "about")
YES_NO = (("yes", ("是", "yes")), ("no", ("否", "no")))


@attrs.frozen
class Field:
    """One field of a command's form."""

    name: str
    kind: str  # text, textarea, select, checkbox, yesno, datetime, fees, lines, number
    required: bool
    label_zh: str
    label_en: str
    choices: tuple[tuple[str, tuple[str, str]], ...] = ()

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _choices(name: str, config: Config) -> tuple[tuple[str, tuple[str, str]], ...]:
    if name == "category":
        return tuple((c.id, (c.name, c.name_en or c.name)) for c in config.categories)
    if name in ("to", "override_by", "first_receiver"):
        return tuple((p.id, (f"{p.name} ({p.id})", f"{p.name} ({p.id})")) for p in config.people)
    if name == "source":
        return tuple(SOURCE_LABELS.items())
    if name == "mode":
        return tuple(MODE_LABELS.items())
    if name == "satisfaction":
        return tuple(SATISFACTION_LABELS.items())
    if name == "channel":
        return (("phone", ("电话", "phone")), ("visit", ("上门", "visit")))
    if name == "level":
        return (("1", ("1 部门主管", "1 department supervisor")),
                ("2", ("2 经理例会", "2 managers' meeting")))
    if name == "field":
        return tuple((f, (FIELD_HELP[f][1], f)) for f in AMENDABLE)
    if name == "charge_ok":
        return (("", ("未收费", "not charged")), *YES_NO)
    return ()


_CACHE: dict[tuple[Any, ...], list[Field]] = {}


def fields_of(verb: CommandName, config: Config) -> list[Field]:
    """The fields of ``verb``'s form, in the class's order (worked out once per
    configuration and command)."""
    key = (verb, config.categories, config.people)  # what the choices come from
    if key not in _CACHE:
        _CACHE[key] = _fields_of(verb, config)
    return _CACHE[key]


def _fields_of(verb: CommandName, config: Config) -> list[Field]:
    cls = COMMAND_TYPES[verb]
    hints = typing.get_type_hints(cls)
    out: list[Field] = []
    for f in attrs.fields(cls):
        if f.name in COMMON:
            continue
        hint = hints[f.name]
        args = typing.get_args(hint)
        base = next((a for a in args if a is not type(None)), hint) if args else hint
        required = f.default is attrs.NOTHING
        en, zh = FIELD_HELP.get(f.name, (f.name, f.name))
        choices = _choices(f.name, config)
        if f.name == "charge_ok":
            kind = "select"
        elif hint is bool:
            kind = "yesno" if required else "checkbox"
        elif base is datetime:
            kind = "datetime"
        elif hint == tuple[FeeItem, ...]:
            kind = "fees"
        elif hint == tuple[MaterialItem, ...] or base == tuple[str, ...]:
            kind = "lines"
        elif choices:
            kind = "select"
        elif f.name in TEXTAREAS:
            kind = "textarea"
        else:
            kind = "text"
        if verb is CommandName.RECORD and f.name == "received_at":
            required = False  # set when the intake form opened
        out.append(Field(f.name, kind, required, zh, en.split(" [")[0], choices))
    return out


def form_to_raw(verb: CommandName, form: Mapping[str, Any], config: Config,
                getlist: Any = None) -> dict[str, Any]:
    """The batch-line dictionary of a submitted form (values the converter will check)."""
    raw: dict[str, Any] = {"cmd": verb.value}
    for field in fields_of(verb, config):
        value = form.get(field.name)
        text = value.strip() if isinstance(value, str) else value
        if field.kind == "checkbox":
            if text:
                raw[field.name] = True
        elif field.kind == "yesno" or (field.name == "charge_ok" and text):
            if text in ("yes", "no"):
                raw[field.name] = text == "yes"
            elif field.required:
                raw[field.name] = None
        elif field.kind == "datetime":
            if text:
                raw[field.name] = local_time(str(text), config).isoformat()
        elif field.kind == "fees":
            items = []
            for i in range(FEE_ROWS):
                code = str(form.get(f"fees-{i}-code") or "").strip()
                qty = str(form.get(f"fees-{i}-qty") or "").strip() or "1"
                if code:
                    items.append({"code": code, "qty": qty})
            if items:
                raw["fees"] = items
        elif field.kind == "lines":
            lines = [ln.strip() for ln in str(text or "").replace(",", "\n").splitlines()
                     if ln.strip()]
            if field.name == "materials":
                raw["materials"] = [_material(ln) for ln in lines]
            elif lines:
                raw[field.name] = lines
        elif field.name == "level":
            if text:
                raw["level"] = int(text) if str(text).isdigit() else text
        elif text:
            raw[field.name] = text
    return raw


def _material(line: str) -> dict[str, str]:
    name, sep, qty = line.rpartition(":")
    return {"name": name, "qty": qty} if sep and name else {"name": line}


def local_time(text: str, config: Config) -> datetime:
    """A ``datetime-local`` value (``2026-03-02T09:05``) in the community's zone,
    or ISO 8601 with an offset."""
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=config.zone)
