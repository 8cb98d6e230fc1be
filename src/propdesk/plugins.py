"""The plugin manager factory and the typed facade over its hooks.

Nothing is loaded when this module is imported: :func:`make_plugin_manager`
builds a manager, registers the built-in plugins through the same hooks as
third-party ones, loads the ``propdesk`` entry-point group and runs
``check_pending()`` so a misspelt hook function is an error, not silence.

Environment:

``PROPDESK_DISABLE_PLUGIN_AUTOLOAD``
    When set to a non-empty value other than ``0``, entry points are not
    loaded (only the built-ins are registered).
``PROPDESK_DISABLED_PLUGINS``
    Comma-separated plugin names to block (entry-point names, or
    ``memory``/``sqlite`` for the built-ins).

Call sites use the functions below (:func:`open_store`, :func:`store_names`,
:func:`renderers` …), never the untyped ``pm.hook``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pluggy

from propdesk import hookspecs
from propdesk.adapters.keys import ConfigKeyError as ConfigKeyError
from propdesk.adapters.keys import PluginError as PluginError
from propdesk.adapters.keys import check_keys as check_keys
from propdesk.channels import Channel
from propdesk.hookspecs import ConfigTable, Renderer, StoreBackend
from propdesk.ports import EventStore, StoredEvent

AUTOLOAD_ENV = "PROPDESK_DISABLE_PLUGIN_AUTOLOAD"
BLOCK_ENV = "PROPDESK_DISABLED_PLUGINS"
BUILTINS = ("memory", "sqlite", "log")
"""Names of the built-in plugins (modules under :mod:`propdesk.adapters`)."""

DEFAULT_BACKEND = "sqlite"



def make_plugin_manager(
    *, autoload: bool | None = None, blocked: Iterable[str] = ()
) -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins and (unless disabled) entry points.

    ``autoload=None`` follows ``PROPDESK_DISABLE_PLUGIN_AUTOLOAD``; ``blocked``
    adds to the names in ``PROPDESK_DISABLED_PLUGINS``.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    names = {n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",") if n.strip()}
    names.update(blocked)
    for name in sorted(names):
        pm.set_blocked(name)
    from propdesk.adapters import log_channel, memory, sqlite

    for name, module in (("memory", memory), ("sqlite", sqlite), ("log", log_channel)):
        if not pm.is_blocked(name):
            pm.register(module, name=name)
    if autoload is None:
        autoload = os.environ.get(AUTOLOAD_ENV, "") in ("", "0")
    if autoload:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    pm.check_pending()
    return pm


@functools.cache
def default_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use (not at import)."""
    return make_plugin_manager()


def _pm(pm: pluggy.PluginManager | None) -> pluggy.PluginManager:
    return default_plugin_manager() if pm is None else pm


_Named = TypeVar("_Named", StoreBackend, Renderer, ConfigTable)


def _by_name(
    what: str, results: Sequence[Sequence[_Named]], owners: Sequence[str]
) -> dict[str, _Named]:
    found: dict[str, _Named] = {}
    owner_of: dict[str, str] = {}
    every = sorted({item.name for items in results for item in items})
    for owner, items in zip(owners, results, strict=True):
        for item in items:
            if item.name in found:
                raise PluginError(
                    f"{what} {item.name!r} is offered twice (by {owner_of[item.name]}"
                    f" and {owner}); installed {what}s: {', '.join(every)}"
                )
            found[item.name] = item
            owner_of[item.name] = owner
    return dict(sorted(found.items()))


def _collect(
    pm: pluggy.PluginManager, hook_name: str, **kwargs: Any
) -> tuple[list[Any], list[str]]:
    """Call a hook on each plugin separately so duplicates can name their owner."""
    results: list[Any] = []
    owners: list[str] = []
    caller = getattr(pm.hook, hook_name)
    for impl in caller.get_hookimpls():  # registration order
        if impl.hookwrapper or impl.wrapper:
            continue
        func = impl.function
        args = {k: v for k, v in kwargs.items() if k in impl.argnames}
        value = func(**args)
        if value is not None:
            results.append(list(value))
            owners.append(impl.plugin_name)
    return results, owners


def store_backends(pm: pluggy.PluginManager | None = None) -> dict[str, StoreBackend]:
    """All storage backends by name; a duplicate name raises :class:`PluginError`."""
    results, owners = _collect(_pm(pm), "propdesk_store_backends")
    return _by_name("storage backend", results, owners)


def store_names(pm: pluggy.PluginManager | None = None) -> list[str]:
    """Names of the installed storage backends, sorted."""
    return list(store_backends(pm))


def open_store(
    storage_table: Mapping[str, Any],
    base_dir: Path,
    pm: pluggy.PluginManager | None = None,
) -> EventStore:
    """Open the store the ``[storage]`` table chooses (``backend``, default ``sqlite``).

    The rest of the table goes to the backend.  An unknown backend raises
    :class:`ConfigKeyError` listing what is installed.
    """
    table = dict(storage_table)
    name = table.pop("backend", DEFAULT_BACKEND)
    backends = store_backends(pm)
    if not isinstance(name, str) or name not in backends:
        raise ConfigKeyError(
            "$.storage.backend",
            f"unknown storage backend {name!r}; installed: {', '.join(backends) or 'none'}",
        )
    return backends[name].open(table, Path(base_dir))


def renderers(pm: pluggy.PluginManager | None = None) -> dict[str, Renderer]:
    """All output formats by name; a duplicate name raises :class:`PluginError`."""
    results, owners = _collect(_pm(pm), "propdesk_renderers")
    return _by_name("renderer", results, owners)


def get_renderer(name: str, pm: pluggy.PluginManager | None = None) -> Renderer:
    """The renderer called ``name``; an unknown one raises listing what is installed."""
    found = renderers(pm)
    if name not in found:
        raise PluginError(f"unknown format {name!r}; installed: {', '.join(found) or 'none'}")
    return found[name]


def config_tables(pm: pluggy.PluginManager | None = None) -> dict[str, ConfigTable]:
    """The configuration tables plugins own, by table name."""
    results, owners = _collect(_pm(pm), "propdesk_config_tables")
    return _by_name("configuration table", results, owners)


def notifier_kinds(pm: pluggy.PluginManager | None = None) -> list[str]:
    """The ``[[notifiers]]`` kinds the installed plugins offer, sorted."""
    results: list[Sequence[str]] = _pm(pm).hook.propdesk_notifier_kinds()
    return sorted({k for group in results for k in group})


def notifiers(config: Mapping[str, Any], pm: pluggy.PluginManager | None = None,
              config_dir: Path = Path(".")) -> list[Channel]:
    """The channel of every ``[[notifiers]]`` table of ``config`` (the whole
    configuration as a mapping), in the tables' order.

    A table whose ``kind`` no plugin serves raises :class:`ConfigKeyError`
    naming the installed kinds; so does a channel named after no table or two
    channels for one table.
    """
    tables = list(config.get("notifiers") or [])
    results: list[Sequence[Channel]] = _pm(pm).hook.propdesk_notifiers(
        config=config, config_dir=config_dir)
    by_name: dict[str, Channel] = {}
    for group in results:
        for made in group:
            if made.name in by_name:
                raise PluginError(f"two channels are named {made.name!r}")
            by_name[made.name] = made
    out: list[Channel] = []
    for table in tables:
        name, kind = table.get("name"), table.get("kind")
        channel = by_name.pop(str(name)) if str(name) in by_name else None
        if channel is None:
            for other in (*out, *by_name.values()):
                other.close()
            kinds = notifier_kinds(pm)
            raise ConfigKeyError(
                f"$.notifiers[name={name}].kind",
                f"no installed plugin offers the kind {kind!r}; installed kinds: "
                f"{', '.join(kinds) or 'none'} (未安装提供该类型的通知插件)")
        out.append(channel)
    if by_name:
        raise PluginError(f"a plugin returned channels for no [[notifiers]] table: "
                          f"{', '.join(sorted(by_name))}")
    return out


def events_committed(
    entries: Sequence[StoredEvent], pm: pluggy.PluginManager | None = None
) -> None:
    """Tell every observer about entries that were just committed."""
    _pm(pm).hook.propdesk_events_committed(entries=list(entries))


# ------------------------------------------------------------ CLI commands (issue 18)


@functools.cache
def _installed_plugins() -> pluggy.PluginManager:
    """The installed (entry-point) plugins alone: the built-ins offer no commands,
    and leaving them out keeps ``propdesk --help`` from importing the stores."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in sorted({n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",")
                        if n.strip()}):
        pm.set_blocked(name)
    if os.environ.get(AUTOLOAD_ENV, "") in ("", "0"):
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    pm.check_pending()
    return pm


def cli_commands(pm: pluggy.PluginManager | None = None) -> dict[str, Any]:
    """The ``click.Command`` objects plugins add to ``propdesk``, by name; a name
    offered twice raises :class:`PluginError`."""
    results, owners = _collect(pm or _installed_plugins(), "propdesk_cli_commands")
    found: dict[str, Any] = {}
    owner_of: dict[str, str] = {}
    for owner, commands in zip(owners, results, strict=True):
        for command in commands:
            name = str(command.name)
            if name in found:
                raise PluginError(f"command {name!r} is offered twice (by {owner_of[name]}"
                                  f" and {owner})")
            found[name] = command
            owner_of[name] = owner
    return dict(sorted(found.items()))
