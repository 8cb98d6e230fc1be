"""Operator-facing labels in Simplified Chinese and English.

Everything a desk operator reads (states, commands, roles, sources, modes,
answers) has both labels here; error texts live in :mod:`.errors`.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

STATE_LABELS: dict[str, tuple[str, str]] = {
    "recorded": ("已录入", "Recorded"),
    "dispatched": ("已派单", "Dispatched"),
    "confirmed": ("已接单", "Confirmed (read back)"),
    "acknowledged": ("已签收", "Signed for"),
    "on_site": ("已到场", "On site"),
    "planned": ("已拟方案", "Plan drafted"),
    "in_progress": ("处理中", "In progress"),
    "completed": ("待验收", "Awaiting acceptance"),
    "accepted": ("已验收", "Accepted"),
    "returned": ("待回访", "Awaiting callback"),
    "called_back": ("已回访", "Called back"),
    "closed": ("已关闭", "Closed"),
    "cancelled": ("已撤销", "Cancelled"),
}

COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "record": ("录入", "record"),
    "classify": ("分类", "classify"),
    "dispatch": ("派单", "dispatch"),
    "confirm": ("复述确认/接单", "confirm (read back)"),
    "acknowledge": ("签收", "sign for"),
    "contact_owner": ("联系业主", "contact owner"),
    "arrive": ("到场", "arrive"),
    "diagnose": ("诊断", "diagnose"),
    "plan": ("拟定方案", "plan"),
    "agree": ("方案确认", "agree plan"),
    "unable": ("无法处理", "unable to handle"),
    "complete": ("处理完毕", "complete"),
    "accept": ("验收合格", "accept"),
    "reject": ("验收不合格", "reject"),
    "return": ("返回前台", "return form"),
    "callback": ("回访", "call back"),
    "close": ("关闭", "close"),
    "reply": ("答复", "reply"),
    "escalate": ("上报", "escalate"),
    "transfer": ("转派", "transfer"),
    "amend": ("更正", "amend"),
    "follow_up": ("跟进", "follow up"),
    "sample_callback": ("抽样回访", "sampled callback"),
    "cancel": ("撤销", "cancel"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "desk": ("前台", "Desk"),
    "responsible": ("专业责任人", "Responsible person"),
    "supervisor": ("部门主管", "Department supervisor"),
    "community_supervisor": ("小区主管", "Community supervisor"),
    "foreman": ("领班", "Foreman"),
    "manager": ("经理", "Manager"),
}

SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "owner_call": ("业主致电", "Owner's call"),
    "property_internal": ("物业内部转达", "Relayed inside the company"),
    "desk_internal": ("前台内部转达", "Relayed by the desk"),
    "internal_need": ("内部需求", "Internal need"),
    "superior": ("上级指示", "Superior's instruction"),
    "walk_in": ("业主来访", "Walk-in"),
    "online": ("线上", "Online"),
}

MODE_LABELS: dict[str, tuple[str, str]] = {
    "immediate": ("即时服务", "Immediate service"),
    "appointment": ("预约服务", "Appointment"),
    "emergency": ("突发紧急", "Emergency"),
}

SATISFACTION_LABELS: dict[str, tuple[str, str]] = {
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: Lang = "zh") -> str:
    """The label of ``key`` in ``lang``; the key itself when unknown."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
