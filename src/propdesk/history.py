"""A ticket's history as people read it (``show``, and the web desk).

Each stored event becomes one line: the local time without microseconds,
the step's label in the reader's language, who took it (name and id), and
its details — labelled, localised values (categories, people, answers,
money, times), never Python reprs or internal keys such as the routing
reasons.  Owners' names and phone numbers are masked unless revealed.
No I/O: the caller passes the events, the configuration and the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from propdesk.domain.config import Config
from propdesk.domain.events import Event
from propdesk.domain.labels import (
    COMMAND_LABELS,
    MODE_LABELS,
    SATISFACTION_LABELS,
    SOURCE_LABELS,
    label,
)
from propdesk.masking import PERSONAL_FIELDS, mask_name, mask_phone

PERSONAL_DATA_KEYS: Final = frozenset({*PERSONAL_FIELDS, "signer"})

FIELD_LABELS: Final[dict[str, tuple[str, str]]] = {
    # in the order details are shown
    "desk": ("前台自行解决", "resolved by the desk"),
    "content": ("内容", "content"),
    "location": ("地点", "location"),
    "contact": ("联系人", "contact"),
    "phone": ("联系方式", "phone"),
    "assignee": ("处理人", "assignee"),
    "to": ("转给", "to"),
    "from": ("原处理人", "from"),
    "department": ("部门", "department"),
    "work_order": ("工单号", "work order"),
    "category": ("分类", "category"),
    "previous": ("原分类", "was"),
    "previous_category": ("原分类", "was"),
    "mode": ("服务方式", "mode"),
    "appointment_at": ("预约时间", "appointment"),
    "source": ("信息源点", "source"),
    "first_receiver": ("首接负责人", "first receiver"),
    "area": ("区域", "area"),
    "asset": ("设施设备", "asset"),
    "about": ("投诉对象", "about"),
    "event_at": ("事件时间", "happened"),
    "major_incident": ("重大治安案件", "major incident"),
    "missing": ("记录不完整", "incomplete"),
    "reply": ("答复", "reply"),
    "text": ("答复", "reply"),
    "answers": ("已答复请求", "answers the request"),
    "diagnosis": ("诊断", "diagnosis"),
    "fees": ("收费项目", "fee items"),
    "override_by": ("批准主管", "approved by"),
    "schedule_shown": ("已出示收费标准", "fee schedule shown"),
    "workers": ("处理人", "done by"),
    "materials": ("材料", "materials"),
    "charge": ("收费", "charged"),
    "signer": ("签名", "signed by"),
    "opinion": ("意见", "opinion"),
    "owner_copy": ("业主联已交", "owner's copy handed over"),
    "fixed": ("已修复", "fixed"),
    "satisfaction": ("满意度", "satisfaction"),
    "charge_ok": ("收费无误", "charge right"),
    "channel": ("方式", "by"),
    "outcome": ("结果", "outcome"),
    "agrees": ("与前台回访一致", "agrees with the desk's callback"),
    "level": ("上报级别", "level"),
    "field": ("更正字段", "field"),
    "old": ("原值", "was"),
    "new": ("新值", "now"),
    "value": ("新值", "now"),
    "reason": ("原因", "reason"),
    "note": ("备注", "note"),
    "confirmed_by_source": ("来源方已确认", "confirmed by the source"),
    "notices": ("已通知", "notified"),
    "report": ("报告", "report"),
}

HIDDEN_KEYS: Final = frozenset({
    "routing", "cycle", "received_at", "originated_at", "voided", "on_schedule", "close"})
"""Internal keys (routing reasons, cycle numbers …) and those the ticket's
head already shows; an unknown key is shown with its name."""

VALUE_LABELS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "satisfaction": SATISFACTION_LABELS,
    "mode": MODE_LABELS,
    "source": SOURCE_LABELS,
    "channel": {"phone": ("电话", "phone"), "visit": ("上门", "visit")},
    "outcome": {"passed": ("合格", "passed"), "rework": ("未修复，返工", "not fixed: rework"),
                "disputed": ("收费有争议", "charge disputed"),
                "sampled": ("抽样", "sampled")},
    "level": {"1": ("1 部门主管", "1 department supervisor"),
              "2": ("2 经理会议", "2 managers' meeting")},
}
PEOPLE_KEYS: Final = frozenset({"assignee", "to", "from", "first_receiver", "override_by",
                                "workers", "notices"})
CATEGORY_KEYS: Final = frozenset({"category", "previous", "previous_category"})
TIME_KEYS: Final = frozenset({"appointment_at", "event_at"})
MONEY_KEYS: Final = frozenset({"charge", "amount", "unit_price"})


@attrs.frozen
class HistoryLine:
    """One event as people read it."""

    at: datetime
    time: str
    step: str
    by: str
    details: str


def local_time(dt: datetime, config: Config, *, seconds: bool = True) -> str:
    """``03-02 09:00:40`` in the community's zone (never microseconds)."""
    local = dt.astimezone(config.zone)
    return local.strftime("%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M")


def mask_value(key: str, value: Any) -> Any:
    """``value`` masked when ``key`` names personal data."""
    if not isinstance(value, str):
        return value
    if key == "phone":
        return mask_phone(value)
    if key in ("contact", "signer"):
        return mask_name(value)
    return value


def masked_data(data: Mapping[str, Any], *, reveal: bool) -> dict[str, Any]:
    """An event's payload with personal values masked (amendments of them too)."""
    out = dict(data)
    if reveal:
        return out
    for key in PERSONAL_DATA_KEYS & out.keys():
        out[key] = mask_value(key, out[key])
    if out.get("field") in PERSONAL_FIELDS:
        for key in ("old", "new", "value"):
            if key in out:
                out[key] = mask_value(str(out["field"]), out[key])
    return out


def person_label(config: Config, pid: str | None) -> str:
    """``赵师傅 (eng-zhao)``: staff names are not personal data of owners."""
    if not pid:
        return "-"
    person = config.person_by_id.get(pid)
    return f"{person.name} ({pid})" if person else pid


def category_label(config: Config, category: str | None, lang: str) -> str:
    """The configured label of a category (its id when unknown)."""
    if category is None:
        return "-"
    cat = config.category_by_id.get(category)
    if cat is None:
        return category
    return cat.name if lang == "zh" or not cat.name_en else cat.name_en


def step_label(kind: str, lang: str) -> str:
    """The label of an event kind (``dispatch`` → 派单)."""
    if kind in COMMAND_LABELS:
        return label(COMMAND_LABELS, kind, "zh" if lang == "zh" else "en")
    return kind.replace("_", " ")


def history_lines(events: Iterable[Event], config: Config, lang: str, *,
                  reveal: bool = False) -> list[HistoryLine]:
    """The readable history of a ticket's ``events`` (the work order's number
    only where the ticket has had more than one)."""
    events = list(events)
    numbers = {e.data.get("work_order") for e in events} - {None}
    hidden = frozenset() if len(numbers) > 1 else frozenset({"work_order"})
    return [
        HistoryLine(e.at, local_time(e.at, config), step_label(e.kind, lang),
                    person_label(config, e.by),
                    details(e.kind, {k: v for k, v in masked_data(e.data, reveal=reveal).items()
                                     if k not in hidden}, config, lang, by=e.by))
        for e in events
    ]


def details(kind: str, data: Mapping[str, Any], config: Config, lang: str, *,
            by: str = "") -> str:
    """The labelled, localised details of one event's payload."""
    zh = lang == "zh"
    parts: list[str] = []
    order = {k: i for i, k in enumerate(FIELD_LABELS)}
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        value = data[key]
        if key in HIDDEN_KEYS or value in (None, "", [], {}):
            continue
        if (key == "first_receiver" and value == by) or (
                key == "schedule_shown" and value is False):  # (a plan without fees)
            continue
        if key == "desk" and value is True:
            parts.append(FIELD_LABELS["desk"][0 if zh else 1])
            continue
        name = FIELD_LABELS.get(key, (key, key))[0 if zh else 1]
        parts.append(f"{name}{'：' if zh else ': '}{_value(key, value, config, lang)}")
    return ("；" if zh else "; ").join(parts)


def _value(key: str, value: Any, config: Config, lang: str) -> str:
    zh = lang == "zh"
    sep = "、" if zh else ", "
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if key in PEOPLE_KEYS:
        ids = value if isinstance(value, list) else [value]
        return sep.join(person_label(config, str(i)) for i in ids)
    if key in CATEGORY_KEYS:
        return category_label(config, str(value), lang)
    if key == "department":
        dept = config.department_by_id.get(str(value))
        return dept.name if dept is not None else str(value)
    if key in VALUE_LABELS:
        return label(VALUE_LABELS[key], str(value), "zh" if zh else "en")
    if key in TIME_KEYS and isinstance(value, str):
        try:
            return local_time(datetime.fromisoformat(value), config, seconds=False)
        except ValueError:
            return value
    if key in MONEY_KEYS:
        return f"¥{value}"
    if key == "field":
        return FIELD_LABELS.get(str(value), (str(value), str(value)))[0 if zh else 1]
    if key == "missing" and isinstance(value, list):
        return sep.join(FIELD_LABELS.get(str(v), (str(v), str(v)))[0 if zh else 1]
                        for v in value)
    if key == "fees" and isinstance(value, list):
        return sep.join(_fee(f) for f in value if isinstance(f, Mapping))
    if key == "materials" and isinstance(value, list):
        return sep.join(f"{m.get('name')} ×{m.get('qty')}" for m in value
                        if isinstance(m, Mapping))
    return _plain(value, config, lang)


def _fee(fee: Mapping[str, Any]) -> str:
    text = f"{fee.get('code')} {fee.get('name')} ×{fee.get('qty')} ¥{fee.get('amount')}"
    return text if fee.get("on_schedule", True) else text + " (!)"


def _plain(value: Any, config: Config, lang: str) -> str:
    """Any other JSON value, readably: lists joined, mappings as ``key: value``."""
    zh = lang == "zh"
    if isinstance(value, Mapping):
        return ("，" if zh else ", ").join(
            f"{FIELD_LABELS.get(str(k), (str(k), str(k)))[0 if zh else 1]}"
            f"{'：' if zh else ': '}{_value(str(k), v, config, lang)}"
            for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ("、" if zh else ", ").join(_plain(v, config, lang) for v in value)
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    return str(value)
