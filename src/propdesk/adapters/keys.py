"""The configuration-key check the stores and channels share.

It lives with the adapters (which use it) rather than in :mod:`propdesk.plugins`
(which loads the adapters), so neither imports the other for it.
:mod:`propdesk.plugins` re-exports all three names for plugins outside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class PluginError(Exception):
    """A plugin problem: an unknown or duplicate name, a bad plugin table."""

    code = "plugin"


class ConfigKeyError(PluginError, ValueError):
    """A configuration value a plugin refuses; ``path`` is like ``$.storage.path``."""

    code = "config"

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str = "$.storage") -> None:
    """Refuse keys of ``table`` outside ``allowed``, naming the first as ``where.key``."""
    allowed_set = set(allowed)
    for key in table:
        if key not in allowed_set:
            raise ConfigKeyError(
                f"{where}.{key}",
                f"unknown key; allowed here: {', '.join(sorted(allowed_set)) or 'none'}",
            )
