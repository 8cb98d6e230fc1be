"""Watcher locks: one ``propdesk watch`` per store sends (issue 17).

:class:`FileWatchLock` is an ``fcntl`` lock on a file beside a SQLite
database: the kernel drops it when its process dies (even by ``kill -9``),
so a waiting watcher takes over.  :class:`ThreadWatchLock` serves stores
that live in one process (the memory store).
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path


class FileWatchLock:
    """An exclusive ``fcntl.flock`` on ``path`` (created when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class ThreadWatchLock:
    """A lock for one process: each object is its own lock, shared by whoever holds it."""

    def __init__(self, lock: threading.Lock | None = None) -> None:
        self._lock = lock or threading.Lock()
        self._held = False

    def acquire(self) -> bool:
        if not self._held:
            self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()
