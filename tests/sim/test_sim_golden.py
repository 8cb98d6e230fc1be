"""R-92: the same scenario and seed give byte-identical outputs, on any run,
``PYTHONHASHSEED``, ``TZ`` or ``LANG``; the outputs are pinned by golden files.

Regenerate the golden files after an intended change of the rules or the
simulator with ``PROPDESK_REGEN_GOLDEN=1 pytest tests/sim/test_sim_golden.py``:
a case whose outputs changed is rewritten and its test FAILS, naming the files
(so a regenerating run is never green by itself); review ``git diff`` and run
again without the variable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sim.sim_support import GOLDEN, GOLDEN_CASES, ROOT, write_case

FILES = ("events.jsonl", "sla.json", "kpi.json", "summary.json", "report.txt",
         "propdesk.toml")


def _compare(produced: Path, case: str) -> None:
    golden = GOLDEN / case
    for name in FILES:
        want = (golden / name).read_bytes()
        got = (produced / name).read_bytes()
        assert got == want, f"{case}/{name} differs from the golden file"


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_outputs_match_golden_files(case: str, tmp_path: Path) -> None:
    written = write_case(case, tmp_path / case)
    assert {p.name for p in written} == set(FILES)
    if os.environ.get("PROPDESK_REGEN_GOLDEN"):
        changed = _changed(tmp_path / case, case)
        if changed:
            shutil.rmtree(GOLDEN / case, ignore_errors=True)
            shutil.copytree(tmp_path / case, GOLDEN / case)
            pytest.fail(f"rewrote {case}: {', '.join(changed)}; review the diff, then run "
                        "again without PROPDESK_REGEN_GOLDEN")
    _compare(tmp_path / case, case)


def _changed(produced: Path, case: str) -> list[str]:
    """The golden files of ``case`` that ``produced`` differs from (or that are missing)."""
    golden = GOLDEN / case
    return [name for name in FILES
            if not (golden / name).is_file()
            or (golden / name).read_bytes() != (produced / name).read_bytes()]


@pytest.mark.parametrize("env", [
    {"PYTHONHASHSEED": "0", "TZ": "America/Los_Angeles", "LANG": "C"},
    {"PYTHONHASHSEED": "4242", "TZ": "Asia/Kolkata", "LANG": "tr_TR.UTF-8",
     "LC_ALL": "tr_TR.UTF-8"},
])
def test_identical_in_other_processes(env: dict[str, str], tmp_path: Path) -> None:
    full = {**os.environ, **env}
    subprocess.run([sys.executable, "-m", "tests.sim.sim_support", str(tmp_path)],
                   cwd=ROOT, env=full, check=True)
    for case in GOLDEN_CASES:
        _compare(tmp_path / case, case)


def test_different_seeds_differ(tmp_path: Path) -> None:
    from tests.sim.sim_support import EXAMPLES

    from propdesk.sim.run import simulate
    from propdesk.sim.scenario import load_scenario

    sc = load_scenario(EXAMPLES / "reference.toml")
    a = simulate(sc, 1, days=1, log=True).communities[0].log
    b = simulate(sc, 2, days=1, log=True).communities[0].log
    c = simulate(sc, 1, days=1, log=True).communities[0].log
    assert a == c
    assert a != b


def test_regenerating_names_what_changed(tmp_path: Path) -> None:
    """The regenerate mode fails for a changed case: ``_changed`` sees a one-byte edit."""
    case = sorted(GOLDEN_CASES)[0]
    write_case(case, tmp_path / case)
    assert _changed(tmp_path / case, case) == []
    edited = tmp_path / case / "summary.json"
    edited.write_bytes(edited.read_bytes() + b" ")
    assert _changed(tmp_path / case, case) == ["summary.json"]
