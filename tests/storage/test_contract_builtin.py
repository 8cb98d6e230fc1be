"""The shipped store contract, run unchanged against the built-in stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.ports import EventStore
from propdesk.testing.contract import CredentialStoreContract, EventStoreContract


class TestMemoryStore(EventStoreContract, CredentialStoreContract):
    @pytest.fixture
    def store_factory(self) -> Callable[..., EventStore]:
        stores: dict[str, MemoryStore] = {}

        def factory(name: str = "main") -> EventStore:
            return stores.setdefault(name, MemoryStore())

        return factory


class TestSQLiteStore(EventStoreContract, CredentialStoreContract):
    @pytest.fixture
    def store_factory(self, tmp_path: Path) -> Callable[..., EventStore]:
        def factory(name: str = "main") -> EventStore:
            return SQLiteStore(tmp_path / f"{name}.db")

        return factory
