"""Refusals of the domain, with stable codes and parameters.

A :class:`DomainError` carries a ``code`` (stable, for programs and exit
codes) and ``params`` (the ticket, its state, the field …), so the CLI and a
web page can say it in Chinese or in English.  ``str(error)`` is English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from propdesk.domain.labels import CATALOG, Lang

PHONE_FORMS: Final = (
    "a mobile number (13800138000, 138 0013 8000), a landline with its area code and an "
    "optional extension (021-62345678, 0571-87654321-123), either with +86 "
    "(+86 138 0013 8000, +86 21 62345678), or an internal extension of 3 to 6 digits (8001)")
PHONE_FORMS_ZH: Final = (
    "手机号（13800138000、138 0013 8000）、带区号的固定电话（可带分机，021-62345678、"
    "0571-87654321-123），均可加 +86（+86 138 0013 8000、+86 21 62345678），"
    "或 3 至 6 位内部分机号（8001）")

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
        "ticket {ticket}: an appointment needs {k_appointment_at}",
        "工单 {ticket}：预约服务须确定预约时间（{k_appointment_at}）",
    ),
    "appointment_in_past": (
        "ticket {ticket}: appointment {value} is not after {at}",
        "工单 {ticket}：预约时间 {value} 不在 {at} 之后",
    ),
    "appointment_not_allowed": (
        "ticket {ticket}: {k_appointment_at} is only for appointment service",
        "工单 {ticket}：仅预约服务可设预约时间（{k_appointment_at}）",
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
        "a supervisor override ({k_override_by}) is needed",
        "收费项目 {value!r} 不在《有偿服务收费标准公示表》内，须主管批准（{k_override_by}）",
    ),
    "override_not_supervisor": (
        "{k_override_by}: {value!r} is not a supervisor or manager",
        "{k_override_by}：{value!r} 不是主管或经理",
    ),
    "schedule_not_shown": (
        "ticket {ticket}: the plan has fee items, so agree needs {k_schedule_shown}",
        "工单 {ticket}：方案含收费项目，须向业主出示收费标准（{k_schedule_shown}）",
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
        "{field}：应为{expected_zh}，实际为 {value!r}",
    ),
    "control_character": (
        "{field}: character {position} is the control character {char}; text may not "
        "carry control or bidirectional-override characters",
        "{field}：第 {position} 个字符是控制字符 {char}；文本中不能含控制字符或双向覆盖字符",
    ),
    "invalid_ticket_id": (
        "{field}: {value!r} is not a ticket id: use letters, digits, '-', '_' and '.', "
        "starting with a letter or digit, at most 64 characters",
        "{field}：{value!r} 不是有效工单号：只能用字母、数字、“-”“_”“.”，以字母或数字开头，"
        "最长 64 个字符",
    ),
    "invalid_phone": (
        "{field}: {value!r} is not a phone number; accepted: " + PHONE_FORMS,
        "{field}：{value!r} 不是有效电话号码；可用：" + PHONE_FORMS_ZH,
    ),
    "future_time": (
        "{field}: {value} is ahead of the clock ({now}) by more than {tolerance}; "
        "a command cannot be dated in the future (a past time is written e.g. -5m or 08:55)",
        "{field}：时间 {value} 晚于当前时间 {now}，超出允许的 {tolerance_zh}；"
        "指令时间不能在将来（过去的时间可写作 -5m 或 08:55 等）",
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
        "ticket {ticket}: cancelling needs the source's confirmation ({k_confirmed_by_source})",
        "工单 {ticket}：撤销须经信息来源方确认（{k_confirmed_by_source}）",
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
    "invalid_value": ("{field}: {reason}", "{field}：{reason_zh}"),
}


class DomainError(Exception):
    """A refused command or invalid input, with a stable ``code`` and ``params``.

    Field names in the messages are the keys of a batch line (``schedule_shown``);
    :meth:`for_options` gives the same refusal worded for the command line
    (``--schedule-shown``)."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.params: dict[str, Any] = params
        self.options = False
        """Name fields as command-line options (``--schedule-shown``)?"""
        super().__init__(self.message("en"))

    def message(self, lang: Lang = "en") -> str:
        """The error in English (``en``) or Simplified Chinese (``zh``); times are shown
        to the second."""
        en, zh = MESSAGES[self.code]
        template = zh if lang == "zh" else en
        text = template.format_map(_Defaulting(self.params, self.options))
        return _FRACTION.sub(r"\1", text)

    def for_options(self) -> DomainError:
        """The same refusal, naming fields as the command line's options."""
        err = DomainError(self.code, **self.params)
        err.options = True
        err.args = (err.message("en"),)
        return err

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form: code, params and both messages."""
        return {
            "code": self.code,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "message": self.message("en"),
            "message_zh": self.message("zh"),
        }


_FRACTION: Final = re.compile(r"(\d\d:\d\d:\d\d)\.\d+")
_KEY_FLAGS: Final = ("appointment_at", "override_by", "schedule_shown", "confirmed_by_source")
_FIELD: Final = re.compile(r"^([a-z][a-z_]*)(.*)$")

EXPECTED_ZH: Final[dict[str, str]] = {
    "text": "文本",
    "true or false": " true 或 false",
    "true, false or null": " true、false 或 null",
    "a whole number": "整数",
    "a time with its offset": "带时区的时间",
    "a decimal amount": "十进制数",
    'an amount such as "30.00"': '金额（如 "30.00"）',
    "a list of fee items": "收费项目列表",
    "a list of materials": "材料列表",
    "a list of texts": "文本列表",
    "a fee item": "收费项目",
    "a material": "材料",
    "a JSON object": " JSON 对象",
    "a command": "指令",
}
"""Chinese of the ``expected`` parameter of ``invalid_type``."""

_REASONS_ZH: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), zh) for pattern, zh in CATALOG["errors"]["reasons_zh"])
"""The Chinese of an English reason (``labels.toml``): the first pattern that matches."""
_WORDS_ZH: Final = {"category": "分类", "person": "人员", "department": "部门", "rule": "规则"}
_SUFFIXES: Final = (
    (re.compile(r"^(.*) \(and (\d+) more\)$"), "（另有 {0} 处）"),
    (re.compile(r"^(.*) \(did you mean (.*)\?\)$"), "（是否应为 {0}？）"),
    (re.compile(r"^(.*); did you mean (.*)\?$"), "；是否应为 {0}？"),
    (re.compile(r"^(.*); known: (.*)$"), "；可用：{0}"),
)


def reason_zh(reason: str) -> str:
    """The Chinese of a reason worded by the converter, the batch reader or the
    configuration's checks (the reason itself when it is none of theirs)."""
    tail = ""
    for pattern, zh in _SUFFIXES:
        m = pattern.match(reason)
        if m:
            reason, tail = m.group(1), zh.format(m.group(2)) + tail
    for pattern, template in _REASONS_ZH:
        m = pattern.match(reason)
        if m:
            text = m.expand(template)
            for en, word in _WORDS_ZH.items():
                text = text.replace("未知的" + en, "未知的" + word)
            return text + tail
    return reason + tail


def option_name(field: str) -> str:
    """``schedule_shown`` → ``--schedule-shown``; ``fees[0].qty`` → ``--fees[0].qty``."""
    m = _FIELD.match(field)
    if m is None:
        return field
    return "--" + m.group(1).replace("_", "-") + m.group(2)


def duration_text(seconds: int, lang: Lang) -> str:
    """``150`` → ``2m30s`` (en) or ``2分30秒`` (zh)."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    units = ("小时", "分", "秒") if lang == "zh" else ("h", "m", "s")
    text = "".join(f"{n}{u}" for n, u in zip((h, m, s), units, strict=True) if n)
    return text or ("0秒" if lang == "zh" else "0s")


class _Defaulting(dict[str, Any]):
    def __init__(self, params: Mapping[str, Any], options: bool = False) -> None:
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
        if "expected" in params and "expected_zh" not in params:
            expected = str(params["expected"])
            nothing = expected.endswith(" or nothing")
            base = expected.removesuffix(" or nothing")
            self["expected_zh"] = EXPECTED_ZH.get(base, " " + base) + ("或空值" if nothing else "")
        if "reason" in params and "reason_zh" not in params:
            self["reason_zh"] = reason_zh(str(params["reason"]))
        if "tolerance" in params:
            seconds = int(params["tolerance"])
            self["tolerance"] = duration_text(seconds, "en")
            self["tolerance_zh"] = duration_text(seconds, "zh")
        for key in _KEY_FLAGS:
            self["k_" + key] = option_name(key) if options else (
                f"{key} = true" if key in ("schedule_shown", "confirmed_by_source") else key)
        if options:
            for key in ("field", "limit_field"):
                if isinstance(params.get(key), str):
                    self[key] = option_name(params[key])

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
