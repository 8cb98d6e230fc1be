"""The CLI reference is generated from the commands (and must be current); the Chinese
operator's guide only uses commands and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from propdesk.cli import cli
from propdesk.cli.docs import cli_reference

ROOT = Path(__file__).resolve().parents[2]
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text("utf-8") == cli_reference(), (
        "docs/cli.md is stale: run python -m propdesk.cli.docs")


def test_cli_reference_covers_every_command_and_exit_code() -> None:
    text = cli_reference()
    for verb in ("record", "contact-owner", "follow-up", "sample-callback", "audit verify",
                 "config show", "report"):
        assert f"### `propdesk {verb}`" in text or f"#### `propdesk {verb}`" in text
    assert "| 130 | `interrupted` |" in text and "`--appointment-at` TIME" in text


def guide_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "operator-guide.zh.md").read_text("utf-8")
    out = []
    for block in SH_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("propdesk "):
                out.append(shlex.split(line)[1:])
    return out


@pytest.mark.parametrize("args", guide_commands(), ids=lambda a: " ".join(a[:3]))
def test_operator_guide_commands_parse(args: list[str]) -> None:
    ctx = click.Context(cli)
    rest = list(args)
    command: click.Command = cli
    while rest and rest[0].startswith("--"):  # global options with a value
        rest = rest[2:]
    while isinstance(command, click.Group) and rest:
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"no command {rest[0]!r}"
        command, rest = sub, rest[1:]
    known = {o for p in command.params for o in [*getattr(p, "opts", []),
                                                *getattr(p, "secondary_opts", [])]}
    for word in rest:
        if word.startswith("--"):
            assert word in known, f"{command.name}: no option {word}"
