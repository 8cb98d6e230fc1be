"""The built-in ``log`` notification channel: one JSON line per message.

For a desk without any chat tool, or as a record beside the others::

    [[notifiers]]
    name = "duty-log"
    kind = "log"
    path = "notices.jsonl"   # relative to the configuration's folder; stderr without it

Each line is :meth:`propdesk.channels.Message.payload` as JSON, appended and
flushed (``fsync``) before the message counts as delivered.  Registered by
the built-in plugin ``log`` through the ``propdesk_notifiers`` hook, like any
other channel.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from propdesk.channels import DeliveryError, Message, refuse_inline_secrets
from propdesk.hookspecs import hookimpl

KIND = "log"
KEYS = ("name", "kind", "path")


class LogChannel:
    """Appends one JSON line per message to a file (or writes it to stderr)."""

    kind = KIND
    batch_size = 1

    def __init__(self, name: str, path: Path | None) -> None:
        self.name = name
        self.path = path

    def send(self, messages: Sequence[Message]) -> Sequence[DeliveryError | None]:
        text = "".join(json.dumps(m.payload(), ensure_ascii=False, sort_keys=True) + "\n"
                       for m in messages)
        try:
            if self.path is None:
                sys.stderr.write(text)
                sys.stderr.flush()
            else:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as exc:
            return [DeliveryError(f"cannot write {self.path}: {exc.strerror}")] * len(messages)
        return [None] * len(messages)

    def close(self) -> None:
        """Nothing is held open between calls."""


def log_channels(config: Mapping[str, Any], config_dir: Path) -> list[LogChannel]:
    """A :class:`LogChannel` for each ``[[notifiers]]`` table of kind ``log``."""
    from propdesk.adapters.keys import check_keys

    out = []
    for table in config.get("notifiers") or []:
        if table.get("kind") != KIND:
            continue
        where = f"$.notifiers[name={table.get('name')}]"
        refuse_inline_secrets(table, path=where)
        check_keys(table, KEYS, where=where)
        path = table.get("path")
        if path is not None and (not isinstance(path, str) or not path):
            from propdesk.adapters.keys import ConfigKeyError

            raise ConfigKeyError(f"{where}.path", "expected a file name")
        out.append(LogChannel(str(table["name"]),
                              None if path is None else Path(config_dir) / Path(path).expanduser()))
    return out


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[LogChannel]:
    """The built-in ``log`` channels of this configuration."""
    return log_channels(config, config_dir)


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The built-in plugin offers the ``log`` kind."""
    return [KIND]
