"""A small TOML writer for the configurations a scenario generates.

Only what ``propdesk.toml`` needs: text, whole numbers, floats, booleans,
arrays of those, tables and arrays of tables.  Keys are written in the
order given (never sorted by hash), so the text is the same on every run.
Strings use JSON escapes, which are valid TOML basic-string escapes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Sequence):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_array(v: Any) -> bool:
    return (isinstance(v, Sequence) and not isinstance(v, str) and bool(v)
            and all(isinstance(x, Mapping) for x in v))


def dumps(data: Mapping[str, Any], *, header: str = "") -> str:
    """TOML text of ``data`` (top-level scalars, then tables, then arrays of tables)."""
    out: list[str] = [header.rstrip("\n")] if header else []

    def emit(table: Mapping[str, Any], prefix: str) -> None:
        for k, v in table.items():
            if not isinstance(v, Mapping) and not _is_table_array(v):
                out.append(f"{_key(k)} = {_scalar(v)}")
        for k, v in table.items():
            name = f"{prefix}.{_key(k)}" if prefix else _key(k)
            if isinstance(v, Mapping):
                if out:
                    out.append("")
                out.append(f"[{name}]")
                emit(v, name)
            elif _is_table_array(v):
                for item in v:
                    if out:
                        out.append("")
                    out.append(f"[[{name}]]")
                    emit(item, name)

    emit(data, "")
    return "\n".join(out).strip("\n") + "\n"
