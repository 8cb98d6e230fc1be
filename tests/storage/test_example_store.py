"""The plugin guide's example store passes the shipped contract unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from examples.custom_store import JsonlStore, propdesk_store_backends

from propdesk.plugins import make_plugin_manager, open_store, store_names
from propdesk.testing.contract import EventStoreContract, StoreFactory, make_events


class TestJsonlStore(EventStoreContract):
    @pytest.fixture
    def store_factory(self, tmp_path: Path) -> StoreFactory:
        return lambda name="main": JsonlStore(tmp_path / f"{name}.jsonl")


def test_it_registers_by_name(tmp_path: Path) -> None:
    import examples.custom_store as plugin

    pm = make_plugin_manager(autoload=False)
    pm.register(plugin, name="jsonl")
    assert "jsonl" in store_names(pm)
    store = open_store({"backend": "jsonl", "path": "log.jsonl"}, tmp_path, pm)
    store.append("T-1", 0, make_events("T-1", 0, 2))
    store.close()
    assert len((tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    assert propdesk_store_backends()[0].keys == ("path",)


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    store = JsonlStore(tmp_path / "log.jsonl")
    store.append("T-1", 0, make_events("T-1", 0, 1))
    store.close()
    with open(tmp_path / "log.jsonl", "ab") as f:
        f.write(b'{"type": "event", "seq": 2')
    reopened = JsonlStore(tmp_path / "log.jsonl")
    assert reopened.head() == 1
    assert reopened.audit().ok
    reopened.append("T-1", 1, make_events("T-1", 1, 1))
    reopened.close()
    again = JsonlStore(tmp_path / "log.jsonl")
    assert [e.version for e in again.load("T-1")] == [1, 2]
    assert again.audit().ok
    again.close()
