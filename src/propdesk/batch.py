"""Batch files (docs/batch-format.md): one JSON command per line, applied in file order.

Each line has ``at``, ``cmd``, ``ticket`` and ``by`` and the command's own
keys.  A line that does not parse, or names an unknown command, or has a key
of the wrong type, is refused with an error naming the line and the key; the
rest still apply.  The ``ticket`` key of a ``record`` line becomes the
ticket's id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from propdesk.converter import StructureError, structure
from propdesk.domain.commands import COMMAND_TYPES, Command
from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError

REQUIRED = ("at", "cmd", "ticket", "by")


@attrs.frozen
class LineResult:
    """The outcome of one command of a batch (docs/batch-format.md).

    ``already`` is true for a line whose command was applied before (by an
    earlier run of the same file, or an earlier line with the same explicit
    ``command_id``): it is acknowledged, not applied a second time."""

    line: int
    ok: bool
    ticket: str | None
    error: str | None = None
    code: str | None = None
    error_zh: str | None = None
    already: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"line", "ok", "ticket"}``, plus ``"already": true`` for a line
        applied before, or ``error``, ``code`` and ``error_zh`` for a refused one."""
        out: dict[str, Any] = {"line": self.line, "ok": self.ok, "ticket": self.ticket}
        if self.already:
            out["already"] = True
        if not self.ok:
            out.update(error=self.error, code=self.code, error_zh=self.error_zh)
        return out


def refused_line(line: int, ticket: str | None, err: DomainError) -> LineResult:
    """The result of a refused line."""
    return LineResult(line, False, ticket, err.message("en"), err.code, err.message("zh"))


def parse_line(text: str) -> Command:
    """One command from one line; raises :class:`DomainError` naming the problem."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError("invalid_value", field=f"column {exc.colno}",
                          reason=f"not valid JSON: {exc.msg}") from None
    return parse_object(raw)


def parse_object(raw: Any) -> Command:
    """One command from a decoded JSON object (a dict of a batch line's keys)."""
    if not isinstance(raw, dict):
        raise DomainError("invalid_type", field="line", expected="a JSON object", value=raw)
    for key in REQUIRED:
        if key not in raw:
            raise DomainError("required", field=key, ticket=raw.get("ticket"))
    name = raw["cmd"]
    if not isinstance(name, str) or name not in CommandName.__members__.values():
        raise DomainError("invalid_choice", field="cmd", value=name,
                          allowed=", ".join(c.value for c in CommandName),
                          ticket=raw.get("ticket"))
    body = {k: v for k, v in raw.items() if k != "cmd"}
    if name == CommandName.RECORD.value and "received_at" not in body:
        body["received_at"] = body["at"]  # as on the command line: received when recorded
    try:
        return structure(body, COMMAND_TYPES[CommandName(name)])
    except StructureError as exc:
        path, reason = exc.problems[0]
        field = path.removeprefix("$.")
        extra = "" if len(exc.problems) == 1 else f" (and {len(exc.problems) - 1} more)"
        raise DomainError("invalid_value", field=field, reason=reason + extra,
                          ticket=raw.get("ticket") if isinstance(raw.get("ticket"), str)
                          else None) from None


def read_lines(lines: Iterable[str]) -> Iterator[tuple[int, Command | DomainError]]:
    """Numbered commands (or parse errors) of a batch file; blank lines are skipped."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield number, parse_line(text)
        except DomainError as err:
            yield number, err
