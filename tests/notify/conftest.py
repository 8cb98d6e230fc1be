"""Fixtures of the notification tests: a real local HTTP receiver whose every
received byte is scanned for the owners' personal data when the test ends,
and a community folder with a ``log`` channel and the test HTTP channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.notify.support import Receiver, make_community, personal_data_in


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()
    leaked = sorted({s for _nid, body in server.received for s in personal_data_in(body)})
    assert not leaked, f"personal data was sent: {leaked}"


@pytest.fixture
def community(tmp_path: Path, receiver: Receiver) -> Iterator[Path]:
    config = make_community(tmp_path / "desk", receiver.url)
    yield config
    log = config.parent / "notices.jsonl"
    if log.exists():
        leaked = personal_data_in(log.read_bytes())
        assert not leaked, f"personal data was written to the log channel: {leaked}"
