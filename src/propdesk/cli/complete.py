"""Shell completion of people, tickets, fee codes and choices (light: no domain import).

Completion runs before any command: it reads the configuration named by
``--config`` (or the usual places) and, for tickets, the store.  Any problem
simply completes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from propdesk.cli.state import App


def _completion_app(ctx: click.Context) -> App | None:
    root = ctx.find_root()
    try:
        return App(config_path=root.params.get("config_path"), user=None, lang=None)
    except Exception:
        return None


def _complete(ctx: click.Context, incomplete: str, values: Callable[[App], list[str]]
              ) -> list[Any]:
    from click.shell_completion import CompletionItem

    app = _completion_app(ctx)
    if app is None:
        return []
    try:
        found = values(app)
    except Exception:
        return []
    finally:
        app.close()
    return [CompletionItem(v) for v in found if v.startswith(incomplete)]


def complete_people(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, lambda app: [p.id for p in app.config.people])


def complete_tickets(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, lambda app: app.store().tickets()[-500:])


def complete_fees(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, lambda app: [f.code for f in app.config.fees])


def _static(values: list[str]) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    def complete(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(v) for v in values if v.startswith(incomplete)]
    return complete


def _complete_categories(ctx: click.Context, _param: click.Parameter,
                         incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, lambda app: [c.id for c in app.config.categories])


COMPLETERS: dict[str, Any] = {
    "source": _static(["owner_call", "property_internal", "desk_internal", "internal_need",
                       "superior", "walk_in", "online"]),
    "mode": _static(["immediate", "appointment", "emergency"]),
    "satisfaction": _static(["satisfied", "basically_satisfied", "dissatisfied"]),
    "channel": _static(["phone", "visit"]),
    "field": _static(["location", "content", "contact", "phone", "area", "asset", "about"]),
    "category": _complete_categories,
    "to": complete_people,
    "first_receiver": complete_people,
    "override_by": complete_people,
}


