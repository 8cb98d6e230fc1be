"""The ``propdesk_cli_commands`` hook: plugin commands on the CLI, asked lazily."""

from __future__ import annotations

import subprocess
import sys

import click
import pluggy
import pytest

from propdesk import hookspecs, plugins


def _pm(*impls: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for i, impl in enumerate(impls):
        pm.register(impl, name=f"p{i}")
    return pm


class Offers:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookspecs.hookimpl
    def propdesk_cli_commands(self) -> list[click.Command]:
        return [click.Command(n) for n in self.names]


def test_commands_by_name_and_duplicates_refused() -> None:
    assert list(plugins.cli_commands(_pm(Offers("b", "a")))) == ["a", "b"]
    with pytest.raises(plugins.PluginError, match="'a' is offered twice"):
        plugins.cli_commands(_pm(Offers("a"), Offers("a")))


def test_serve_and_passwd_are_on_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "propdesk", "--help"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert "serve" in out and "passwd" in out
    help_serve = subprocess.run([sys.executable, "-m", "propdesk", "serve", "--help"],
                                capture_output=True, text=True, timeout=60, check=True).stdout
    assert "--host" in help_serve and "127.0.0.1" in help_serve and "--port" in help_serve


def test_a_built_in_command_does_not_ask_the_plugins() -> None:
    code = ("import sys\nfrom propdesk.cli import main\n"
            "try:\n    main(['list', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('WEB', 'propdesk_web.plugin' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "WEB False" in out


def test_help_with_the_plugins_loaded_stays_light() -> None:
    code = ("import sys\nfrom propdesk.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('propdesk.desk', 'sqlite3', 'psycopg', 'starlette', "
            "'jinja2', 'argon2', 'uvicorn') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert "HEAVY []" in out and "serve" in out
