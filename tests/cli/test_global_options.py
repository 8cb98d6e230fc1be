"""Issue 19, point 12: the global options ``--config``, ``--as`` and ``--lang`` are
accepted after the command too (``propdesk record … --as desk-wang``), for every
command, and still before it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from tests.cli.cli_support import RECORD, Run

from propdesk.adapters.clock import ManualClock
from propdesk.cli import cli
from propdesk.cli.state import App, Overrides


def leaf_paths() -> list[list[str]]:
    """Every command the user can run: ``["record"]``, ``["config", "check"]`` …"""
    ctx = click.Context(cli, info_name="propdesk")
    found: list[list[str]] = []

    def walk(group: click.Group, path: list[str]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, [*path, name])
            else:
                found.append([*path, name])

    walk(cli, [])
    return found


LEAVES = leaf_paths()


def test_every_command_is_enumerated() -> None:
    names = {" ".join(p) for p in LEAVES}
    assert {"record", "cancel", "show", "config check", "config show", "audit verify",
            "audit reveals", "import", "init", "demo", "simulate"} <= names


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
@pytest.mark.parametrize("where", ["after", "before"])
def test_global_options_are_accepted_in_both_positions(path: list[str], where: str,
                                                      tmp_path: Path) -> None:
    """Through the real command line: the options parse (``--help`` ends the run after
    them, so no command does any work); before the fix, ``--as`` after the command was
    "No such option"."""
    options = ["--config", str(tmp_path / "propdesk.toml"), "--as", "desk-wang",
               "--lang", "zh"]
    args = [*path, *options, "--help"] if where == "after" else [*options, *path, "--help"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "No such option" not in result.output


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_options_after_the_command_reach_the_app(path: list[str], tmp_path: Path) -> None:
    """Parsing a command with the options after it sets the person, the language and
    the configuration of the run, replacing those given before the command."""
    app = App(config_path="before.toml", user="desk-chen", lang="en",
              sources={"config_path": "commandline", "user": "commandline",
                       "lang": "commandline"})
    ctx = click.Context(cli, info_name="propdesk", obj=app)
    group: click.Group = cli
    for name in path[:-1]:
        sub = group.get_command(ctx, name)
        assert isinstance(sub, click.Group)
        ctx = click.Context(sub, info_name=name, parent=ctx)
        group = sub
    leaf = group.get_command(ctx, path[-1])
    assert leaf is not None
    after = str(tmp_path / "after.toml")
    # a missing argument of the command is refused after the global options were taken
    with contextlib.suppress(click.UsageError):
        leaf.make_context(path[-1], ["--config", after, "--as", "desk-wang", "--lang", "ZH"],
                          parent=ctx)
    assert app.user == "desk-wang"
    assert app.lang == "zh"
    assert app.config_location()[0] == Path(after)
    assert app.sources == {"config_path": "commandline", "user": "commandline",
                           "lang": "commandline"}


def test_record_then_show_with_the_options_after_the_command(community: Path,
                                                             clock: ManualClock) -> None:
    def invoke(*args: str) -> click.testing.Result:
        return CliRunner().invoke(cli, list(args), obj=Overrides(clock=clock),
                                  catch_exceptions=False)

    result = invoke(*RECORD, "--config", str(community), "--as", "desk-wang", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "A1"
    shown = invoke("show", "A1", "--config", str(community), "--as", "desk-wang",
                   "--lang", "zh")
    assert shown.exit_code == 0, shown.output
    assert "厨房水管漏水" in shown.stdout and "已派单" not in shown.stdout
    assert "状态" in shown.stdout or "已录入" in shown.stdout
    # the language after the command wins over the one before it
    english = invoke("--lang", "zh", "show", "A1", "--config", str(community),
                     "--as", "desk-wang", "--lang", "en")
    assert "已录入" not in english.stdout


def test_as_after_the_command_is_the_acting_person(run: Run, community: Path) -> None:
    """``--as`` after the command is who acts: the desk may record, an engineer may not."""
    refused = run(*RECORD, "--as", "eng-zhao", user=None, expect=6)
    assert "eng-zhao" in refused.stderr
    run(*RECORD, "--as", "desk-wang", user=None)
    assert run("show", "A1", "--json", user=None).exit_code == 0


def test_config_after_the_command_is_the_file_used(community: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "show", "--json", "--config", str(community)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f'"value": "{community}"' in result.stdout
    assert '"source": "--config"' in result.stdout
