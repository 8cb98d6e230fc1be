"""docs/batch-format.md: generated from the command classes, current, complete, and
its example applies; no document in the repository points at one that is not in it."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import attrs
from tests.cli.cli_support import Run

from propdesk.cli.batchdocs import COMMON_KEYS, command_keys, common_keys, json_type
from propdesk.docgen import stale_blocks
from propdesk.domain.commands import COMMAND_TYPES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "batch-format.md"


def test_the_page_is_current() -> None:
    assert stale_blocks(DOC) == [], "docs/batch-format.md is stale: run python -m propdesk.docgen"


def test_every_command_and_key_is_documented_with_its_type() -> None:
    text = DOC.read_text("utf-8")
    assert common_keys() in text and command_keys() in text
    for name, cls in COMMAND_TYPES.items():
        section = text.split(f"### `{name.value}`", 1)[1].split("\n### ", 1)[0]
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            if field.name in COMMON_KEYS:
                continue
            row = next((x for x in section.splitlines() if x.startswith(f"| `{field.name}` |")),
                       None)
            assert row is not None, f"{name.value}.{field.name} undocumented"
            assert json_type(hints[field.name]) in row
            required = field.default is attrs.NOTHING and field.name != "received_at"
            assert ("**required**" in row) is required, row


def example_lines() -> list[str]:
    block = re.search(r"^```jsonl\n(.*?)^```", DOC.read_text("utf-8"), re.S | re.M)
    assert block is not None
    return block.group(1).splitlines()


def test_the_example_applies_to_a_fresh_store(run: Run, tmp_path: Path) -> None:
    batch = tmp_path / "example.jsonl"
    batch.write_text("\n".join(example_lines()) + "\n", "utf-8")
    out = run("apply", str(batch), "--json")
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert results and all(r["ok"] for r in results), results
    shown = json.loads(run("show", "P-002", "--json").stdout)
    assert shown["state"] == "closed"
    assert shown["received_at"] == shown["history"][0]["at"]  # received_at defaulted to at


SEARCHED = ["src", "docs", "README.md", "examples", "tests", "bench", "plugins"]
MISSING_DOCUMENT = re.compile(r"DOMAIN §|DOMAIN R-|DOMAIN\.md|\.\./shared|§ ?\d")
"""A section of the specification the repository was written from (users have
the repository, which cites its own docs and the requirement ids instead)."""


def test_no_reference_to_a_document_outside_the_repository() -> None:
    """Users have the repository, not the specification it was written from."""
    found = []
    for top in SEARCHED:
        base = ROOT / top
        files = [base] if base.is_file() else [
            p for p in base.rglob("*") if p.is_file() and ".egg-info" not in str(p)
            and "__pycache__" not in p.parts and p.suffix in {".py", ".md", ".toml", ".txt",
                                                              ".jsonl", ".html", ".cfg"}]
        for path in files:
            if path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text("utf-8", errors="replace")
                                          .splitlines(), start=1):
                if MISSING_DOCUMENT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []
