"""``propdesk import``: restoring an export into the configured store.

The store may not exist yet — restoring a backup into a new SQLite path is
the usual case — so it is created; when the import then fails (a bad line,
a broken hash chain), the database it created is removed again, so a
refused import leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.setupcmds import describe_store
from propdesk.cli.state import App

if TYPE_CHECKING:
    from propdesk.backup import BackupReport

SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def import_into(app: App, lines: Iterable[str]) -> BackupReport:
    """Import ``lines`` (an export) into the configured store, creating it if needed."""
    from propdesk.backup import import_jsonl

    _what, file = describe_store(app.config)
    created = app.overrides.store_factory is None and file is not None and not file.exists()
    new_dirs = [] if file is None else [d for d in file.parents if not d.exists()]
    store = app.store(create=True)
    try:
        head = store.head()
        if head != 0:
            raise CliError(
                ExitCode.CONFLICT,
                f"the store already holds {head} events; import needs an empty store",
                f"目标存储已有 {head} 条事件，只能导入空存储", code="store_not_empty",
                hint_en="import into a new store: point $.storage.path (or the PostgreSQL "
                        "$.storage.schema) of a configuration at a new one; import creates it",
                hint_zh="请导入新的存储：把配置中的 $.storage.path（或 PostgreSQL 的 "
                        "$.storage.schema）改为新的名称，import 会自动创建")
        return import_jsonl(lines, store)
    except BaseException:
        if created and file is not None:
            app.close()
            for suffix in SQLITE_SIDE_FILES:
                Path(f"{file}{suffix}").unlink(missing_ok=True)
            for folder in new_dirs:  # deepest first, as ``parents`` lists them
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
