"""Issue 16's structural promises, kept by tests: build-dependent code lives in
``domain/_fast`` only, one name per class under ``src/``, and the commands that
share a field list (through ``Inspection`` and ``CallbackAnswers``) keep their
batch keys in the same order."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import attrs
import pytest

from propdesk.converter import StructureError, structure
from propdesk.domain import commands as c

SRC = Path(__file__).resolve().parents[2] / "src" / "propdesk"
COMMON = ["ticket", "by", "at", "command_id"]


def test_build_dependent_code_lives_in_fast_only() -> None:
    pattern = re.compile(r"object\.__setattr__|COMPILED|exec\(")
    found = {p.relative_to(SRC).as_posix() for p in (SRC / "domain").rglob("*.py")
             if pattern.search(p.read_text("utf-8"))}
    assert found == {"domain/_fast.py"}


def test_no_class_name_is_defined_twice_under_src() -> None:
    names: Counter[str] = Counter()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        names.update(n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    assert [n for n, k in names.items() if k > 1] == []


@pytest.mark.parametrize(("cls", "own"), [
    (c.Accept, ["signer", "opinion", "owner_copy"]),
    (c.Reject, ["signer", "opinion", "owner_copy"]),
    (c.Callback, ["fixed", "satisfaction", "charge_ok", "channel", "close"]),
    (c.SampleCallback, ["fixed", "satisfaction", "charge_ok", "channel"]),
])
def test_shared_field_lists_keep_the_batch_keys(cls: type[c.Command], own: list[str]) -> None:
    assert [f.name for f in attrs.fields(cls)] == COMMON + own


def test_a_batch_line_still_structures_into_each_subclass() -> None:
    rej = structure({"ticket": "A1", "by": "eng-zhao", "signer": "李女士",
                     "opinion": "还在滴水"}, c.Reject)
    assert type(rej) is c.Reject and rej.name == "reject"
    assert (rej.signer, rej.opinion, rej.owner_copy) == ("李女士", "还在滴水", False)
    sample = structure({"ticket": "A1", "by": "cs-zhou", "fixed": True,
                        "satisfaction": "satisfied", "channel": "visit"}, c.SampleCallback)
    assert type(sample) is c.SampleCallback and sample.name == "sample_callback"
    assert (sample.fixed, sample.charge_ok, sample.channel) == (True, None, "visit")
    assert not hasattr(sample, "close")
    with pytest.raises(StructureError, match=r"\$\.fixed: required key is missing"):
        structure({"ticket": "A1", "by": "cs-zhou", "satisfaction": "satisfied"},
                  c.SampleCallback)
