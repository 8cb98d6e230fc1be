"""The domain core does no I/O: importing it loads no I/O or CLI module, and it
never reads the clock (ARCHITECTURE: functional core)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "propdesk" / "domain"
FORBIDDEN_MODULES = ["sqlite3", "click", "psycopg", "socket", "subprocess", "pluggy", "rich",
                     "propdesk.desk", "propdesk.adapters", "propdesk.cli"]


def test_importing_domain_loads_no_io_module() -> None:
    code = (
        "import sys, importlib, pkgutil, propdesk.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module('propdesk.domain.' + m.name)\n"
        f"bad = [m for m in {FORBIDDEN_MODULES!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"domain imports loaded: {out.stdout}"


def test_domain_never_reads_the_clock_or_randomness() -> None:
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in (
                "now", "utcnow", "today", "time_ns", "uuid4", "random"
            ):
                raise AssertionError(f"{path.name}:{node.lineno} calls {node.attr}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                mod = getattr(node, "module", None) or ""
                assert mod not in ("random", "uuid", "time", "os") and not any(
                    n in ("random", "uuid", "os") for n in names), f"{path.name} imports {names}"


def test_event_json_is_the_canonical_json_of_the_event() -> None:
    from datetime import UTC, datetime

    from hypothesis import given
    from hypothesis import strategies as st

    from propdesk.domain.events import Event
    from propdesk.serialization import canonical_json, event_json, event_to_dict

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                     max_size=3),
        max_leaves=8)

    @given(st.text(min_size=1), st.integers(1, 10**6), st.text(min_size=1),
           st.dictionaries(st.text(), json_values, max_size=4))
    def check(ticket: str, version: int, by: str, data: dict[str, object]) -> None:
        e = Event(ticket, version, "record", datetime(2026, 1, 1, tzinfo=UTC), by, data)
        assert event_json(e) == canonical_json(event_to_dict(e))

    check()
