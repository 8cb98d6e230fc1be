"""The hooks propdesk calls on its plugins (pluggy project name ``propdesk``).

A plugin is a module or object with functions marked ``@hookimpl`` and named
after the hooks below; installed distributions announce it in the
``propdesk`` entry-point group::

    [project.entry-points.propdesk]
    mystore = "mystore.plugin"

Rules every hook here follows: the name starts with ``propdesk_``, it is
called by keyword, and it only ever gains arguments (a hook implementation
may accept fewer than the spec offers).  The built-in memory and SQLite
stores are registered through these same hooks.

Things a user *chooses* (a store, a renderer) are returned as descriptors
with a ``name`` and picked by that name; a name offered twice is an error.
Things that *fan out* (notifiers, observers of committed events) are all
called.  Call sites use the typed facade in :mod:`propdesk.plugins`, never
``pm.hook`` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pluggy

from propdesk.channels import Channel
from propdesk.ports import EventStore, StoredEvent

PROJECT = "propdesk"
"""The pluggy project name and the entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@attrs.frozen
class StoreBackend:
    """A storage backend a plugin offers, chosen by ``[storage] backend = name``.

    ``open`` receives the ``[storage]`` table without its ``backend`` key and
    the configuration file's folder (relative paths are relative to it); it
    must refuse unknown keys, naming them as ``$.storage.<key>``, and raise
    :class:`~propdesk.ports.StoreUnavailable` when the store cannot be reached.
    """

    name: str
    open: Callable[[Mapping[str, Any], Path], EventStore]
    description: str = ""
    keys: tuple[str, ...] = ()
    """The ``[storage]`` keys the backend understands (for docs and errors)."""


@attrs.frozen
class Renderer:
    """An output format, chosen by name (``--format name``).

    ``render(kind, payload)`` turns a report of the given kind (``"ticket"``,
    ``"kpi"`` …, a JSON-native ``payload``) into text; ``media_type`` is the
    format's MIME type (``text/csv`` …).
    """

    name: str
    render: Callable[[str, Any], str]
    media_type: str = "text/plain"
    description: str = ""


@attrs.frozen
class ConfigTable:
    """A top-level configuration table a plugin owns (``[webhook]`` …).

    ``check(table)`` raises ``ValueError`` whose message names the bad key
    as ``$.<name>.<key>``; the configuration loader calls it for the table
    when present, so unknown tables stay an error.
    """

    name: str
    check: Callable[[Mapping[str, Any]], None]
    description: str = ""


@hookspec
def propdesk_store_backends() -> Sequence[StoreBackend]:  # type: ignore[empty-body]
    """Offer storage backends.

    Return a list of :class:`StoreBackend`; each ``name`` must be unique
    across all installed plugins (``memory`` and ``sqlite`` are built in).
    Called once per :func:`propdesk.plugins.store_backends` lookup; opening
    a store happens only when it is chosen, so this hook must be cheap and
    must not connect to anything.
    """


@hookspec
def propdesk_notifiers(  # type: ignore[empty-body]
    config: Mapping[str, Any], config_dir: Path
) -> Sequence[Channel]:
    """Offer notification channels, which deliver notices from the outbox (fan-out).

    ``config`` is the whole configuration as a mapping; ``config_dir`` the
    configuration file's folder (relative paths are relative to it).  A plugin
    returns one notification channel (:class:`propdesk.channels.Channel`) for
    each ``[[notifiers]]`` table whose ``kind`` it offers, refusing unknown
    keys and inline secrets with the key's path
    (``$.notifiers[name=ops].url``), and an empty list when none is configured.
    """


@hookspec
def propdesk_notifier_kinds() -> Sequence[str]:  # type: ignore[empty-body]
    """Name the ``[[notifiers]]`` kinds a plugin offers (``webhook``, ``log`` …).

    Used to name what is installed when a table asks for a kind nobody
    offers, and by ``propdesk plugins``.  Must be cheap.
    """


@hookspec
def propdesk_renderers() -> Sequence[Renderer]:  # type: ignore[empty-body]
    """Offer output formats, each a :class:`Renderer` with a unique name."""


@hookspec
def propdesk_config_tables() -> Sequence[ConfigTable]:  # type: ignore[empty-body]
    """Declare the top-level configuration tables a plugin owns.

    Return a list of :class:`ConfigTable`; a table name offered twice, or
    equal to one of propdesk's own tables, is an error.
    """


@hookspec
def propdesk_events_committed(entries: Sequence[StoredEvent]) -> None:
    """Observe events right after they were committed (fan-out).

    Called with the stored entries of one successful append; never called
    for a refused or conflicting command.  An observer must not raise for
    ordinary failures (log them instead): the events are already stored.
    """


# ------------------------------------------------------------ CLI commands (issue 18)


@hookspec
def propdesk_cli_commands() -> Sequence[Any]:  # type: ignore[empty-body]
    """Offer commands for the ``propdesk`` command line (``serve``, ``passwd`` …).

    Return a list of ``click.Command`` objects; each is added to the root
    group under its own name.  A name already taken by a built-in command or
    offered by two plugins is an error.  The hook is asked only when the CLI
    looks up a command name it does not know itself, or lists its commands
    for ``--help``, so it must be cheap: build the commands, import nothing
    heavy (import inside the commands' callbacks).
    """


# ------------------------------------------------------------ end of CLI commands
