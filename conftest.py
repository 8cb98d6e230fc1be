"""Plain ``pytest`` after ``pip install -e '.[dev]'`` collects and runs.

The separately installable plugins (``plugins/propdesk-*``) have their own
dependencies; where a plugin is not installed, its tests (and the core tests
of what only its kind of plugin uses) are left out with a message saying how
to install it, instead of failing to import.  Under CI (``CI`` set) nothing is
left out: a missing plugin there is an error.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

NEEDS: dict[str, tuple[str, ...]] = {
    # folder of tests: the modules they import that a plain install lacks
    "plugins/propdesk-webhook": ("propdesk_webhook",),
    "plugins/propdesk-wecom": ("propdesk_wecom",),
    "plugins/propdesk-dingtalk": ("propdesk_dingtalk",),
    "plugins/propdesk-smtp": ("propdesk_smtp", "aiosmtpd", "trustme"),
    "plugins/propdesk-web": ("propdesk_web",),
    "tests/channels": ("httpx",),  # propdesk.channel_kit serves the HTTP channel plugins
}
"""The PostgreSQL plugin's tests skip by themselves (``pytest.importorskip``)."""

_left_out: dict[str, str] = {}


def _missing(modules: tuple[str, ...]) -> str | None:
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if os.environ.get("CI"):
        return None
    try:
        relative = collection_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    for folder, modules in NEEDS.items():
        if relative == folder or relative.startswith(folder + "/"):
            if folder not in _left_out:
                missing = _missing(modules)
                _left_out[folder] = "" if missing is None else missing
            if _left_out[folder]:
                return True
    return None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder, missing in sorted(_left_out.items()):
        if missing:
            plugin = folder if folder.startswith("plugins/") else "plugins/propdesk-webhook"
            terminalreporter.write_line(
                f"SKIPPED {folder}: {missing} is not installed "
                f"(pip install -e {plugin}, or run ./scripts/test, which installs every plugin)")
