"""Docs are part of the feature: generated blocks are current, Python code blocks
in the README and docs run, and every example script runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from propdesk.docgen import stale_blocks

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[tuple[str, int, str]]:
    out = []
    for path in [ROOT / "README.md", *DOCS]:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for i, m in enumerate(BLOCK.finditer(text)):
            out.append((path.name, i, m.group(1)))
    return out


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_generated_blocks_are_current(path: Path) -> None:
    assert stale_blocks(path) == [], f"run: python -m propdesk.docgen ({path.name})"


@pytest.mark.parametrize("name,index,code", python_blocks(),
                         ids=[f"{n}#{i}" for n, i, _ in python_blocks()])
def test_python_code_blocks_run(name: str, index: int, code: str, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"{name} block {index} failed:\n{proc.stderr[-3000:]}"


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_run(script: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip(), "an example should show what it did"
