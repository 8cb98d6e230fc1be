"""The public API imports lazily and works as the integrator file uses it."""

from __future__ import annotations

import subprocess
import sys
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
    for name in propdesk.__all__:
        assert getattr(propdesk, name) is not None
