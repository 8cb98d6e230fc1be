"""Helpers shared by the CLI tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import Result

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
"""The tests' "now": Monday 2026-03-02 09:00 in Shanghai."""

Run = Callable[..., Result]
"""The ``run`` fixture: ``run(*args, user=…, lang=…, input=…, expect=…, config=…)``."""


def db_digest(config: Path) -> str:
    """A digest of the store's content: every stored row, in order (via the export)."""
    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.backup import export_lines

    store = SQLiteStore(config.parent / "propdesk.db")
    try:
        return hashlib.sha256("".join(export_lines(store)).encode()).hexdigest()
    finally:
        store.close()


RECORD = ["record", "--ticket", "A1", "--source", "owner_call", "--mode", "immediate",
          "--content", "厨房水管漏水", "--location", "5-1-1202", "--area", "A",
          "--contact", "李女士", "--phone", "13800138000", "--reply", "师傅十分钟内到",
          "--at", "09:00:40", "--received-at", "09:00:00"]
