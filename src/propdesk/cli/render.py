"""Shapes and tables: tickets as the JSON shape of docs/json-output.md and as rich tables.

Personal data (contact, phone, the acceptance signer, amended personal
fields) is masked here unless the caller says the acting person revealed it.
Times are shown in the community's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from propdesk.domain.labels import (
    COMMAND_LABELS,
    MODE_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    label,
)
from propdesk.history import PERSONAL_DATA_KEYS as PERSONAL_DATA_KEYS
from propdesk.history import category_label as category_label
from propdesk.history import mask_value as mask_value
from propdesk.history import masked_data as masked_data
from propdesk.history import person_label as person_label
from propdesk.masking import mask_name, mask_phone

if TYPE_CHECKING:
    from rich.table import Table

    from propdesk.cli.state import App
    from propdesk.domain.config import Config
    from propdesk.domain.enums import CommandName
    from propdesk.domain.events import Event
    from propdesk.domain.model import Ticket, WorkOrder


def local_iso(dt: datetime | None, config: Config) -> str | None:
    """ISO 8601 in the community's zone (with its offset), or ``None``."""
    return None if dt is None else dt.astimezone(config.zone).isoformat()


def short_time(dt: datetime | None, config: Config, *, with_date: bool = True) -> str:
    """``03-02 09:05`` (or ``09:05:30``) in the community's zone; ``-`` for none."""
    if dt is None:
        return "-"
    local = dt.astimezone(config.zone)
    return local.strftime("%m-%d %H:%M") if with_date else local.strftime("%H:%M:%S")


def work_order_dict(wo: WorkOrder, config: Config, *, reveal: bool) -> dict[str, Any]:
    """One work order of the ticket shape (docs/json-output.md)."""
    return {
        "number": wo.number,
        "cycle": wo.cycle,
        "assignee": wo.assignee,
        "department": wo.department,
        "mode": wo.mode.value,
        "appointment_at": local_iso(wo.appointment_at, config),
        "dispatched_at": local_iso(wo.dispatched_at, config),
        "confirmed_at": local_iso(wo.confirmed_at, config),
        "acknowledged_at": local_iso(wo.acknowledged_at, config),
        "contacted_at": local_iso(wo.contacted_at, config),
        "arrived_at": local_iso(wo.arrived_at, config),
        "diagnosed_at": local_iso(wo.diagnosed_at, config),
        "diagnosis": wo.diagnosis,
        "planned_at": local_iso(wo.planned_at, config),
        "fees": [{"code": f.code, "name": f.name, "qty": str(f.qty),
                  "unit_price": str(f.unit_price), "amount": str(f.amount)} for f in wo.fees],
        "agreed_at": local_iso(wo.agreed_at, config),
        "completed_at": local_iso(wo.completed_at, config),
        "workers": list(wo.workers),
        "materials": [{"name": m.name, "qty": str(m.qty)} for m in wo.materials],
        "charge": None if wo.charge is None else str(wo.charge),
        "charge_differs": wo.charge_differs,
        "charge_reason": wo.charge_reason,
        "accepted_at": local_iso(wo.accepted_at, config),
        "rejected_at": local_iso(wo.rejected_at, config),
        "signer": wo.signer if reveal else mask_name(wo.signer),
        "owner_copy": wo.owner_copy,
        "returned_at": local_iso(wo.returned_at, config),
        "transferred_to": wo.transferred_to,
        "unable": [{"at": local_iso(u.at, config), "reason": u.reason} for u in wo.unable],
    }


def ticket_dict(ticket: Ticket, events: Sequence[Event] | None, config: Config, *,
                reveal: bool = False, allowed: Iterable[str] = ()) -> dict[str, Any]:
    """The ticket shape of docs/json-output.md (more keys); ``history`` only with ``events``."""
    out: dict[str, Any] = {
        "id": ticket.id,
        "state": ticket.state.value,
        "category": ticket.category,
        "mode": ticket.mode.value,
        "first_receiver": ticket.first_receiver,
        "source": ticket.source.value,
        "received_at": local_iso(ticket.received_at, config),
        "recorded_at": local_iso(ticket.recorded_at, config),
        "originated_at": local_iso(ticket.originated_at, config),
        "rework_count": ticket.rework_count,
        "escalation_level": ticket.escalation_level,
        "incomplete": bool(ticket.incomplete),
        "missing": list(ticket.incomplete),
        "content": ticket.content,
        "location": ticket.location,
        "area": ticket.area,
        "contact": ticket.contact if reveal else mask_name(ticket.contact),
        "phone": ticket.phone if reveal else mask_phone(ticket.phone),
        "appointment_at": local_iso(ticket.appointment_at, config),
        "assignee": ticket.assignee,
        "closed_at": local_iso(ticket.closed_at, config),
        "charge_differs": ticket.charge_differs,
        "charge_disputed": ticket.charge_disputed,
        "desk_charges": [{"at": local_iso(d.at, config), "charge": str(d.charge),
                          "charge_reason": d.reason} for d in ticket.desk_charges],
        "work_orders": [work_order_dict(w, config, reveal=reveal) for w in ticket.work_orders],
        "callbacks": [{"at": local_iso(cb.at, config), "by": cb.by, "fixed": cb.fixed,
                       "satisfaction": cb.satisfaction, "charge_ok": cb.charge_ok,
                       "channel": cb.channel, "outcome": cb.outcome} for cb in ticket.callbacks],
    }
    allowed = list(allowed)
    if allowed:
        out["allowed"] = allowed
    if events is not None:
        out["history"] = [
            {"at": local_iso(e.at, config), "event": e.kind, "by": e.by,
             **masked_data(e.data, reveal=reveal)}
            for e in events
        ]
    return out


# ------------------------------------------------------------------ charges

CHARGE_MARK = "¥≠"
"""The board's mark of a ticket charged other than its agreed plan (R-62)."""


def charge_text(wo: WorkOrder, lang: str) -> str:
    """``¥999.00 ≠ 方案 ¥25.50`` (flagged, R-62), ``¥25.50`` or ``-``."""
    if wo.charge is None:
        return "-"
    if not wo.charge_differs:
        return f"¥{wo.charge}"
    return f"¥{wo.charge} ≠ {'方案' if lang == 'zh' else 'plan'} ¥{wo.fee_total}"


def charge_flags(ticket: Ticket, lang: str) -> list[str]:
    """One line per work order charged other than its agreed plan, with the reason."""
    zh = lang == "zh"
    why = "，原因：" if zh else "; reason: "
    out = [f"{'处理单' if zh else 'work order'} {wo.number}: {charge_text(wo, lang)}"
           f"{why}{wo.charge_reason or '-'}" for wo in ticket.work_orders if wo.charge_differs]
    out += [f"{'前台处理' if zh else 'desk resolution'}: ¥{d.charge} ≠ "
            f"{'方案' if zh else 'plan'} ¥0.00{why}{d.reason or '-'}"
            for d in ticket.desk_charges if d.charge]
    return out


# ------------------------------------------------------------------ labels


def state_label(state: str, lang: str) -> str:
    return label(STATE_LABELS, state, "zh" if lang == "zh" else "en")


def command_label(kind: str, lang: str) -> str:
    return label(COMMAND_LABELS, kind, "zh" if lang == "zh" else "en")


def mode_label(mode: str, lang: str) -> str:
    return label(MODE_LABELS, mode, "zh" if lang == "zh" else "en")


def source_label(source: str, lang: str) -> str:
    return label(SOURCE_LABELS, source, "zh" if lang == "zh" else "en")


STATE_STYLE = {
    "recorded": "yellow", "dispatched": "cyan", "confirmed": "cyan", "acknowledged": "cyan",
    "on_site": "blue", "planned": "blue", "in_progress": "blue", "completed": "magenta",
    "accepted": "magenta", "returned": "magenta", "called_back": "green", "closed": "dim",
    "cancelled": "dim",
}


def clip(text: str | None, width: int) -> str:
    """``text`` cut to ``width`` terminal cells (Chinese counts double) with an ellipsis."""
    if not text:
        return "-"
    from rich.cells import cell_len

    one_line = " ".join(text.split())
    if cell_len(one_line) <= width:
        return one_line
    out = ""
    for ch in one_line:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def tickets_table(app: App, tickets: Sequence[Ticket], *, reveal: bool = False) -> Table:
    """The ``list`` table: one row per ticket."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    config, lang = app.config, app.lang
    t = app.t
    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    fixed = (t("工单", "ticket"), t("状态", "state"), t("分类", "category"),
             t("方式", "mode"), t("受理", "received"), t("首接人", "first receiver"),
             t("处理人", "assignee"))
    for head in fixed:
        table.add_column(head, no_wrap=True, min_width=cell_len(head))
    for head in (t("地点", "location"), t("联系人", "contact"), t("内容", "content")):
        table.add_column(head, no_wrap=True, overflow="ellipsis")
    for tk in tickets:
        contact = tk.contact if reveal else mask_name(tk.contact)
        phone = tk.phone if reveal else mask_phone(tk.phone)
        table.add_row(
            Text(tk.id),
            Text(state_label(tk.state.value, lang), style=STATE_STYLE.get(tk.state.value, "")),
            Text(category_label(config, tk.category, lang)),
            Text(mode_label(tk.mode.value, lang),
                 style="bold red" if tk.mode.value == "emergency" else ""),
            Text(short_time(tk.received_at, config)),
            Text(tk.first_receiver),
            Text(tk.assignee or "-"),
            Text(clip(tk.location, 12)),
            Text(clip(" ".join(x for x in (contact, phone) if x), 18)),
            Text(clip(tk.content, 24)),
        )
    return table


# ------------------------------------------------------------------ the next step


def step_command(ticket: Ticket, step: CommandName, actor: str | None) -> str:
    """The CLI command that takes ``step`` on ``ticket``, with its required
    options (``…`` where the operator fills in a value)."""
    from propdesk.domain.enums import CommandName as C
    from propdesk.domain.model import current_work_order

    parts = ["propdesk"]
    if actor:
        parts += ["--as", actor]
    parts += [step.value.replace("_", "-"), ticket.id]
    wo = current_work_order(ticket)
    options: dict[CommandName, list[str]] = {
        C.CLASSIFY: ["--category …"],
        C.DISPATCH: [] if ticket.category else ["--category …"],
        C.DIAGNOSE: ["--diagnosis …"],
        C.AGREE: ["--schedule-shown"] if wo is not None and wo.fees else [],
        C.UNABLE: ["--reason …"],
        C.ACCEPT: ["--signer …"],
        C.REJECT: ["--signer …"],
        C.CALLBACK: ["--fixed", "--satisfaction …"] + (
            ["--charge-ok"] if any(w.charge is not None for w in ticket.work_orders) else []),
        C.REPLY: ["--text …"],
        C.ESCALATE: [f"--level {max(ticket.escalation_level, 1)}", "--reason …"],
        C.TRANSFER: ["--to …", "--reason …"],
        C.FOLLOW_UP: ["--note …"],
        C.CANCEL: ["--reason …", "--confirmed-by-source"],
    }
    return " ".join(parts + options.get(step, []))
