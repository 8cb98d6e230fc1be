"""The ``propdesk`` command line (and ``python -m propdesk``).

Command modules are registered lazily from :data:`COMMANDS`
(:mod:`propdesk.cli.registry`): ``propdesk --help`` lists them from that
table without importing any of them, and a command's module is imported
only when that command runs.  Adding a command module is one line there.

``propdesk --version`` is answered before click is even imported, so it
starts about as fast as Python itself (see ``bench/bench_startup.py``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

# The table lives in a module of its own so that the modules reading it
# (app, docs) need not import this package's lazy entry points.
from propdesk.cli.registry import COMMANDS as COMMANDS
from propdesk.cli.registry import SECTIONS as SECTIONS

if TYPE_CHECKING:
    import click


def main(argv: list[str] | None = None) -> Any:
    """The console script: ``propdesk [OPTIONS] COMMAND …``."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from propdesk import version_text

        sys.stdout.write(version_text() + "\n")
        return 0
    from propdesk.cli.app import cli

    return cli.main(args=args, prog_name="propdesk")


def __getattr__(name: str) -> click.Group:
    if name == "cli":
        from propdesk.cli.app import cli

        return cli
    raise AttributeError(name)
