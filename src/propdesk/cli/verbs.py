"""One command per verb of the lifecycle (docs/lifecycle.md), generated from the
command classes.

The options are the batch-line keys (docs/batch-format.md) of each
:mod:`propdesk.domain.commands` class (``appointment_at`` →
``--appointment-at``), so the CLI, batch files and the library share one
vocabulary.  The values are gathered into the same
dictionary a batch line holds and structured by the same strict converter
(:func:`propdesk.batch.parse_object`), so the CLI accepts exactly what a
batch file accepts.

Times default to now; ``--at`` (and ``--received-at`` …) take late entries:
``-5m``, ``09:05``, ``2026-03-02 09:05`` or ISO 8601 (see ``propdesk
record --help``).  ``record`` prints the new ticket's id on stdout.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import click

from propdesk.cli import COMMANDS
from propdesk.cli.complete import COMPLETERS, complete_fees, complete_people, complete_tickets
from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import TIME_FORMS, App
from propdesk.domain.commands import COMMAND_TYPES, Command, FeeItem, MaterialItem, Money
from propdesk.domain.enums import CommandName, State

COMMON = ("ticket", "by", "at", "command_id")

# field -> (English help, Chinese help)
FIELD_HELP: dict[str, tuple[str, str]] = {
    "received_at": ("when the desk received it [default: --at]", "前台接收时间"),
    "source": ("source point: owner_call, property_internal, desk_internal, internal_need, "
               "superior, walk_in, online", "信息源点"),
    "content": ("what the source says", "内容"),
    "mode": ("service mode: immediate, appointment, emergency", "服务方式"),
    "location": ("where (e.g. 5-1-1202)", "地点"),
    "contact": ("contact person", "联系人"),
    "phone": ("contact phone", "联系方式"),
    "appointment_at": ("the agreed appointment time", "预约时间"),
    "category": ("category: complaint, help, inquiry, engineering, security, fire, cleaning "
                 "(as configured)", "分类"),
    "first_receiver": ("who first received it [default: the acting person]", "首接负责人"),
    "originated_at": ("when the first receiver got it [default: --received-at]",
                      "首接人接收时间"),
    "event_at": ("when the event itself happened", "事件发生时间"),
    "reply": ("the immediate reply given to the source (S-2)", "即时答复"),
    "area": ("area of the community (routing)", "区域"),
    "asset": ("asset id (K-9)", "设施设备编号"),
    "about": ("department or person a complaint is about", "投诉对象"),
    "major_incident": ("a major security incident (K-13)", "重大治安案件"),
    "to": ("the assignee (a person id); routing chooses when absent", "处理人"),
    "diagnosis": ("the diagnosis", "诊断结果"),
    "reason": ("the reason", "原因"),
    "fees": ("a fee item CODE[:QTY] from the fee schedule (repeatable); off the schedule: "
             "CODE:QTY:NAME:PRICE with --override-by", "收费项目"),
    "note": ("a note", "备注"),
    "override_by": ("supervisor who approved an item off the fee schedule", "批准主管"),
    "schedule_shown": ("the fee schedule was shown and the charge explained (R-61)",
                       "已出示收费标准"),
    "workers": ("who did the work (repeatable) [default: the assignee]", "处理人"),
    "materials": ("material used NAME[:QTY] (repeatable)", "耗费材料"),
    "charge": ("amount charged, e.g. 30.00", "收费金额"),
    "charge_reason": ("why the charge is not the agreed plan's fee total (required then, R-62)",
                      "收费与约定方案不符的原因"),
    "signer": ("who signed the acceptance", "验收签名"),
    "opinion": ("the source's opinion", "验收意见"),
    "owner_copy": ("the owner's copy (业主联) was handed over", "业主联已交业主"),
    "fixed": ("the problem is fixed", "是否修复"),
    "satisfaction": ("satisfied, basically_satisfied or dissatisfied", "满意度"),
    "charge_ok": ("the source accepts the charge (--no-charge-ok: disputed, R-41); required "
                  "when the source was charged, left out when not charged (R-62)",
                  "收费是否无误"),
    "channel": ("phone or visit", "回访方式"),
    "close": ("also close the ticket when the callback passes", "回访合格后关闭"),
    "text": ("the reply", "答复内容"),
    "answers": ("the reply answers the request (S-9)", "已答复请求"),
    "level": ("1 department supervisor, 2 managers' meeting", "上报级别"),
    "field": ("the field to correct: location, content, contact, phone, area, asset, about",
              "更正字段"),
    "value": ("the corrected value", "更正后的值"),
    "confirmed_by_source": ("the source confirmed the cancellation", "来源方已确认"),
}

NEGATIVE_FLAG = {"fixed": "--not-fixed"}


def cli_name(name: CommandName) -> str:
    """``contact_owner`` → ``contact-owner``."""
    return name.value.replace("_", "-")


def short_help(cli: str) -> str:
    for _section, name, _target, text in COMMANDS:
        if name == cli:
            return text
    raise KeyError(cli)


def command(name: str) -> click.Command:
    """The click command of the verb ``name`` (``contact-owner`` …)."""
    verb = CommandName(name.replace("-", "_"))
    cls = COMMAND_TYPES[verb]
    hints = typing.get_type_hints(cls)
    params: list[click.Parameter] = []
    if verb is not CommandName.RECORD:
        params.append(click.Argument(["ticket"], shell_complete=complete_tickets))
    converters: dict[str, Callable[[App, Any], Any]] = {}
    for field in attrs.fields(cls):
        if field.name in COMMON:
            continue
        option, conv = _option(field, hints[field.name], verb)
        params.append(option)
        converters[field.name] = conv
    params += [
        click.Option(["--at"], metavar="TIME",
                     help=f"when it happened [default: now]; {TIME_FORMS}"),
        click.Option(["--by"], metavar="PERSON", shell_complete=complete_people,
                     help="who acts [default: --as / PROPDESK_USER]"),
        click.Option(["--command-id"], metavar="ID",
                     help="idempotency key: repeating the command with it changes nothing"),
        click.Option(["--json", "as_json"], is_flag=True,
                     help="print the ticket afterwards as JSON"),
    ]
    if verb is CommandName.RECORD:
        params.insert(0, click.Option(["--ticket"], metavar="ID",
                                      help="the new ticket's id [default: YYYYMMDD-NNN]"))

    @click.pass_context
    def callback(ctx: click.Context, /, **values: Any) -> None:
        run_verb(ctx.find_object(App) or _no_app(), verb, values, converters)

    text = short_help(cli_name(verb))
    return click.Command(cli_name(verb), params=params, callback=callback,
                         help=verb_help(verb, cls), short_help=text)


def verb_help(verb: CommandName, cls: type[Command]) -> str:
    """The verb's docstring, where it is allowed (the lifecycle table) and who may issue it."""
    from propdesk.domain.labels import COMMAND_LABELS
    from propdesk.domain.lifecycle import TABLE
    from propdesk.domain.permissions import describe

    doc = " ".join((cls.__doc__ or "").replace("``", "").split())
    order = [s.value for s in State]
    moves = []
    for row in TABLE:
        if row.command is verb:
            src = ", ".join(sorted((s.value for s in row.sources), key=order.index)) or "-"
            dst = row.target.value if row.target else "(unchanged)"
            cond = f" [{row.guard}]" if row.guard and row.guard != "outcome" else ""
            note = f" ({row.note})" if row.note else ""
            moves.append(f"{src} -> {dst}{cond}{note}")
    return (f"{COMMAND_LABELS[verb.value][0]}: {doc}\n\n"
            f"States: {'; '.join(moves)}.\n\nWho: {describe(verb)}.")


def _no_app() -> App:
    raise CliError(ExitCode.INTERNAL, "the propdesk context is missing")


def _option(field: attrs.Attribute[Any], hint: Any, verb: CommandName
            ) -> tuple[click.Option, Callable[[App, Any], Any]]:
    name = field.name
    flag = "--" + name.replace("_", "-")
    en, zh = FIELD_HELP.get(name, ("", ""))
    help_text = f"{en} ({zh})" if zh else en
    has_default = field.default is not attrs.NOTHING
    required = not has_default and not (verb is CommandName.RECORD and name == "received_at")
    args = typing.get_args(hint)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if args else hint
    if hint is bool or (base is bool and optional):
        negative = NEGATIVE_FLAG.get(name, "--no-" + name.replace("_", "-"))
        opt = click.Option([f"{flag}/{negative}", name], default=field.default if (
            has_default and hint is bool) else None, help=help_text)
        return opt, _required_bool(name, flag, negative) if required else _identity
    if base is datetime:
        return (click.Option([flag, name], metavar="TIME", required=False, help=help_text),
                _time(flag, required))
    if hint == tuple[FeeItem, ...]:
        return (click.Option([flag, name], multiple=True, metavar="CODE[:QTY]",
                             shell_complete=complete_fees, help=help_text), _fees)
    if hint == tuple[MaterialItem, ...]:
        return (click.Option([flag, name], multiple=True, metavar="NAME[:QTY]",
                             help=help_text), _materials)
    if base == tuple[str, ...]:
        return (click.Option([flag, name], multiple=True, metavar="PERSON",
                             shell_complete=complete_people, help=help_text),
                lambda _app, v: list(v) if v else None)
    if hint is int:
        return click.Option([flag, name], metavar="N", required=required,
                            help=help_text), _int(flag)
    metavar = "AMOUNT" if Decimal in args or hint == Money else "TEXT"
    complete = COMPLETERS.get(name)
    default = field.default if has_default and isinstance(field.default, str) else None
    extra: dict[str, Any] = {"default": default, "show_default": True} if default else {}
    opt = click.Option([flag, name], metavar=metavar, required=required, help=help_text,
                       shell_complete=complete, **extra)
    return opt, _identity


def _identity(_app: App, value: Any) -> Any:
    return value


def _required_bool(name: str, flag: str, negative: str) -> Callable[[App, Any], Any]:
    def conv(_app: App, value: Any) -> Any:
        if value is None:
            raise click.UsageError(f"Missing option '{flag}' or '{negative}'.")
        return value
    return conv


def _time(flag: str, required: bool) -> Callable[[App, Any], Any]:
    def conv(app: App, value: Any) -> Any:
        if value is None:
            if required:
                raise click.UsageError(f"Missing option '{flag}'.")
            return None
        return app.parse_time(str(value), flag).isoformat()
    return conv


def _int(flag: str) -> Callable[[App, Any], Any]:
    def conv(_app: App, value: Any) -> Any:
        if value is None:
            return None
        try:
            return int(str(value).strip())
        except ValueError:
            raise CliError(ExitCode.INVALID_INPUT,
                           f"{flag}: {value!r} is not a whole number (accepted: 1 or 2)",
                           f"{flag}：{value!r} 不是整数（可用：1 或 2）", code="invalid_value",
                           details={"field": flag, "value": value}) from None
    return conv


def _fees(_app: App, values: Any) -> Any:
    items = []
    for text in values or ():
        parts = str(text).split(":")
        if len(parts) not in (1, 2, 4) or not parts[0]:
            raise CliError(
                ExitCode.INVALID_INPUT,
                f"--fees: {text!r} is not CODE, CODE:QTY or CODE:QTY:NAME:PRICE (e.g. E01:2)",
                f"--fees：{text!r} 格式应为 CODE、CODE:数量 或 CODE:数量:名称:单价（如 E01:2）",
                code="invalid_value", details={"field": "--fees", "value": text})
        item: dict[str, Any] = {"code": parts[0]}
        if len(parts) >= 2:
            item["qty"] = parts[1]
        if len(parts) == 4:
            item["name"], item["price"] = parts[2], parts[3]
        items.append(item)
    return items


def _materials(_app: App, values: Any) -> Any:
    items = []
    for text in values or ():
        name, sep, qty = str(text).rpartition(":")
        items.append({"name": name, "qty": qty} if sep and name else {"name": str(text)})
    return items


def run_verb(app: App, verb: CommandName, values: dict[str, Any],
             converters: dict[str, Callable[[App, Any], Any]]) -> None:
    """Build the batch line of the verb from the options, apply it, report."""
    from propdesk.batch import parse_object

    app.json_mode = bool(values.get("as_json"))
    by = app.require_user(values.get("by"))
    now = app.hold_now()
    at = app.parse_time(values["at"], "--at") if values.get("at") else now
    raw: dict[str, Any] = {"cmd": verb.value, "by": by, "at": at.isoformat()}
    for name, conv in converters.items():
        value = conv(app, values.get(name))
        if value is not None:
            raw[name] = value
    if values.get("command_id"):
        raw["command_id"] = values["command_id"]
    if verb is CommandName.RECORD:
        raw.setdefault("received_at", raw["at"])
        result = _record(app, raw, values.get("ticket"))
    else:
        raw["ticket"] = values["ticket"]
        result = app.desk.handle(parse_object(raw))
    _report(app, verb, result)


def _record(app: App, raw: dict[str, Any], ticket: str | None) -> Any:
    from propdesk.batch import parse_object
    from propdesk.domain.errors import DomainError

    if ticket is not None:
        return app.desk.handle(parse_object({**raw, "ticket": ticket}))
    received = datetime.fromisoformat(raw["received_at"]).astimezone(app.config.zone)
    prefix = received.strftime("%Y%m%d-")
    taken = [t for t in app.store().tickets() if t.startswith(prefix)]
    number = len(taken) + 1
    for _ in range(50):
        candidate = f"{prefix}{number:03d}"
        try:
            return app.desk.handle(parse_object({**raw, "ticket": candidate}))
        except DomainError as err:
            if err.code != "duplicate_ticket":
                raise
            number += 1
    raise CliError(ExitCode.CONFLICT, f"no free ticket id after {prefix}{number:03d}",
                   f"找不到可用的工单号（{prefix}…）", hint_en="pass --ticket ID")


def _report(app: App, verb: CommandName, result: Any) -> None:
    from propdesk.cli.render import person_label, state_label, ticket_dict

    ticket = result.ticket
    if app.json_mode:
        app.emit_json(ticket_dict(ticket, None, app.config))
    elif verb is CommandName.RECORD:
        click.echo(ticket.id)
    lang = app.lang
    state = state_label(ticket.state.value, lang)
    extra = ""
    if ticket.assignee and verb in (CommandName.DISPATCH, CommandName.TRANSFER):
        extra = " → " + person_label(app.config, ticket.assignee)
    replay = app.t("（重复指令，未再执行）", " (repeated command id: nothing changed)") \
        if result.replayed else ""
    app.message(f"{ticket.id}：{state}{extra}{replay}", f"{ticket.id}: {state}{extra}{replay}")
    if verb is CommandName.RECORD and ticket.incomplete:
        missing = ", ".join("--" + f.replace("_", "-") for f in ticket.incomplete)
        missing_zh = "、".join(FIELD_HELP.get(f, ("", f))[1] for f in ticket.incomplete)
        app.message(f"注意：记录不完整（缺少{missing_zh}），计入信息准确率",
                    f"note: the record is incomplete (missing {missing}); it counts against K-2")
    report_notices(app, result.notices)


def report_notices(app: App, notices: Any) -> None:
    """Say truthfully what happens to the notices a command created (issue 17):
    queued in the outbox for the configured channels, sent by ``propdesk watch``."""
    if notices:
        report_queued(app, len(notices))


def report_queued(app: App, count: int | None) -> None:
    """The outbox message for ``count`` new notices (``None``: not counted)."""
    channels = app.desk.channels
    if not channels:
        more = "" if count is None else f"（本次 {count} 条）"
        more_en = "" if count is None else f" ({count} notices)"
        app.message(f"未配置通知渠道：无人收到通知{more}",
                    f"no notification channel configured: nobody is notified{more_en}")
    elif count:
        names = ", ".join(channels)
        app.message(f"通知已排队：{count} 条 → {names}（由 propdesk watch 发送）",
                    f"notices queued: {count} → {names} (sent by propdesk watch)")


def verb_classes() -> dict[str, type[Command]]:
    """CLI name → command class (for the docs and tests)."""
    return {cli_name(n): COMMAND_TYPES[n] for n in CommandName}
