"""A complete notifier plugin: the ``jsonl_file`` channel appends each notice to a file.

This is the example of docs/writing-a-notifier.md.  A notifier plugin
implements the ``propdesk_notifiers(config, config_dir)`` hook and returns
one channel (:class:`propdesk.channels.Channel`) for each ``[[notifiers]]``
table of its ``kind``::

    [[notifiers]]
    name = "archive"
    kind = "jsonl_file"
    path = "notices.jsonl"      # relative to the configuration file's folder

The channel answers one result per message (``None`` = delivered) and never
raises for a failed delivery; it skips a message whose id it already wrote,
so a retry after a crash does not write it twice.

Installed, a plugin announces itself in its ``pyproject.toml``::

    [project.entry-points.propdesk]
    jsonl_file = "my_package.plugin"

Run as a script, it registers itself by hand, builds the channels of a small
configuration and sends two notices (one of them twice).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from propdesk.channel_kit import ChannelConfigError, check_table, tables_of_kind
from propdesk.channels import Channel, DeliveryError, Message, Recipient
from propdesk.hookspecs import hookimpl
from propdesk.plugins import make_plugin_manager, notifiers

KIND = "jsonl_file"


class JsonlFileChannel:
    """Appends each message's payload as one JSON line; a message id is written once."""

    kind = KIND

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path

    def _written(self) -> set[str]:
        if not self.path.exists():
            return set()
        with self.path.open(encoding="utf-8") as f:
            return {json.loads(line)["id"] for line in f if line.strip()}

    def send(self, messages: Sequence[Message]) -> list[DeliveryError | None]:
        try:
            seen = self._written()
            with self.path.open("a", encoding="utf-8") as f:
                for message in messages:
                    if message.id not in seen:
                        f.write(json.dumps(message.payload(), ensure_ascii=False) + "\n")
                        seen.add(message.id)
        except OSError as exc:  # a full disk, a missing folder: retried later
            return [DeliveryError(f"cannot write {self.path}: {exc.strerror}")] * len(messages)
        return [None] * len(messages)

    def close(self) -> None:
        """Nothing stays open between sends."""


def channel_from_table(table: Mapping[str, Any], config_dir: Path) -> JsonlFileChannel:
    """Check the table (unknown keys and inline secrets are refused, naming the key)."""
    checked = check_table(table, keys=("path",), required=("path",), config_dir=config_dir)
    path = checked["path"]
    if not isinstance(path, str) or not path:
        raise ChannelConfigError(f"$.notifiers[name={checked['name']}].path",
                                 "a file path is required (应为文件路径)")
    return JsonlFileChannel(checked["name"], config_dir / path)


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[JsonlFileChannel]:
    """One channel per ``[[notifiers]]`` table of kind ``jsonl_file``."""
    return [channel_from_table(t, config_dir) for t in tables_of_kind(config, KIND)]


def notice(n: int, kind: str) -> Message:
    """A notice as propdesk's core makes one (ids, states, the location, a masked phone)."""
    return Message(
        id=f"A{n}:S-5:1:{kind}", type=kind, ticket=f"A{n}",
        at=datetime(2026, 3, 2, 1, 4, tzinfo=UTC),
        title=f"A{n} S-5 " + ("已超时 / overdue" if kind == "sla.breach"
                              else "即将超时 / due soon"),
        text="位置 5-1-1202；业主电话 138****0000",
        recipients=(Recipient("eng-zhao", "赵师傅", "responsible", mobile="13912340001"),),
        rule="S-5", cycle=1, location="5-1-1202")


def main() -> None:
    pm = make_plugin_manager(autoload=False)
    pm.register(sys.modules[__name__], name="jsonl-file-example")
    folder = Path(tempfile.mkdtemp())
    config = {"notifiers": [{"name": "archive", "kind": KIND, "path": "notices.jsonl"}]}
    (channel,) = notifiers(config, pm, folder)
    assert isinstance(channel, Channel)
    first, second = notice(1, "sla.warning"), notice(2, "sla.breach")
    print("results:", channel.send([first, second]))
    print("a retry of the first:", channel.send([first]))
    lines = (folder / "notices.jsonl").read_text(encoding="utf-8").splitlines()
    print(f"{len(lines)} lines in notices.jsonl:")
    for line in lines:
        body = json.loads(line)
        print(" ", body["type"], body["ticket"], body["title"])
    try:
        notifiers({"notifiers": [{"name": "bad", "kind": KIND, "path": "x", "colour": 1}]},
                  pm, folder)
    except ChannelConfigError as exc:
        print("refused:", exc)


if __name__ == "__main__":
    main()


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The ``[[notifiers]]`` kind this plugin offers."""
    return [KIND]
