"""Every refusal of issue 2 / R-30: a stable code, the parameters, both
languages, and nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from tests.conftest import Driver, at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.decide import Context, decide
from propdesk.domain.errors import DomainError
from propdesk.domain.events import DESK_STREAM, is_stream


def refused(desk: Desk, cmd: c.Command, code: str, **params: Any) -> DomainError:
    """Assert ``cmd`` is refused with ``code`` (and ``params``) and nothing is written."""
    head = desk.store.head()
    with pytest.raises(DomainError) as info:
        desk.handle(cmd)
    err = info.value
    assert err.code == code, err
    for key, value in params.items():
        assert err.params.get(key) == value, (key, err.params)
    assert desk.store.head() == head, "a refused command wrote something"
    assert err.message("zh") and err.message("en") and "?" not in err.message("en")
    return err


def test_wrong_state_names_ticket_state_and_allowed(drive) -> None:
    d: Driver = drive().to("dispatched")
    err = refused(d.desk, c.Arrive(ticket="A1", by=d.assignee, at=at(50)), "wrong_state",
                  ticket="A1", state="dispatched", command="arrive")
    assert "confirm" in err.params["allowed"] and "transfer" in err.params["allowed"]
    assert "已派单" in err.message("zh")


def test_unknown_ticket(desk: Desk) -> None:
    refused(desk, c.Confirm(ticket="NOPE", by="eng-zhao", at=at(1)), "unknown_ticket",
            ticket="NOPE")


def test_duplicate_ticket_id(drive) -> None:
    d: Driver = drive().record()
    refused(d.desk, c.Record(ticket="A1", by="desk-wang", at=at(5), received_at=at(5),
                             source="owner_call", content="x", mode="immediate"),
            "duplicate_ticket", ticket="A1")


def test_a_ticket_id_reserved_for_the_desk_streams(desk: Desk) -> None:
    """Ids starting with "@" name the desk's own streams (``@desk``): refused by
    the domain itself, and by the Desk's stricter ticket-id check before
    anything of the stream is read."""
    cmd = c.Record(ticket=DESK_STREAM, by="desk-wang", at=at(1), received_at=at(0),
                   source="owner_call", content="x", mode="immediate")
    with pytest.raises(DomainError) as info:
        decide(None, cmd, Context(desk.config))
    assert (info.value.code, info.value.params["field"]) == ("invalid_value", "ticket")
    assert "@" in info.value.message("zh")
    refused(desk, cmd, "invalid_ticket_id")
    assert is_stream("@desk") and not is_stream("A@1")


@pytest.mark.parametrize("field,value,code", [
    ("by", "nobody", "unknown_person"),
    ("first_receiver", "ghost", "unknown_person"),
    ("category", "plumbing", "unknown_category"),
    ("mode", "whenever", "invalid_choice"),
    ("source", "pigeon", "invalid_choice"),
])
def test_unknown_values_on_record(desk: Desk, field: str, value: str, code: str) -> None:
    kw: dict[str, Any] = dict(ticket="R1", by="desk-wang", at=at(1), received_at=at(0),
                              source="owner_call", content="x", mode="immediate")
    kw[field] = value
    refused(desk, c.Record(**kw), code)


def test_unknown_assignee_and_category_on_dispatch(drive) -> None:
    d: Driver = drive().record()
    refused(d.desk, c.Dispatch(ticket="A1", by="desk-wang", at=at(5), to="ghost",
                               category="engineering"), "unknown_person", field="to")
    refused(d.desk, c.Dispatch(ticket="A1", by="desk-wang", at=at(5), category="magic"),
            "unknown_category")
    refused(d.desk, c.Dispatch(ticket="A1", by="desk-wang", at=at(5)), "category_required")


@pytest.mark.parametrize("who,cmd", [
    ("eng-zhao", "record"),          # only the desk records
    ("eng-liu", "confirm"),          # not the assignee
    ("desk-wang", "arrive"),         # the desk cannot arrive for the assignee
    ("cs-lin", "callback"),          # callbacks are the desk's
    ("desk-wang", "sample_callback"),  # sampled callbacks: community supervisor, foreman
    ("eng-liu", "transfer"),         # a colleague cannot move the work
    ("env-chief", "transfer"),       # another department's supervisor
])
def test_role_may_not(drive, who: str, cmd: str) -> None:
    d: Driver = drive()
    stage = {"confirm": "dispatched", "arrive": "acknowledged", "callback": "returned",
             "sample_callback": "called_back", "transfer": "confirmed"}.get(cmd)
    if stage:
        d.to(stage)
    kw: dict[str, Any] = {"ticket": "A1" if cmd != "record" else "R9", "by": who, "at": at(90)}
    extra: dict[str, dict[str, Any]] = {
        "record": dict(received_at=at(90), source="owner_call", content="x", mode="immediate"),
        "callback": dict(fixed=True, satisfaction="satisfied"),
        "sample_callback": dict(fixed=True, satisfaction="satisfied"),
        "transfer": dict(to="eng-liu" if who != "eng-liu" else "sec-sun", reason="x"),
    }
    kw.update(extra.get(cmd, {}))
    from propdesk.domain.commands import COMMAND_TYPES
    from propdesk.domain.enums import CommandName

    err = refused(d.desk, COMMAND_TYPES[CommandName(cmd)](**kw), "forbidden", person=who)
    assert err.params["allowed"]


def test_time_before_previous_event(drive) -> None:
    d: Driver = drive().to("dispatched")
    last = d.desk.ticket("A1").last_at
    refused(d.desk, c.Confirm(ticket="A1", by=d.assignee, at=at(0.5)),
            "time_before_previous", ticket="A1")
    # exactly at the previous event is fine (R-32 refuses only earlier)
    d.desk.handle(c.Confirm(ticket="A1", by=d.assignee, at=last))


def test_naive_datetimes_refused(desk: Desk) -> None:
    naive = datetime(2026, 3, 2, 9, 0)
    refused(desk, c.Record(ticket="N1", by="desk-wang", at=naive, received_at=naive,
                           source="owner_call", content="x", mode="immediate"),
            "naive_time", field="at")
    refused(desk, c.Record(ticket="N1", by="desk-wang", at=at(1), received_at=naive,
                           source="owner_call", content="x", mode="immediate"),
            "naive_time", field="received_at")


def test_received_after_recorded_refused(desk: Desk) -> None:
    refused(desk, c.Record(ticket="N1", by="desk-wang", at=at(1), received_at=at(2),
                           source="owner_call", content="x", mode="immediate"),
            "time_order", field="received_at")
    refused(desk, c.Record(ticket="N1", by="desk-wang", at=at(3), received_at=at(2),
                           originated_at=at(2.5), source="owner_call", content="x",
                           mode="immediate"), "time_order", field="originated_at")


def test_appointment_without_time_or_in_past(desk: Desk) -> None:
    base: dict[str, Any] = dict(ticket="P1", by="desk-wang", at=at(1), received_at=at(0),
                                source="owner_call", content="x", mode="appointment")
    refused(desk, c.Record(**base), "appointment_required", ticket="P1")
    refused(desk, c.Record(**base, appointment_at=at(1)), "appointment_in_past")
    refused(desk, c.Record(**{**base, "mode": "immediate"}, appointment_at=at(100)),
            "appointment_not_allowed")


def test_rework_appointment_in_past_refused(drive) -> None:
    d: Driver = drive().to("completed")
    d.do(c.Reject, by=d.assignee, signer="李女士")
    refused(d.desk, c.Dispatch(ticket="A1", by="desk-wang", at=at(60),
                               appointment_at=at(59)), "appointment_in_past")


def test_contact_owner_only_for_appointments(drive) -> None:
    d: Driver = drive().to("confirmed")
    refused(d.desk, c.ContactOwner(ticket="A1", by=d.assignee, at=at(30)), "wrong_state")


@pytest.mark.parametrize("content", ["", "   "])
def test_missing_content_refused(desk: Desk, content: str) -> None:
    refused(desk, c.Record(ticket="M1", by="desk-wang", at=at(1), received_at=at(0),
                           source="owner_call", content=content, mode="immediate"),
            "required", field="content")


@pytest.mark.parametrize("field,size,limit", [("content", 2001, 2000),
                                              ("location", 201, 200),
                                              ("reply", 2001, 2000)])
def test_oversize_text_refused_naming_the_field(desk: Desk, field: str, size: int,
                                                limit: int) -> None:
    kw: dict[str, Any] = dict(ticket="L1", by="desk-wang", at=at(1), received_at=at(0),
                              source="owner_call", content="x", mode="immediate")
    kw[field] = "漏" * size
    refused(desk, c.Record(**kw), "too_long", field=field, length=size, limit=limit)
    kw[field] = "漏" * limit
    desk.handle(c.Record(**kw))  # exactly at the limit is accepted


def test_fee_not_on_schedule_needs_supervisor_override(drive) -> None:
    d: Driver = drive().to("diagnosed")
    item = c.FeeItem(code="X99", qty="1", name="特殊配件", price="10.00")
    refused(d.desk, c.Plan(ticket="A1", by=d.assignee, at=at(60), fees=(item,)),
            "fee_not_on_schedule", value="X99")
    refused(d.desk, c.Plan(ticket="A1", by=d.assignee, at=at(60), fees=(item,),
                           override_by="desk-wang"), "override_not_supervisor")


def test_plan_needs_diagnosis(drive) -> None:
    d: Driver = drive().to("on_site")
    refused(d.desk, c.Plan(ticket="A1", by=d.assignee, at=at(60)), "diagnosis_required")


def test_fees_agreed_without_schedule_shown(drive) -> None:
    d: Driver = drive().to("planned")
    refused(d.desk, c.Agree(ticket="A1", by=d.assignee, at=at(60)), "schedule_not_shown")


@pytest.mark.parametrize("charge", ["-1.00", "abc", 30.0, "1.005", "1e3", True, "NaN"])
def test_bad_money_refused(drive, charge: Any) -> None:
    d: Driver = drive().to("in_progress")
    refused(d.desk, c.Complete(ticket="A1", by=d.assignee, at=at(60), charge=charge),
            "invalid_money", field="charge")


@pytest.mark.parametrize("qty", ["0", "-1", 1.5, "x"])
def test_bad_quantity_refused(drive, qty: Any) -> None:
    d: Driver = drive().to("diagnosed")
    refused(d.desk, c.Plan(ticket="A1", by=d.assignee, at=at(60),
                           fees=(c.FeeItem(code="E01", qty=qty),)), "invalid_quantity")


@pytest.mark.parametrize("kw,code", [
    ({"satisfaction": "ecstatic"}, "invalid_choice"),
    ({"channel": "telegram"}, "invalid_choice"),
    ({"fixed": "yes"}, "invalid_type"),
    ({"charge_ok": "no"}, "invalid_type"),
])
def test_callback_answers_outside_r41(drive, kw: dict[str, Any], code: str) -> None:
    d: Driver = drive().to("returned")
    args: dict[str, Any] = dict(ticket="A1", by="desk-wang", at=at(60), fixed=True,
                                satisfaction="satisfied")
    args.update(kw)
    refused(d.desk, c.Callback(**args), code)


def test_escalation_only_rises(drive) -> None:
    d: Driver = drive().to("dispatched")
    d.do(c.Escalate, by="desk-wang", level=2, reason="重大")
    refused(d.desk, c.Escalate(ticket="A1", by="desk-wang", at=at(60), level=1, reason="x"),
            "level_not_rising", level=2)
    refused(d.desk, c.Escalate(ticket="A1", by="desk-wang", at=at(60), level=3, reason="x"),
            "invalid_choice")


def test_emergency_return_needs_signature(drive) -> None:
    d: Driver = drive(mode="emergency").to("confirmed")
    a = d.assignee
    for cls, kw in [(c.Arrive, {}), (c.Diagnose, {"diagnosis": "x"}), (c.Plan, {}),
                    (c.Agree, {}), (c.Complete, {}), (c.Accept, {"signer": "李女士"})]:
        d.do(cls, by=a, **kw)
    refused(d.desk, c.Return(ticket="A1", by="desk-wang", at=at(90)), "signature_required")


def test_non_emergency_cannot_arrive_before_signing(drive) -> None:
    d: Driver = drive().to("confirmed")
    refused(d.desk, c.Arrive(ticket="A1", by=d.assignee, at=at(60)), "wrong_state")


def test_desk_cannot_complete_engineering_itself(drive) -> None:
    d: Driver = drive().record(category="engineering")
    refused(d.desk, c.Complete(ticket="A1", by="desk-wang", at=at(60)), "wrong_state")


def test_disputed_charge_needs_settlement_before_next_callback(drive) -> None:
    d: Driver = drive().to("returned")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=False)
    refused(d.desk, c.Callback(ticket="A1", by="desk-wang", at=at(90), fixed=True,
                               satisfaction="satisfied", charge_ok=True), "dispute_unsettled")


def test_cancel_needs_source_confirmation_and_is_refused_after_completion(drive) -> None:
    d: Driver = drive().to("dispatched")
    refused(d.desk, c.Cancel(ticket="A1", by="desk-wang", at=at(60), reason="x"),
            "source_not_confirmed")
    d.to("completed")
    refused(d.desk, c.Cancel(ticket="A1", by="desk-wang", at=at(90), reason="x",
                             confirmed_by_source=True), "wrong_state")


def test_amend_refuses_unknown_field_and_keeps_history(drive) -> None:
    d: Driver = drive().record()
    refused(d.desk, c.Amend(ticket="A1", by="desk-wang", at=at(60), field="received_at",
                            value="x", reason="x"), "not_amendable")


def test_transfer_to_same_assignee(drive) -> None:
    d: Driver = drive().to("dispatched")
    refused(d.desk, c.Transfer(ticket="A1", by="desk-wang", at=at(60), to=d.assignee,
                               reason="x"), "same_assignee")


def test_terminal_states_take_no_state_changing_command(drive) -> None:
    d: Driver = drive().to("closed")
    for cmd in (c.Reply(ticket="A1", by="desk-wang", at=at(99), text="x"),
                c.Escalate(ticket="A1", by="desk-wang", at=at(99), level=1, reason="x"),
                c.Amend(ticket="A1", by="desk-wang", at=at(99), field="location", value="x",
                        reason="x")):
        refused(d.desk, cmd, "wrong_state", state="closed")


def test_error_to_dict_is_stable(drive) -> None:
    d: Driver = drive().to("dispatched")
    err = refused(d.desk, c.Close(ticket="A1", by="desk-wang", at=at(60)), "wrong_state")
    data = err.to_dict()
    assert data["code"] == "wrong_state" and data["params"]["ticket"] == "A1"
    assert data["message_zh"].startswith("工单 A1")


def test_complaint_is_never_dispatched_to_its_subject(desk: Desk) -> None:
    desk.handle(c.Record(ticket="C1", by="desk-wang", at=at(1), received_at=at(0),
                         source="owner_call", content="维修师傅态度差", mode="immediate",
                         location="x", contact="x", phone="13800000000", category="complaint",
                         about="engineering"))
    for who in ("eng-zhao", "eng-chief"):
        refused(desk, c.Dispatch(ticket="C1", by="desk-wang", at=at(2), to=who),
                "complaint_subject", value=who, about="engineering")
    desk.handle(c.Dispatch(ticket="C1", by="desk-wang", at=at(2), to="svc-chief"))


def test_unknown_asset_is_refused_on_record_and_amend(desk: Desk, drive) -> None:
    refused(desk, c.Record(ticket="S1", by="desk-wang", at=at(1), received_at=at(0),
                           source="walk_in", content="电梯异响", mode="immediate",
                           asset="lift-9-9"), "invalid_choice", field="asset")
    d: Driver = drive().record(asset="lift-3-1")
    refused(d.desk, c.Amend(ticket="A1", by="desk-wang", at=at(60), field="asset",
                            value="lift-9-9", reason="x"), "invalid_choice", field="asset")
    d.do(c.Amend, by="desk-wang", field="asset", value="pump-1", reason="业主说错了设备")
    assert d.desk.ticket("A1").asset == "pump-1"


def test_chinese_refusals_name_commands_and_roles_in_chinese(drive) -> None:
    d: Driver = drive().to("dispatched")
    err = refused(d.desk, c.Arrive(ticket="A1", by=d.assignee, at=at(50)), "wrong_state")
    assert "复述确认/接单" in err.message("zh") and "confirm" not in err.message("zh")
    err = refused(d.desk, c.Confirm(ticket="A1", by="eng-liu", at=at(50)), "forbidden")
    assert "专业责任人" in err.message("zh") and "当前处理人" in err.message("zh")
    assert "the assignee" in err.message("en")
