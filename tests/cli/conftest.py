"""Fixtures for the CLI tests: a community made by ``propdesk init`` in a temporary
folder, and ``run(...)``, which invokes the CLI through click's ``CliRunner`` on a
manual clock (2026-03-02 09:00 Asia/Shanghai, a Monday)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.cli.cli_support import T0, Run

from propdesk.adapters.clock import ManualClock
from propdesk.cli import cli
from propdesk.cli.state import Overrides


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PROPDESK_CONFIG", "PROPDESK_USER", "PROPDESK_LANG", "PROPDESK_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def community(tmp_path: Path) -> Path:
    """A folder with the starter ``propdesk.toml`` and its SQLite store."""
    folder = tmp_path / "desk"
    result = CliRunner().invoke(cli, ["init", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder / "propdesk.toml"


@pytest.fixture
def run(community: Path, clock: ManualClock) -> Run:
    """``run(*args, user="desk-wang", lang="en", input=None, expect=0)``."""

    def invoke(*args: str, user: str | None = "desk-wang", lang: str | None = "en",
               input: str | bytes | None = None, expect: int | None = 0,
               config: Path | None = None, **kw: Any) -> Result:
        head = ["--config", str(config or community)]
        if user:
            head += ["--as", user]
        if lang:
            head += ["--lang", lang]
        result = CliRunner().invoke(cli, [*head, *args], input=input,
                                    obj=Overrides(clock=clock), catch_exceptions=False, **kw)
        if expect is not None:
            assert result.exit_code == expect, (
                f"exit {result.exit_code}, expected {expect}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}")
        assert "Traceback" not in result.output
        return result

    return invoke
