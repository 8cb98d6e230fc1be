"""The plugin's hooks: the ``serve`` and ``passwd`` commands.

Kept light: only click is imported here; the web application is imported
when a command runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from propdesk.hookspecs import hookimpl


@hookimpl
def propdesk_cli_commands() -> Sequence[Any]:
    """``propdesk serve`` and ``propdesk passwd``."""
    from propdesk_web.cli import passwd, serve

    return [serve, passwd]
