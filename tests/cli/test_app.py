"""The root group: lazy command registry, help, version, python -m, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from tests.cli.cli_support import Run

import propdesk
from propdesk.cli import COMMANDS, cli
from propdesk.cli.app import load_command
from propdesk.cli.errors import EXIT_CODE_DOCS, ExitCode


def test_every_registered_command_loads_with_its_short_help() -> None:
    ctx = click.Context(cli)
    for _section, name, target, text in COMMANDS:
        assert load_command(name, target).name == name
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(limit=200) == text


def test_every_verb_of_section_3_has_a_command() -> None:
    from propdesk.domain.enums import CommandName

    names = {name for _s, name, _t, _h in COMMANDS}
    assert {c.value.replace("_", "-") for c in CommandName} <= names


def test_every_read_command_has_json() -> None:
    for _section, name, target, _text in COMMANDS:
        if _section != "read":
            continue
        command = load_command(name, target)
        opts = {o for p in command.params for o in getattr(p, "opts", [])}
        assert "--json" in opts, name


def test_every_exit_code_is_documented() -> None:
    assert set(EXIT_CODE_DOCS) == set(ExitCode)


def _fresh_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROPDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    proc = _fresh_python(
        "import sys\nfrom propdesk.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('propdesk.desk', 'propdesk.cli.verbs', 'propdesk.cli.read', "
        "'rich', 'sqlite3', 'propdesk.domain.sla', 'cattrs') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n", tmp_path)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert "sample-callback" in proc.stdout and "Exit codes" in proc.stdout


def test_show_without_an_argument_stays_light(tmp_path: Path) -> None:
    proc = _fresh_python(
        "import sys\nfrom propdesk.cli import main\n"
        "try:\n    main(['show'])\nexcept SystemExit as e:\n    print('EXIT', e.code)\n"
        "heavy = [m for m in ('propdesk.desk', 'propdesk.domain.commands', 'attrs', 'rich', "
        "'sqlite3', 'cattrs') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n", tmp_path)
    assert "EXIT 2" in proc.stdout and "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_version_answers_before_click(tmp_path: Path) -> None:
    proc = _fresh_python(
        "import sys\nfrom propdesk.cli import main\nmain(['--version'])\n"
        "print('CLICK', 'click' in sys.modules)\n", tmp_path)
    # the compiled build says so (docs/speed.md)
    expected = "propdesk 0.1.0" + (" (compiled with mypyc)" if propdesk.compiled() else "")
    assert proc.stdout.splitlines() == [expected, "CLICK False"]
    assert CliRunner().invoke(cli, ["--version"]).stdout == expected + "\n"


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "propdesk", "init", str(tmp_path / "x")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("propdesk.toml")
    again = subprocess.run([sys.executable, "-m", "propdesk", "init", str(tmp_path / "x")],
                           capture_output=True, text=True, timeout=60)
    # issue 19: a second init keeps the file and its store, and says so
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert "left as it is" in again.stderr or "未作改动" in again.stderr


def test_config_from_the_environment_and_the_current_folder(
        run: Run, community: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPDESK_CONFIG", str(community))
    monkeypatch.setenv("PROPDESK_USER", "desk-chen")
    out = CliRunner().invoke(cli, ["config", "show", "--json"])
    rows = {r["key"]: r for r in json.loads(out.stdout)}
    assert rows["config"]["source"] == "PROPDESK_CONFIG"
    assert rows["as"] == {"key": "as", "value": "desk-chen", "source": "PROPDESK_USER"}
    monkeypatch.delenv("PROPDESK_CONFIG")
    monkeypatch.chdir(community.parent)
    rows = {r["key"]: r for r in json.loads(
        CliRunner().invoke(cli, ["config", "show", "--json"]).stdout)}
    assert rows["config"]["source"] == "./propdesk.toml"


def test_init_keeps_an_existing_file_unless_forced(run: Run, community: Path) -> None:
    before = community.read_bytes()
    out = run("init", str(community.parent), "--name", "明珠苑")
    assert "--force" in out.stderr and community.read_bytes() == before
    run("init", str(community.parent), "--force", "--name", "明珠苑")
    assert 'name = "明珠苑"' in community.read_text("utf-8")
    assert "--timezone" in run("init", str(community.parent / "y"), "--timezone", "Mars/Base",
                               expect=int(ExitCode.INVALID_INPUT)).stderr


def test_internal_errors_are_reported_without_traceback(
        run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import propdesk.cli.read as read

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(read, "ticket_dict", boom, raising=False)
    monkeypatch.setattr("propdesk.cli.render.ticket_dict", boom)
    run("record", "--ticket", "Z1", "--source", "desk_internal", "--mode", "immediate",
        "--content", "x", "--location", "y")
    out = run("show", "Z1", expect=int(ExitCode.INTERNAL))
    assert "internal error: RuntimeError: kaput" in out.stderr and "PROPDESK_DEBUG" in out.stderr


def test_shell_completion_of_people_and_tickets(run: Run, community: Path) -> None:
    from click.shell_completion import ShellComplete

    run("record", "--ticket", "K1", "--source", "desk_internal", "--mode", "immediate",
        "--content", "x", "--location", "y")

    def complete(args: list[str], incomplete: str) -> list[str]:
        comp = ShellComplete(cli, {}, "propdesk", "_PROPDESK_COMPLETE")
        return [c.value for c in comp.get_completions(args, incomplete)]

    base = ["--config", str(community)]
    assert complete([*base, "dispatch", "K1", "--to"], "eng-") == ["eng-zhao", "eng-liu",
                                                                    "eng-chief"]
    assert complete([*base, "show"], "K") == ["K1"]
    assert "emergency" in complete([*base, "record", "--mode"], "")
    assert complete([], "sample") == ["sample-callback"]


def test_completion_script_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_PROPDESK_COMPLETE", "bash_source")
    out = CliRunner().invoke(cli, [], prog_name="propdesk")
    assert out.exit_code == 0 and "_PROPDESK_COMPLETE=bash_complete" in out.stdout
