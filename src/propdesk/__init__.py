"""propdesk: the front desk of a residential community under 首接负责制.

The names most integrators need are importable from here; they load lazily so
that ``import propdesk`` (and the CLI) start quickly::

    from propdesk import Desk, load_config, commands, MemoryStore

See the README and ``docs/`` for the tour.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Desk": "propdesk.desk",
    "Result": "propdesk.desk",
    "LineResult": "propdesk.desk",
    "load_config": "propdesk.config",
    "parse_config": "propdesk.config",
    "Config": "propdesk.domain.config",
    "DomainError": "propdesk.domain.errors",
    "ConfigError": "propdesk.domain.errors",
    "Ticket": "propdesk.domain.model",
    "WorkOrder": "propdesk.domain.model",
    "Event": "propdesk.domain.events",
    "State": "propdesk.domain.enums",
    "CommandName": "propdesk.domain.enums",
    "MemoryStore": "propdesk.adapters.memory",
    "SQLiteStore": "propdesk.adapters.sqlite",
    "ManualClock": "propdesk.adapters.clock",
    "SystemClock": "propdesk.adapters.clock",
}
_MODULES = {"commands": "propdesk.domain.commands"}

__all__ = [
    "CommandName", "Config", "ConfigError", "Desk", "DomainError", "Event", "LineResult",
    "ManualClock", "MemoryStore", "Result", "SQLiteStore", "State", "SystemClock", "Ticket",
    "WorkOrder", "__version__", "commands", "compiled", "load_config", "parse_config",
    "version_text",
]

if TYPE_CHECKING:  # pragma: no cover
    from propdesk.adapters.clock import ManualClock, SystemClock
    from propdesk.adapters.memory import MemoryStore
    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config, parse_config
    from propdesk.desk import Desk, LineResult, Result
    from propdesk.domain import commands
    from propdesk.domain.config import Config
    from propdesk.domain.enums import CommandName, State
    from propdesk.domain.errors import ConfigError, DomainError
    from propdesk.domain.events import Event
    from propdesk.domain.model import Ticket, WorkOrder


def compiled() -> bool:
    """Whether this install runs the core compiled with mypyc (``PROPDESK_MYPYC=1``
    at install, docs/speed.md) rather than its Python sources."""
    spec = importlib.util.find_spec("propdesk.domain.decide")
    origin = spec.origin if spec is not None else None
    return origin is not None and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def version_text() -> str:
    """What ``propdesk --version`` prints."""
    return f"propdesk {__version__}" + (" (compiled with mypyc)" if compiled() else "")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'propdesk' has no attribute {name!r}")
