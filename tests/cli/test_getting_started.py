"""docs/getting-started.md, executed: its shell blocks run in order, in an empty
folder, with ``propdesk`` on the PATH — a hand-written configuration gets a working
desk with ``propdesk init`` and nothing else (issue 19)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
SH = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
BIN = Path(sys.executable).parent


@pytest.mark.skipif(not (BIN / "propdesk").is_file(), reason="the propdesk script is not "
                    "installed beside this Python")
def test_the_getting_started_page_runs(tmp_path: Path) -> None:
    blocks = SH.findall(PAGE.read_text("utf-8"))
    assert len(blocks) >= 5
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
    env.update(PATH=os.pathsep.join([str(BIN), "/usr/bin", "/bin"]), LANG="en_US.UTF-8",
               COLUMNS="120")
    script = "set -euo pipefail\n" + "\n".join(blocks)
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    # what the page says happens, happens
    assert "left as it is" in out or "未作改动" in out
    assert (tmp_path / "data" / "binjiang.db").is_file()
    assert not (tmp_path / "propdesk.db").exists()
    assert "exit code 8" in proc.stdout
    for key in ("$.departments[id=environment]", "security", "fire", "18:00"):
        assert key in proc.stderr, key
    assert "eng-wu" in proc.stdout or "吴师傅" in proc.stdout
    heads = re.findall(r"\b[0-9a-f]{64}\b", proc.stderr)
    assert len(heads) >= 3 and len(set(heads)) == 1, heads  # verify, export, restored verify
    assert (tmp_path / "restored" / "binjiang.db").is_file()
