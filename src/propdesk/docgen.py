"""Generated parts of the docs, so they cannot drift from the code.

A generated block in a Markdown file sits between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.  Run
``python -m propdesk.docgen`` to rewrite every block; the tests fail when a
block is stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from propdesk.domain import permissions
from propdesk.domain.enums import State
from propdesk.domain.labels import COMMAND_LABELS, STATE_LABELS
from propdesk.domain.lifecycle import TABLE, mermaid_diagram


def lifecycle_diagram() -> str:
    """The Mermaid diagram of the transition table."""
    return "```mermaid\n" + mermaid_diagram() + "```\n"


def states_table() -> str:
    """The states with their labels."""
    rows = ["| state | 中文 | English | terminal |", "|---|---|---|---|"]
    for s in State:
        zh, en = STATE_LABELS[s.value]
        rows.append(f"| `{s.value}` | {zh} | {en} | {'yes' if s.terminal else ''} |")
    return "\n".join(rows) + "\n"


def commands_table() -> str:
    """Every row of the transition table, with who may issue the command."""
    order = list(State)
    rows = ["| command | 中文 | from | to | condition | who |", "|---|---|---|---|---|---|"]
    for t in TABLE:
        zh = COMMAND_LABELS[t.command.value][0]
        src = ", ".join(f"`{s.value}`" for s in sorted(t.sources, key=order.index)) or "—"
        if len(t.sources) >= 9:
            src = "any open state" + (
                "" if len(t.sources) == 11 else
                " except " + ", ".join(f"`{s.value}`" for s in State
                                       if not s.terminal and s not in t.sources))
        dst = f"`{t.target.value}`" if t.target else "(unchanged)"
        cond = " ".join(x for x in (t.guard if t.guard != "outcome" else "", t.note) if x)
        rows.append(f"| `{t.command.value}` | {zh} | {src} | {dst} | {cond} | "
                    f"{permissions.describe(t.command)} |")
    return "\n".join(rows) + "\n"


def sla_rules() -> str:
    """The table of time standards (from :data:`propdesk.domain.sla.RULES`)."""
    from propdesk.sladoc import rules_markdown

    return rules_markdown()


def batch_common_keys() -> str:
    """The keys of every batch line (docs/batch-format.md)."""
    from propdesk.cli.batchdocs import common_keys

    return common_keys()


def batch_command_keys() -> str:
    """Every command's own keys (docs/batch-format.md), from the command classes."""
    from propdesk.cli.batchdocs import command_keys

    return command_keys()


GENERATORS: dict[str, Callable[[], str]] = {
    "batch-common": batch_common_keys,
    "batch-commands": batch_command_keys,
    "lifecycle-diagram": lifecycle_diagram,
    "lifecycle-states": states_table,
    "lifecycle-commands": commands_table,
    "sla-rules": sla_rules,
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated:{re.escape(name)} -->\n)(.*?)(<!-- /generated:{re.escape(name)} -->)",
        re.S)


def render(text: str, generators: dict[str, Callable[[], str]] | None = None) -> str:
    """``text`` with every known generated block rewritten."""
    for name, gen in (generators or GENERATORS).items():
        m = _pattern(name).search(text)
        if m is not None:
            text = text[:m.start(2)] + gen() + text[m.end(2):]
    return text


def stale_blocks(path: Path, generators: dict[str, Callable[[], str]] | None = None
                 ) -> list[str]:
    """Names of generated blocks in ``path`` whose content is out of date."""
    text = path.read_text(encoding="utf-8")
    out = []
    for name, gen in (generators or GENERATORS).items():
        m = _pattern(name).search(text)
        if m and m.group(2) != gen():
            out.append(name)
    return out


def main() -> None:  # pragma: no cover - a maintenance command
    docs = Path(__file__).resolve().parents[2] / "docs"
    for path in sorted(docs.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
