"""The desk's pages: the live board, a ticket, intake and my work.

Every action is a form that becomes the command the CLI would issue
(:mod:`propdesk_web.forms`) and goes through ``Desk.handle``; a refusal is
shown with the CLI's own words (its code, Chinese or English).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from propdesk.batch import parse_object
from propdesk.cli.app import as_cli_error, localize_times
from propdesk.cli.render import masked_data
from propdesk.cli.verbs import FIELD_HELP
from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError
from propdesk.domain.labels import MODE_LABELS, SATISFACTION_LABELS, SOURCE_LABELS, label
from propdesk.domain.model import Ticket
from propdesk.masking import mask_name, mask_phone, may_reveal, record_reveal
from propdesk_web import queries
from propdesk_web.app import Web
from propdesk_web.forms import FEE_ROWS, fields_of, form_to_raw
from propdesk_web.i18n import text
from propdesk_web.live import events

STATES = ("recorded", "dispatched", "confirmed", "acknowledged", "on_site", "planned",
          "in_progress", "completed", "accepted", "returned", "called_back")
INTERNAL_KEYS = frozenset({"routing", "notices", "cycle", "work_order"})
"""Event payload keys kept out of the history shown on a ticket's page."""
MY_WORK = (CommandName.CONFIRM, CommandName.ACKNOWLEDGE, CommandName.CONTACT_OWNER,
           CommandName.ARRIVE, CommandName.DIAGNOSE, CommandName.PLAN, CommandName.AGREE,
           CommandName.UNABLE, CommandName.COMPLETE, CommandName.ACCEPT, CommandName.REJECT)


def refusal(web: Web, err: Exception, lang: str) -> tuple[str, str | None]:
    """The CLI's message for a refused command, and the field it names (if any)."""
    cli = as_cli_error(err)
    if cli is None:
        raise err
    localize_times(cli, web)
    field = err.params.get("field") if isinstance(err, DomainError) else None
    return cli.message(lang), (str(field).split(".")[0].split("[")[0] if field else None)


# ------------------------------------------------------------------ board


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: str(q.get(k) or "") for k in ("state", "category", "department", "person")}


async def board(request: Request) -> Response:
    web: Web = request.app.state.web
    web.user(request)
    filters = _filters(request)
    ctx = await web.run(lambda: _board_context(web, filters, web.lang(request)))
    return web.page(request, "board.html", filters=filters, states=STATES, **ctx)


async def board_rows(request: Request) -> Response:
    web: Web = request.app.state.web
    web.user(request)
    filters = _filters(request)
    ctx = await web.run(lambda: _board_context(web, filters, web.lang(request)))
    return web.page(request, "board_rows.html", filters=filters, **ctx)


def _category(config: Any, category: str | None, lang: str) -> str:
    for c in config.categories:
        if c.id == category:
            return str(c.name if lang == "zh" else (c.name_en or c.name))
    return category or "-"


def _board_context(web: Web, filters: dict[str, str], lang: str) -> dict[str, Any]:
    """The board's rows, each written once as HTML and kept while its ticket, its
    next deadline and its level stay the same (a board is drawn again for every
    open screen after every commit; most rows have not changed)."""
    at = web.now()
    rows = queries.board(web.desk, web.view, at, **filters)
    cache = web.row_cache
    if len(cache) > 20_000:
        cache.clear()
    words: dict[str, Any] | None = None
    html = []
    for r in rows:
        key = (r.ticket.id, r.ticket.version, r.rule, r.deadline, r.level, lang)
        row = cache.get(key)
        if row is None:
            if words is None:
                words = _board_words(web, lang)
            row = cache[key] = _row_html(r, words, web.config.zone)
        html.append(row)
    counts = {"open": len(rows), "warn": sum(r.level == "warn" for r in rows),
              "breach": sum(r.breached for r in rows)}
    return {"rows_html": Markup("".join(html)), "counts": counts, "at": at,
            "marks": _marks(lang), "warn_at": web.view.rules.warn_at}


def _marks(lang: str) -> dict[str, str]:
    return {"breach": text("mark_breach", lang), "warn": text("mark_warn", lang),
            "ok": text("mark_ok", lang), "none": ""}


def _board_words(web: Web, lang: str) -> dict[str, Any]:
    config = web.config
    return {
        "cats": {c.id: (c.name if lang == "zh" else (c.name_en or c.name))
                 for c in config.categories},
        "people": {p.id: f"{p.name} ({p.id})" for p in config.people},
        "states": {s: web.state_label(s, lang) for s in (*STATES, "closed", "cancelled")},
        "modes": {m: label(MODE_LABELS, m, "zh" if lang == "zh" else "en") for m in MODE_LABELS},
        "marks": _marks(lang),
    }


def _row_html(r: queries.BoardRow, w: dict[str, Any], zone: Any) -> str:
    t = r.ticket
    e = escape
    tid = e(t.id)
    content = t.content if len(t.content) <= 30 else t.content[:29] + "…"
    emergency = t.mode.value == "emergency"
    mode = e(w["modes"][t.mode.value])
    clock = ""
    if r.deadline is not None and r.started is not None:
        clock = (f'<span class="countdown" data-deadline="{int(r.deadline.timestamp() * 1000)}"'
                 f' data-started="{int(r.started.timestamp() * 1000)}">…</span> ')
    nxt = (f"{r.rule} {r.deadline.astimezone(zone).strftime('%H:%M:%S')}"
           if r.deadline else "-")
    return (
        f'<tr id="row-{tid}" class="level-{r.level}{" emergency" if emergency else ""}"'
        f' data-state="{t.state.value}"><td><a href="/t/{tid}">{tid}</a></td>'
        f'<td>{e(w["states"][t.state.value])}</td>'
        f'<td>{e(w["cats"].get(t.category or "", t.category or "-"))}</td>'
        f'<td>{f"<strong>⚡ {mode}</strong>" if emergency else mode}</td>'
        f'<td>{e(w["people"].get(t.assignee or "", t.assignee or "-"))}</td>'
        f'<td>{e(w["people"].get(t.first_receiver, t.first_receiver))}</td>'
        f'<td>{e(nxt)}</td><td class="clock">{clock}'
        f'<span class="mark">{e(w["marks"][r.level])}</span></td><td>{e(content)}</td></tr>\n'
    )


# ------------------------------------------------------------------ ticket


async def ticket_page(request: Request) -> Response:
    web: Web = request.app.state.web
    me = web.user(request)
    tid = request.path_params["tid"]
    return await _ticket_response(request, web, me, tid)


async def _ticket_response(request: Request, web: Web, me: str, tid: str, *,
                           status: int = 200, error: str = "", error_field: str | None = None,
                           failed: str = "", reveal: bool = False, notice: str = "",
                           values: dict[str, Any] | None = None) -> Response:
    lang = web.lang(request)

    def build() -> dict[str, Any] | None:
        try:
            t = queries.ticket(web.desk, tid)
        except DomainError:
            return None
        return _ticket_context(web, t, me, lang, reveal)

    ctx = await web.run(build)
    if ctx is None:
        return web.page(request, "message.html", status=404,
                        message=text("ticket", lang) + f" {tid}: " +
                        ("没有此工单" if lang == "zh" else "no such ticket"))
    return web.page(request, "ticket.html", status=status, error=error,
                    error_field=error_field, failed=failed, notice=notice,
                    values=values or {}, **ctx)


def _ticket_context(web: Web, t: Ticket, me: str, lang: str, reveal: bool) -> dict[str, Any]:
    config = web.config
    history = []
    for e in queries.history(web.desk, t.id):
        data = masked_data(e.data, reveal=reveal)
        details = [_plain(web, k, v, lang) for k, v in data.items()
                   if v not in (None, "", [], {}) and k not in INTERNAL_KEYS]
        history.append({"at": web.local(e.at, seconds=True), "by": web.person_label(e.by),
                        "what": web.command_label(e.kind, lang), "details": details})
    acts = queries.actions(web.desk, t, me)
    return {
        "tk": t, "history": history, "actions": acts,
        "step": queries.next_step(web.desk, t),
        "forms": {c.value: fields_of(c, config) for c in acts},
        "sla": [o for o in queries.sla_outcomes(web.desk, web.view, t, web.now())
                if o["status"] != "na"],
        "contact": t.contact if reveal else mask_name(t.contact),
        "phone": t.phone if reveal else mask_phone(t.phone),
        "revealed": reveal, "may_reveal": may_reveal(config, me, t),
        "mode_label": label(MODE_LABELS, t.mode.value, "zh" if lang == "zh" else "en"),
        "category_label": _category(config, t.category, lang),
        "fee_rows": FEE_ROWS, "fees": config.fees,
    }


_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")


def _local_text(web: Web, value: Any) -> Any:
    """Times of an event's payload in the community's zone (R-32)."""
    if isinstance(value, str):
        return _UTC_TIME.sub(
            lambda m: web.local(datetime.fromisoformat(m.group(0)), seconds=True), value)
    return value


EVENT_KEYS = {"assignee": ("处理人", "assignee"), "department": ("部门", "department"),
              "from": ("原处理人", "from")}
"""Labels of event payload keys that are not command fields."""
PERSON_KEYS = frozenset({"assignee", "to", "first_receiver", "override_by", "from"})


def _plain(web: Web, key: str, value: Any, lang: str) -> tuple[str, str]:
    """One detail of an event in plain words: the field's label and its value
    with people, categories, modes, sources, answers and fee items named."""
    zh = lang == "zh"
    if key in EVENT_KEYS:
        name = EVENT_KEYS[key][0 if zh else 1]
    else:
        name = FIELD_HELP[key][1] if zh and key in FIELD_HELP else key.replace("_", " ")
    if key == "department" and isinstance(value, str):
        dept = web.config.department_by_id.get(value)
        return name, (dept.name if zh or not dept.name_en else dept.name_en) if dept else value
    if key == "category" and isinstance(value, str):
        return name, _category(web.config, value, lang)
    for table_key, table in (("mode", MODE_LABELS), ("source", SOURCE_LABELS),
                             ("satisfaction", SATISFACTION_LABELS)):
        if key == table_key and isinstance(value, str):
            return name, label(table, value, "zh" if zh else "en")
    if key in PERSON_KEYS and isinstance(value, str):
        return name, web.person_label(value)
    if isinstance(value, bool):
        return name, ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                text_ = " ".join(str(item[k]) for k in ("code", "name") if item.get(k))
                qty = f" ×{item['qty']}" if item.get("qty") else ""
                amount = f" = ¥{item['amount']}" if item.get("amount") else ""
                parts.append(text_ + qty + amount)
            else:
                parts.append(web.person_label(item) if isinstance(item, str)
                             and item in web.config.person_by_id else str(item))
        return name, "、".join(parts) if zh else ", ".join(parts)
    return name, str(_local_text(web, value))


async def act(request: Request) -> Response:
    """``POST /t/{tid}/do/{cmd}``: issue the command the form describes."""
    web: Web = request.app.state.web
    me = web.user(request)
    form = await web.form(request)
    tid, name = request.path_params["tid"], request.path_params["cmd"]
    lang = web.lang(request)
    try:
        verb = CommandName(name)
    except ValueError:
        return Response("unknown command", status_code=404)
    back = str(form.get("back") or "")

    def run() -> None:
        raw = form_to_raw(verb, form, web.config)
        raw.update(ticket=tid, by=me, at=web.now().isoformat())
        web.desk.handle(parse_object(raw))

    try:
        await web.run(run)
    except Exception as err:  # refused: the CLI's words, beside the field it names
        message, field = refusal(web, err, lang)
        status = 403 if getattr(as_cli_error(err), "code", "") == "forbidden" else 422
        if back == "/my":
            return await _my_response(request, web, me, status=status, error=message,
                                      failed=f"{tid}:{verb.value}")
        return await _ticket_response(request, web, me, tid, status=status, error=message,
                                      error_field=field, failed=verb.value,
                                      values=dict(form))
    if back == "/my":
        return RedirectResponse("/my", status_code=303)
    return RedirectResponse(f"/t/{tid}", status_code=303)


async def reveal(request: Request) -> Response:
    """``POST /t/{tid}/reveal``: show the owner's phone, recorded as the CLI records it."""
    web: Web = request.app.state.web
    me = web.user(request)
    await web.form(request)
    tid = request.path_params["tid"]
    lang = web.lang(request)

    def run() -> bool:
        t = queries.ticket(web.desk, tid)
        if not may_reveal(web.config, me, t):
            return False
        record_reveal(web.store, me, web.now(), [t.id], "web")
        return True

    if not await web.run(run):
        return await _ticket_response(request, web, me, tid, status=403,
                                      error=text("no_reveal", lang))
    return await _ticket_response(request, web, me, tid, reveal=True,
                                  notice=text("revealed", lang))


# ------------------------------------------------------------------ intake


async def intake(request: Request) -> Response:
    web: Web = request.app.state.web
    web.user(request)
    return _intake_page(request, web, {}, "", None, 200)


def _intake_page(request: Request, web: Web, values: dict[str, Any], error: str,
                 field: str | None, status: int) -> Response:
    received = values.get("received_at") or web.now().isoformat()
    fields = fields_of(CommandName.RECORD, web.config)
    if field not in {f.name for f in fields}:
        field = None  # shown above the form
    return web.page(request, "intake.html", status=status, fields=fields, values=values,
                    error=error, error_field=field, received_at=received,
                    received_ms=int(datetime.fromisoformat(received).timestamp() * 1000))


async def intake_post(request: Request) -> Response:
    web: Web = request.app.state.web
    me = web.user(request)
    form = await web.form(request)
    lang = web.lang(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def run() -> str:
        raw = form_to_raw(CommandName.RECORD, form, web.config)
        received = str(form.get("received_at") or web.now().isoformat())
        raw.update(by=me, received_at=received, at=web.now().isoformat())
        when = datetime.fromisoformat(received)
        for candidate in queries.new_ticket_id(web.desk, when):
            try:
                return web.desk.handle(parse_object({**raw, "ticket": candidate})).ticket.id
            except DomainError as err:
                if err.code != "duplicate_ticket":
                    raise
        raise DomainError("conflict", ticket="(new)")

    try:
        tid = await web.run(run)
    except Exception as err:
        message, field = refusal(web, err, lang)
        return _intake_page(request, web, values, message, field, 422)
    return RedirectResponse(f"/t/{tid}", status_code=303)


async def search(request: Request) -> Response:
    web: Web = request.app.state.web
    web.user(request)
    q = str(request.query_params.get("q") or "")
    hits = await web.run(lambda: queries.search(web.desk, q))
    return web.page(request, "search.html", hits=hits, q=q)


# ------------------------------------------------------------------ my work


async def my_work(request: Request) -> Response:
    web: Web = request.app.state.web
    me = web.user(request)
    return await _my_response(request, web, me)


async def _my_response(request: Request, web: Web, me: str, *, status: int = 200,
                       error: str = "", failed: str = "") -> Response:
    def build() -> list[dict[str, Any]]:
        out = []
        for t in queries.my_work(web.desk, me):
            acts = [c for c in queries.actions(web.desk, t, me) if c in MY_WORK]
            out.append({"tk": t, "actions": acts, "step": queries.next_step(web.desk, t),
                        "forms": {c.value: fields_of(c, web.config) for c in acts},
                        "phone": mask_phone(t.phone), "contact": mask_name(t.contact)})
        return out

    items = await web.run(build)
    return web.page(request, "my.html", status=status, items=items, error=error,
                    failed=failed, fee_rows=FEE_ROWS, fees=web.config.fees)


def routes() -> list[Route]:
    return [
        Route("/board", board),
        Route("/board/rows", board_rows),
        Route("/events", events),
        Route("/t/{tid}", ticket_page),
        Route("/t/{tid}/do/{cmd}", act, methods=["POST"]),
        Route("/t/{tid}/reveal", reveal, methods=["POST"]),
        Route("/intake", intake, methods=["GET"]),
        Route("/intake", intake_post, methods=["POST"]),
        Route("/intake/search", search),
        Route("/my", my_work),
    ]
