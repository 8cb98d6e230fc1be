"""The example notifier plugin of docs/writing-a-notifier.md works as the page says."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from propdesk.channel_kit import ChannelConfigError
from propdesk.channels import Channel
from propdesk.plugins import make_plugin_manager, notifiers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notifier_plugin_example",
                                                  ROOT / "examples" / "notifier_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def channels(example: ModuleType, tables: Sequence[Mapping[str, object]],
             folder: Path) -> Sequence[object]:
    pm = make_plugin_manager(autoload=False)
    pm.register(example, name="jsonl-file-example")
    return notifiers({"notifiers": tables}, pm, folder)


def test_one_channel_per_table_of_its_kind_writing_each_notice_once(
        example: ModuleType, tmp_path: Path) -> None:
    found = channels(example, [{"name": "a", "kind": "jsonl_file", "path": "a.jsonl"},
                               {"name": "other", "kind": "log"},
                               {"name": "b", "kind": "jsonl_file", "path": "b.jsonl"}], tmp_path)
    assert [getattr(c, "name", None) for c in found] == ["a", "other", "b"]  # (log: built in)
    assert [getattr(c, "kind", None) for c in found] == ["jsonl_file", "log", "jsonl_file"]
    a = found[0]
    assert isinstance(a, Channel)
    one, two = example.notice(1, "sla.warning"), example.notice(2, "sla.breach")
    assert a.send([one, two]) == [None, None]
    assert a.send([two, one]) == [None, None]  # a retry writes nothing twice
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
    assert [(x["id"], x["type"]) for x in lines] == [(one.id, "sla.warning"),
                                                     (two.id, "sla.breach")]
    assert not (tmp_path / "b.jsonl").exists()


def test_a_write_failure_is_a_retryable_result_not_an_exception(
        example: ModuleType, tmp_path: Path) -> None:
    (channel,) = channels(example, [{"name": "a", "kind": "jsonl_file",
                                     "path": "missing-folder/a.jsonl"}], tmp_path)
    assert isinstance(channel, Channel)
    (error,) = channel.send([example.notice(1, "emergency")])
    assert error is not None and not error.permanent and "cannot write" in error.reason


@pytest.mark.parametrize("table,path", [
    ({"colour": 1}, "$.notifiers[name=a].colour"),
    ({"password": "x"}, "$.notifiers[name=a].password"),
    ({"path": ""}, "$.notifiers[name=a].path"),
])
def test_refusals_name_the_key(example: ModuleType, tmp_path: Path,
                               table: dict[str, object], path: str) -> None:
    with pytest.raises(ValueError) as info:
        channels(example, [{"name": "a", "kind": "jsonl_file", "path": "a.jsonl", **table}],
                 tmp_path)
    assert str(info.value).startswith(path + ":")
    assert isinstance(info.value, ChannelConfigError) or "secrets" in str(info.value)
