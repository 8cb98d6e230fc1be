"""Refusals of the domain, with stable codes and parameters.

A :class:`DomainError` carries a ``code`` (stable, for programs and exit
codes) and ``params`` (the ticket, its state, the field …), so the CLI and a
web page can say it in Chinese or in English.  ``str(error)`` is English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from propdesk.domain.labels import Lang

# code -> (English template, Chinese template).  Templates use str.format
# with the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "wrong_state": (
        "ticket {ticket} is {state}: '{command}' is not allowed there; allowed here: {allowed}",
        "工单 {ticket} 当前为「{state_zh}」，不能执行「{command_zh}」；此状态允许：{allowed_zh}",
    ),
    "unknown_ticket": ("no ticket {ticket}", "没有工单 {ticket}"),
    "duplicate_ticket": (
        "ticket id {ticket} is already taken",
        "工单号 {ticket} 已被使用",
    ),
    "unknown_person": (
        "{field}: no person {value!r} in the roster",
        "{field}：人员名册中没有 {value!r}",
    ),
    "unknown_category": (
        "category {value!r} is not configured; known: {allowed}",
        "分类 {value!r} 未配置；可用：{allowed}",
    ),
    "invalid_choice": (
        "{field}: {value!r} is not one of {allowed}",
        "{field}：{value!r} 不是有效值，可选：{allowed}",
    ),
    "forbidden": (
        "ticket {ticket}: {person} ({role}) may not '{command}'; allowed: {allowed}",
        "工单 {ticket}：{person}（{role_zh}）无权执行「{command_zh}」；有权者：{allowed_zh}",
    ),
    "time_before_previous": (
        "ticket {ticket}: '{command}' dated {at} is before the ticket's previous event "
        "at {previous}",
        "工单 {ticket}：「{command_zh}」时间 {at} 早于上一事件时间 {previous}",
    ),
    "naive_time": (
        "{field}: time {value} has no time zone offset",
        "{field}：时间 {value} 缺少时区",
    ),
    "time_order": (
        "{field}: {value} must not be later than {limit_field} ({limit})",
        "{field}：{value} 不能晚于 {limit_field}（{limit}）",
    ),
    "appointment_required": (
        "ticket {ticket}: an appointment needs appointment_at",
        "工单 {ticket}：预约服务须确定预约时间",
    ),
    "appointment_in_past": (
        "ticket {ticket}: appointment {value} is not after {at}",
        "工单 {ticket}：预约时间 {value} 不在 {at} 之后",
    ),
    "appointment_not_allowed": (
        "ticket {ticket}: appointment_at is only for appointment service",
        "工单 {ticket}：仅预约服务可设预约时间",
    ),
    "not_appointment": (
        "ticket {ticket}: '{command}' is only for appointment service",
        "工单 {ticket}：「{command_zh}」仅适用于预约服务",
    ),
    "required": ("{field} is required", "{field} 为必填项"),
    "too_long": (
        "{field} is {length} characters; the limit is {limit}",
        "{field} 长度 {length} 字，超过上限 {limit} 字",
    ),
    "fee_not_on_schedule": (
        "fee item {value!r} is not on the published fee schedule; "
        "a supervisor override (override_by) is needed",
        "收费项目 {value!r} 不在《有偿服务收费标准公示表》内，须主管批准（override_by）",
    ),
    "override_not_supervisor": (
        "override_by: {value!r} is not a supervisor or manager",
        "override_by：{value!r} 不是主管或经理",
    ),
    "schedule_not_shown": (
        "ticket {ticket}: the plan has fee items, so agree needs schedule_shown = true",
        "工单 {ticket}：方案含收费项目，须向业主出示收费标准（schedule_shown = true）",
    ),
    "invalid_money": (
        '{field}: {value!r} is not an amount of money (a decimal string such as "30.00", '
        "not negative, at most two decimals)",
        '{field}：{value!r} 不是有效金额（如 "30.00"，非负，最多两位小数）',
    ),
    "invalid_quantity": (
        "{field}: {value!r} is not a positive quantity",
        "{field}：{value!r} 不是有效数量（须大于 0）",
    ),
    "invalid_type": (
        "{field}: expected {expected}, got {value!r}",
        "{field}：应为 {expected}，实际为 {value!r}",
    ),
    "diagnosis_required": (
        "ticket {ticket}: a plan needs a diagnosis first",
        "工单 {ticket}：须先诊断再拟定方案",
    ),
    "already_diagnosed": (
        "ticket {ticket}: work order {work_order} is already diagnosed",
        "工单 {ticket}：处理单 {work_order} 已诊断",
    ),
    "category_required": (
        "ticket {ticket}: dispatch needs a category",
        "工单 {ticket}：派单前须先分类",
    ),
    "not_desk_resolvable": (
        "ticket {ticket}: category {category!r} cannot be resolved at the desk; "
        "desk-resolvable: {allowed}",
        "工单 {ticket}：分类「{category}」不能由前台直接处理；可由前台处理：{allowed}",
    ),
    "level_not_rising": (
        "ticket {ticket}: escalation level {value} is not above the current level {level} "
        "(the current level again only reports an unanswered `unable`, S-11)",
        "工单 {ticket}：上报级别 {value} 不高于当前级别 {level}"
        "（仅在有未上报的「无法处理」时可按当前级别再次上报，S-11）",
    ),
    "signature_required": (
        "ticket {ticket}: the emergency work order {work_order} was never signed for; "
        "acknowledge it before return (S-14)",
        "工单 {ticket}：紧急处理单 {work_order} 尚未签收，须先签收再返回（S-14）",
    ),
    "source_not_confirmed": (
        "ticket {ticket}: cancelling needs the source's confirmation (confirmed_by_source = true)",
        "工单 {ticket}：撤销须经信息来源方确认（confirmed_by_source = true）",
    ),
    "charge_reason_required": (
        "ticket {ticket}: the charge {charge} is not the agreed plan's {planned}; "
        "give the reason (charge_reason; on the command line --charge-reason), R-62",
        "工单 {ticket}：收费金额 {charge} 与约定方案金额 {planned} 不符，须说明原因"
        "（charge_reason；命令行 --charge-reason），R-62",
    ),
    "charge_answer_required": (
        "ticket {ticket}: the source was charged {charge}; the callback must say whether "
        "the source accepts the charge (charge_ok true or false; on the command line "
        "--charge-ok, or --no-charge-ok when disputed), R-62",
        "工单 {ticket}：已向来源方收费 {charge}，回访须说明来源方是否认可收费"
        "（charge_ok 为 true 或 false；命令行 --charge-ok，有争议用 --no-charge-ok），R-62",
    ),
    "dispute_unsettled": (
        "ticket {ticket}: the charge is disputed; escalate or follow up to settle it "
        "before calling back again",
        "工单 {ticket}：收费有争议，须先上报或跟进处理后再回访",
    ),
    "complaint_subject": (
        "ticket {ticket}: the complaint is about {about}; it may not be dispatched to {value}",
        "工单 {ticket}：该投诉针对 {about}，不能派给 {value}",
    ),
    "same_assignee": (
        "ticket {ticket}: the work order is already with {value}",
        "工单 {ticket}：处理单已在 {value} 处",
    ),
    "not_amendable": (
        "field {value!r} cannot be amended; amendable: {allowed}",
        "字段 {value!r} 不可更正；可更正：{allowed}",
    ),
    "no_one_on_duty": (
        "no one of {department} is on duty at {at}; call the supervisor chain: {chain}",
        "{at} {department} 无人值班；请联系主管：{chain}",
    ),
    "no_department": (
        "category {category!r} has no responsible department in the responsibility table",
        "分类「{category}」在《各部门责任落实表》中没有责任部门",
    ),
    "command_id_reused": (
        "command id {value!r} was already used for a different command",
        "指令编号 {value!r} 已用于另一条指令",
    ),
    "conflict": (
        "ticket {ticket} was changed by someone else meanwhile; reload and try again",
        "工单 {ticket} 已被他人修改，请刷新后重试",
    ),
    "invalid_value": ("{field}: {reason}", "{field}：{reason}"),
}


class DomainError(Exception):
    """A refused command or invalid input, with a stable ``code`` and ``params``."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.params: dict[str, Any] = params
        super().__init__(self.message("en"))

    def message(self, lang: Lang = "en") -> str:
        """The error in English (``en``) or Simplified Chinese (``zh``)."""
        en, zh = MESSAGES[self.code]
        template = zh if lang == "zh" else en
        return template.format_map(_Defaulting(self.params))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form: code, params and both messages."""
        return {
            "code": self.code,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "message": self.message("en"),
            "message_zh": self.message("zh"),
        }


class _Defaulting(dict[str, Any]):
    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        from propdesk.domain.labels import COMMAND_LABELS, ROLE_LABELS, STATE_LABELS, label

        if "command" in params and "command_zh" not in params:
            self["command_zh"] = label(COMMAND_LABELS, str(params["command"]), "zh")
        if "state" in params and "state_zh" not in params:
            self["state_zh"] = label(STATE_LABELS, str(params["state"]), "zh")
        if "role" in params and "role_zh" not in params:
            self["role_zh"] = label(ROLE_LABELS, str(params["role"]), "zh")
        if "allowed" in params and "allowed_zh" not in params:
            # command names become their Chinese labels; other words stay as they are
            self["allowed_zh"] = "、".join(
                label(COMMAND_LABELS, part.strip(), "zh")
                for part in str(params["allowed"]).split(","))

    def __missing__(self, key: str) -> str:
        return "?"


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


class ConfigError(Exception):
    """The configuration is invalid; ``path`` names the key (``$.people[3].role``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
