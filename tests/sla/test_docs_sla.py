"""docs/sla.md: the table of rules is generated from the rule data."""

from __future__ import annotations

from pathlib import Path

from propdesk.docgen import render, stale_blocks
from propdesk.domain.sla import RULES, SlaRules
from propdesk.sladoc import rules_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "sla.md"
GENERATORS = {"sla-rules": rules_markdown}


def test_the_table_in_the_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "<!-- generated:sla-rules -->" in text
    assert stale_blocks(DOC, GENERATORS) == [], (
        "regenerate the block of docs/sla.md from propdesk.domain.sla.rules_markdown()")
    assert render(text, GENERATORS) == text


def test_the_table_follows_the_data() -> None:
    table = rules_markdown()
    assert [line.split(" | ")[0].lstrip("| ") for line in table.splitlines()[2:]] == [
        r.id for r in RULES]
    assert '`S-5 = "10m"`' in table and "start + 10 min" in table
    changed = rules_markdown(SlaRules.build({"S-5": 900, "S-12": None}))
    assert '`S-5 = "15m"`' in changed and "start + 15 min" in changed
    assert '`S-12 = "off"`' in changed
