"""Issue 19, smaller points: the demo's follow-ups run as printed after the README's
commands (the environment not activated), what the demo writes is ignored by git,
and ``propdesk plugins`` lists the built-in report formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.cli.cli_support import Run

from propdesk.cli.reports import BUILTIN_FORMATS

SCRIPT = Path(sys.executable).parent / "propdesk"
PLAIN_PATH = os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin")
                             if not (Path(p) / "propdesk").exists())


def plain_env() -> dict[str, str]:
    """The environment of a shell where the virtual environment is not activated."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PROPDESK_", "VIRTUAL_ENV"))}
    env.update(PATH=PLAIN_PATH, LANG="en_US.UTF-8", COLUMNS="120")
    return env


def follow_ups(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Try next:"))
    return [line.strip() for line in lines[start + 1:] if line.startswith("  ")]


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the propdesk script is not installed here")
def test_the_demo_follow_ups_run_as_printed_and_git_ignores_the_demo(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    env = plain_env()
    assert shutil.which("propdesk", path=env["PATH"]) is None
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    venv = tmp_path / ".venv" / "bin"  # the README's layout: .venv/bin/propdesk
    venv.mkdir(parents=True)
    (venv / "propdesk").symlink_to(SCRIPT)
    (tmp_path / ".gitignore").write_text(".venv/\n", encoding="utf-8")
    demo = subprocess.run([".venv/bin/propdesk", "demo", "propdesk-demo"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    commands = follow_ups(demo.stderr)
    assert len(commands) == 4
    for command in commands:
        assert command.startswith(".venv/bin/propdesk --config propdesk-demo/propdesk.toml ")
        done = subprocess.run(command, shell=True, cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stderr}"
    assert (tmp_path / "propdesk-demo" / "w10.html").is_file()
    status = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"],
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    assert status.stdout.strip() == "?? .gitignore"


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the propdesk script is not installed here")
def test_follow_ups_say_propdesk_when_it_is_on_the_path(tmp_path: Path) -> None:
    env = plain_env()
    env["PATH"] = os.pathsep.join([str(SCRIPT.parent), env["PATH"]])
    init = subprocess.run([str(SCRIPT), "init", "desk"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "  propdesk --config desk/propdesk.toml --as desk-wang record" in init.stderr


def test_python_dash_m_follow_ups(tmp_path: Path) -> None:
    env = plain_env()
    init = subprocess.run([sys.executable, "-m", "propdesk", "init", "desk"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    assert "-m propdesk --config desk/propdesk.toml --as desk-wang record" in init.stderr


def test_plugins_lists_the_built_in_formats(run: Run) -> None:
    data = json.loads(run("plugins", "--json").stdout)
    builtin = [f["name"] for f in data["formats"] if f["builtin"]]
    assert builtin == list(BUILTIN_FORMATS) == ["table", "json", "csv", "md", "html"]
    assert {f["name"]: f["media_type"] for f in data["formats"]}["csv"] == "text/csv"
    lines = run("plugins").stdout.splitlines()
    for name in BUILTIN_FORMATS:
        assert any(" format " in line and f" {name} " in line and "(built in)" in line
                   for line in lines), name
    assert "格式" in run("plugins", lang="zh").stdout
