"""Build hook: with ``PROPDESK_MYPYC=1``, compile the hot modules with mypyc.

Everything else about the package is in ``pyproject.toml``.  A plain
``pip install .`` installs pure Python.  With the variable set, the modules
in :data:`COMPILED` are compiled to C extensions by mypyc (it ships with
mypy) next to their Python sources, which stay installed; the behaviour is
the same, only faster (docs/speed.md)::

    pip install . mypy 'setuptools>=77' wheel   # the dependencies and the compiler
    PROPDESK_MYPYC=1 pip install --no-build-isolation --no-deps --force-reinstall .

(mypyc type-checks the modules, so propdesk's dependencies must be installed
where it runs.)

Only a regular install: an editable install would leave compiled modules
beside sources that may change.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

COMPILED = [
    # the rules: decide and evolve, with what they call
    "domain/decide.py",
    "domain/fold.py",
    "domain/permissions.py",
    "domain/lifecycle.py",
    "domain/routing.py",
    "domain/roster.py",
    "domain/model.py",
    "domain/events.py",
    "domain/_fast.py",
    "domain/money.py",
    "domain/notices.py",
    "domain/errors.py",
    "domain/enums.py",
    # a ticket reduced to what the statistics read
    "domain/facts.py",
    # the SLA engine
    "domain/sla/__init__.py",
    "domain/sla/rules.py",
    "domain/sla/milestones.py",
    "domain/sla/engine.py",
    "domain/sla/index.py",
    # the simulator
    "sim/engine.py",
    "sim/arrivals.py",
    "sim/clock.py",
    "sim/draws.py",
    "sim/quick.py",
    "sim/jobs.py",
    "sim/run.py",
]
"""Modules compiled with ``PROPDESK_MYPYC=1``, relative to ``src/propdesk``."""


def _missing_dependencies() -> list[str]:
    """propdesk's dependencies not installed here (mypyc type-checks against them)."""
    import importlib.metadata
    import re
    import tomllib

    project = tomllib.loads((Path(__file__).parent / "pyproject.toml").read_text("utf-8"))
    missing = []
    for dep in project["project"]["dependencies"]:
        if ";" in dep:  # (an environment marker: tomli, for Pythons before 3.11)
            continue
        name = re.split(r"[<>=!~\[ ]", dep, maxsplit=1)[0]
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def _ext_modules() -> list[object]:
    if os.environ.get("PROPDESK_MYPYC", "") in ("", "0"):
        return []
    missing = _missing_dependencies()
    try:
        from mypyc.build import mypycify
    except ImportError:
        missing.append("mypy")
    if missing:
        raise SystemExit(
            f"PROPDESK_MYPYC=1: install {', '.join(missing)} into this environment first "
            "(pip install . mypy 'setuptools>=77' wheel), then build with "
            "--no-build-isolation (docs/speed.md)")
    extensions = list(mypycify([f"src/propdesk/{m}" for m in COMPILED], opt_level="3"))
    if os.name == "posix":
        # compiled float arithmetic must round as the interpreter's does (the
        # simulator's runs are byte-identical across builds and machines,
        # DOMAIN R-92): no fused multiply-add where the target has one
        for ext in extensions:
            ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off"]
    return extensions


setup(ext_modules=_ext_modules())
