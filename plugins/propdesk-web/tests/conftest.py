"""Fixtures of the web desk's tests: a community on a real SQLite store in
``tmp_path`` (the repository's example configuration), passwords set with
``propdesk passwd``, a manual clock in a file, and the app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "propdesk.toml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday, 09:00 local
PASSWORD = "correct horse 马"
PEOPLE = ("desk-wang", "eng-zhao", "eng-liu", "mgr-gao")


@pytest.fixture(scope="session")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """propdesk.toml and its database with passwords set by ``propdesk passwd``
    (made once: hashing is deliberately slow)."""
    from propdesk.adapters.sqlite import SQLiteStore

    folder = tmp_path_factory.mktemp("site")
    shutil.copy(EXAMPLE, folder / "propdesk.toml")
    SQLiteStore(folder / "propdesk.db").close()  # the database, as `propdesk init` makes it
    for person in PEOPLE:
        run_cli(folder, "passwd", person, stdin=PASSWORD + "\n")
    return folder


@pytest.fixture
def site(tmp_path: Path, site_template: Path) -> Path:
    """A folder with propdesk.toml, its database (passwords set), a clock file."""
    for name in ("propdesk.toml", "propdesk.db"):
        shutil.copy(site_template / name, tmp_path / name)
    (tmp_path / "clock").write_text(T0.isoformat(), "utf-8")
    return tmp_path


def cli_env(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PROPDESK_CONFIG=str(site / "propdesk.toml"), PROPDESK_LANG="en")
    env.pop("PROPDESK_USER", None)
    return env


def run_cli(site: Path, *args: str, stdin: str = "", check: bool = True
            ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "propdesk", *args], input=stdin,
                          capture_output=True, text=True, env=cli_env(site), timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def set_clock(site: Path, when: datetime) -> None:
    (site / "clock").write_text(when.isoformat(), "utf-8")


@pytest.fixture
def web_app(site: Path) -> Iterator[object]:
    from propdesk_web.app import create_app
    from propdesk_web.clock import FileClock

    from propdesk.cli.state import load_checked, open_configured_store

    config = load_checked(site / "propdesk.toml")
    store = open_configured_store(config, create=False)
    app = create_app(config, store, clock=FileClock(site / "clock"), secret="s" * 40)
    yield app
    store.close()
