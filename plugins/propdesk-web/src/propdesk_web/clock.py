"""The web desk's clock: the system clock, or a manual one for tests and demos.

``PROPDESK_CLOCK_FILE`` names a file holding one ISO 8601 time with an
offset; when it is set, "now" is read from that file on every call, so a test
can move the server's time while it runs (the board turning red when the
clock passes a deadline).  Unset, the machine's clock is used.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from propdesk.adapters.clock import SystemClock
from propdesk.ports import Clock

CLOCK_ENV = "PROPDESK_CLOCK_FILE"


class FileClock:
    """A manual clock whose time is the content of a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        when = datetime.fromisoformat(self.path.read_text("utf-8").strip())
        if when.tzinfo is None:
            raise ValueError(f"{self.path}: the time needs an offset")
        return when


def clock_from_env() -> Clock:
    """A :class:`FileClock` when ``PROPDESK_CLOCK_FILE`` is set, else the system clock."""
    name = os.environ.get(CLOCK_ENV, "").strip()
    return FileClock(Path(name)) if name else SystemClock()
