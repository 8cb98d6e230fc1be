"""The public API imports lazily and works as the integrator file uses it."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_integrator_file_runs() -> None:
    proc = subprocess.run([sys.executable, "tests/typing/use_public_api.py"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["API1", "recorded", "wrong_state", "0.1.0"]


def test_import_propdesk_is_light() -> None:
    code = "import sys, propdesk; print(sorted(m for m in sys.modules if m.startswith('propdesk')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['propdesk']"


def test_all_lists_exactly_the_lazy_exports() -> None:
    import propdesk

    lazy = (set(propdesk._EXPORTS) | set(propdesk._MODULES)
            | {"__version__", "compiled", "version_text"})
    assert set(propdesk.__all__) == lazy
    for name, module in propdesk._EXPORTS.items():
        value = getattr(propdesk, name)
        assert value is getattr(importlib.import_module(module), name)
        assert isinstance(value, type) or inspect.isfunction(value) or callable(value), name
    assert isinstance(propdesk.commands, types.ModuleType)
    assert propdesk.commands.__name__ == "propdesk.domain.commands"
    assert isinstance(propdesk.__version__, str) and propdesk.__version__.count(".") == 2
    assert isinstance(propdesk.compiled(), bool)
    assert propdesk.version_text().startswith(f"propdesk {propdesk.__version__}")


def test_exports_are_the_classes_and_functions_integrators_expect() -> None:
    import propdesk

    classes = {"Desk", "Result", "LineResult", "Config", "DomainError", "ConfigError", "Ticket",
               "WorkOrder", "Event", "State", "CommandName", "MemoryStore", "SQLiteStore",
               "ManualClock", "SystemClock"}
    for name in classes:
        assert isinstance(getattr(propdesk, name), type), name
    assert issubclass(propdesk.DomainError, Exception)
    assert issubclass(propdesk.ConfigError, Exception)
    assert {s.value for s in propdesk.State} >= {"recorded", "closed", "cancelled"}
    assert inspect.isfunction(propdesk.load_config)
    assert inspect.isfunction(propdesk.parse_config)
    desk = propdesk.Desk(propdesk.load_config(ROOT / "examples" / "propdesk.toml"),
                         propdesk.MemoryStore())
    assert desk.tickets() == []
