"""Every command of the lifecycle (docs/lifecycle.md) on its happy path, through the Desk."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import T0, Driver, at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.enums import Mode, State


def test_full_repair_life_closes(drive) -> None:
    d: Driver = drive().to("closed")
    t = d.desk.ticket("A1")
    assert t.state is State.CLOSED
    wo = t.work_order
    assert wo is not None and wo.assignee == "eng-zhao"  # area A preferred
    assert wo.fees[0].amount == Decimal("30.00") and wo.charge == Decimal("30.00")
    assert [e.kind for e in d.desk.events_of("A1")] == [
        "record", "dispatch", "confirm", "acknowledge", "arrive", "diagnose", "plan",
        "agree", "complete", "accept", "return", "callback", "close"]
    assert t.callbacks[-1].outcome == "passed"


def test_record_keeps_both_times_for_relayed_information(desk: Desk) -> None:
    # relayed from a work log: originated earlier than the desk received it
    desk.handle(c.Record(ticket="W1", by="desk-wang", at=at(1), received_at=at(0.5),
                         originated_at=at(-30), source="property_internal",
                         first_receiver="sec-sun", content="车库灯不亮", mode="immediate",
                         location="B2车库"))
    t = desk.ticket("W1")
    assert t.originated_at == at(-30) and t.received_at == at(0.5) and t.recorded_at == at(1)
    assert t.first_receiver == "sec-sun" and t.recorded_by == "desk-wang"
    assert t.incomplete == ()  # internal sources need no contact


def test_incomplete_owner_record_is_taken_and_marked(desk: Desk) -> None:
    desk.handle(c.Record(ticket="I1", by="desk-wang", at=at(1), received_at=at(0),
                         source="owner_call", content="楼道有异味", mode="immediate"))
    assert desk.ticket("I1").incomplete == ("location", "contact", "phone")


def test_inquiry_needs_no_location(desk: Desk) -> None:
    desk.handle(c.Record(ticket="Q1", by="desk-wang", at=at(1), received_at=at(0),
                         source="owner_call", content="物业费怎么交", mode="immediate",
                         contact="王先生", phone="13700000000", category="inquiry"))
    assert desk.ticket("Q1").incomplete == ()


def test_classify_and_reclassify(desk: Desk, drive) -> None:
    drive().record()
    desk.handle(c.Classify(ticket="A1", by="desk-wang", at=at(2), category="cleaning"))
    t = desk.ticket("A1")
    assert (t.category, t.first_category, t.reclassified) == ("cleaning", "cleaning", False)
    desk.handle(c.Classify(ticket="A1", by="desk-wang", at=at(3), category="engineering"))
    t = desk.ticket("A1")
    assert (t.category, t.first_category, t.reclassified) == ("engineering", "cleaning", True)


def test_dispatch_with_category_change_counts_as_reclassification(desk: Desk, drive) -> None:
    drive().record(category="cleaning")
    desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2), category="engineering"))
    t = desk.ticket("A1")
    assert t.reclassified and t.first_category == "cleaning"
    assert desk.events_of("A1")[-1].data["previous_category"] == "cleaning"


def test_explicit_assignee_and_routing_reason(desk: Desk, drive) -> None:
    drive().record()
    desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2), category="engineering",
                           to="eng-liu"))
    ev = desk.events_of("A1")[-1]
    assert ev.data["assignee"] == "eng-liu" and ev.data["routing"]["rule"] == "explicit"


def test_emergency_site_first_then_sign_and_return(drive) -> None:
    d: Driver = drive(mode="emergency").to("confirmed")
    a = d.assignee
    d.do(c.Arrive, by=a)                     # S-14: site before signing
    d.do(c.Diagnose, by=a, diagnosis="爆管")
    d.do(c.Plan, by=a)
    d.do(c.Agree, by=a)
    d.do(c.Complete, by=a)
    d.do(c.Accept, by=a, signer="李女士")
    assert d.desk.ticket("A1").state is State.ACCEPTED
    d.do(c.Acknowledge, by=a)                # sign for the form after the first stage
    t = d.desk.ticket("A1")
    assert t.state is State.ACCEPTED and t.work_order and t.work_order.acknowledged_at
    d.do(c.Return, by="desk-wang")
    assert d.desk.ticket("A1").state is State.RETURNED


def test_emergency_dispatch_notifies_area_supervisor_and_managers(desk: Desk, drive) -> None:
    drive(mode="emergency").record(area="A")
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(1),
                                    category="engineering"))
    notified = {p for n in result.notices if n.type == "emergency" for p in n.to}
    assert {"eng-chief", "mgr-gao"} <= notified
    assert result.events[0].data["notices"]  # recorded in the event (S-4)


def test_appointment_contact_owner(drive) -> None:
    d: Driver = drive(mode="appointment").to("confirmed")
    d.do(c.ContactOwner, by=d.assignee)
    d.to("acknowledged")
    d.do(c.ContactOwner, by=d.assignee)  # again, state unchanged
    t = d.desk.ticket("A1")
    assert t.state is State.ACKNOWLEDGED and t.work_order and t.work_order.contacted_at


def test_unable_and_escalation_levels(drive) -> None:
    d: Driver = drive().to("on_site")
    d.do(c.UnableToHandle, by=d.assignee, reason="需更换主管道，须物业公司协调")
    d.do(c.Escalate, by=d.assignee, level=1, reason="上报工程部主管")
    d.do(c.Escalate, by="desk-wang", level=2, reason="提交经理会议")
    t = d.desk.ticket("A1")
    assert t.escalation_level == 2 and t.work_order and len(t.work_order.unable) == 1
    assert t.state is State.ON_SITE


def test_reject_sends_back_for_rework_with_new_cycle(drive) -> None:
    d: Driver = drive().to("completed")
    d.do(c.Reject, by=d.assignee, signer="李女士", opinion="仍在滴水")
    t = d.desk.ticket("A1")
    assert (t.state, t.rework_count, t.cycle) == (State.RECORDED, 1, 2)
    assert t.work_order is None
    d.to("dispatched")
    t = d.desk.ticket("A1")
    assert len(t.work_orders) == 2 and t.work_orders[-1].cycle == 2
    assert t.work_orders[-1].mode is Mode.IMMEDIATE


def test_rework_dispatch_may_set_new_appointment(drive) -> None:
    d: Driver = drive(mode="appointment").to("completed")
    d.do(c.Reject, by=d.assignee, signer="李女士")
    d.do(c.Dispatch, by="desk-wang", appointment_at=at(600))
    wo = d.desk.ticket("A1").work_orders[-1]
    assert wo.mode is Mode.APPOINTMENT and wo.appointment_at == at(600)


def test_callback_not_fixed_is_rework(drive) -> None:
    d: Driver = drive().to("returned")
    d.do(c.Callback, by="desk-wang", fixed=False, satisfaction="dissatisfied",
         charge_ok=True)  # (charged 30.00: the callback says whether the charge is right)
    t = d.desk.ticket("A1")
    assert (t.state, t.rework_count, t.cycle) == (State.RECORDED, 1, 2)


def test_disputed_charge_waits_for_settlement_and_another_callback(drive) -> None:
    d: Driver = drive().to("returned")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="basically_satisfied",
         charge_ok=False)
    assert d.desk.ticket("A1").state is State.RETURNED
    d.do(c.Escalate, by="desk-wang", level=1, reason="收费争议")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=True,
         close=True)
    assert d.desk.ticket("A1").state is State.CLOSED


def test_desk_resolves_inquiry_itself(desk: Desk, drive) -> None:
    drive().record(category="inquiry", location=None)
    desk.handle(c.Complete(ticket="A1", by="desk-wang", at=at(2), note="已告知缴费方式"))
    t = desk.ticket("A1")
    assert t.state is State.RETURNED and t.desk_resolutions == (at(2),)
    desk.handle(c.Callback(ticket="A1", by="desk-wang", at=at(3), fixed=True,
                           satisfaction="satisfied", close=True))
    assert desk.ticket("A1").state is State.CLOSED


def test_transfer_voids_old_work_order(drive) -> None:
    d: Driver = drive().to("acknowledged")
    d.do(c.Transfer, by="desk-wang", to="eng-liu", reason="赵师傅另有急修")
    t = d.desk.ticket("A1")
    assert t.state is State.DISPATCHED and len(t.work_orders) == 2
    assert t.work_orders[0].voided_at is not None and t.work_orders[0].transferred_to == "eng-liu"
    assert t.assignee == "eng-liu" and t.first_receiver == "desk-wang"
    assert t.cycle == 1  # a transfer does not start a new cycle (S-22)


def test_supervisor_of_assignee_may_transfer(drive) -> None:
    d: Driver = drive().to("confirmed")
    d.do(c.Transfer, by="eng-chief", to="eng-liu", reason="调配")
    assert d.desk.ticket("A1").assignee == "eng-liu"


def test_amend_keeps_old_and_new(drive) -> None:
    d: Driver = drive().record(location="5-1-1201")
    d.do(c.Amend, by="desk-wang", field="location", value="5-1-1202", reason="业主更正房号")
    t = d.desk.ticket("A1")
    assert t.location == "5-1-1202"
    a = t.amendments[0]
    assert (a.field, a.old, a.new, a.by) == ("location", "5-1-1201", "5-1-1202", "desk-wang")


def test_reply_follow_up_and_cancel(drive) -> None:
    d: Driver = drive().to("dispatched")
    d.do(c.Reply, by="desk-wang", text="师傅马上到", answers=False)
    d.do(c.FollowUp, by="desk-wang", note="已催促")
    d.do(c.FollowUp, by=d.assignee, note="在路上")
    d.do(c.Cancel, by="desk-wang", reason="业主自行修好", confirmed_by_source=True)
    t = d.desk.ticket("A1")
    assert t.state is State.CANCELLED and t.follow_ups == 2 and len(t.replies) == 2
    assert t.cancelled_at == t.last_at and t.cancel_reason == "业主自行修好"


def test_sample_callback_on_closed_ticket_changes_nothing(drive) -> None:
    d: Driver = drive().to("closed")
    d.do(c.SampleCallback, by="cs-lin", fixed=True, satisfaction="satisfied")
    d.do(c.SampleCallback, by="fm-xu", fixed=True, satisfaction="dissatisfied")
    t = d.desk.ticket("A1")
    assert t.state is State.CLOSED and len(t.sample_callbacks) == 2
    agrees = [e.data["agrees"] for e in d.desk.events_of("A1")[-2:]]
    assert agrees == [True, False]


def test_plan_with_off_schedule_item_and_override(drive) -> None:
    d: Driver = drive().to("diagnosed")
    d.do(c.Plan, by=d.assignee, override_by="eng-chief",
         fees=(c.FeeItem(code="X99", qty="2", name="特殊配件", price="12.50"),))
    wo = d.desk.ticket("A1").work_order
    assert wo is not None and wo.override_by == "eng-chief"
    assert wo.fees[0].amount == Decimal("25.00") and not wo.fees[0].on_schedule


@pytest.mark.parametrize("qty,total", [("1", "25.50"), ("3", "76.50"), ("0.5", "12.75")])
def test_fee_amounts_are_exact(drive, qty: str, total: str) -> None:
    d: Driver = drive().to("diagnosed")
    d.do(c.Plan, by=d.assignee, fees=(c.FeeItem(code="E03", qty=qty),))
    wo = d.desk.ticket("A1").work_order
    assert wo is not None and wo.fee_total == Decimal(total)


def test_times_are_stored_in_utc(drive) -> None:
    d: Driver = drive().record()
    ev = d.desk.events_of("A1")[0]
    assert ev.at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert ev.at == T0 + (ev.at - T0)
    assert ev.data["received_at"].endswith("+00:00")


def test_explicit_emergency_assignee_notifies_the_categorys_supervisor(desk: Desk,
                                                                        drive) -> None:
    drive(mode="emergency").record(area="A")
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(1),
                                    category="engineering", to="sec-sun"))
    ev = result.events[0]
    assert "eng-chief" in ev.data["notices"] and "sec-chief" not in ev.data["notices"]
    assert ev.data["routing"]["on_duty"] is True


def test_sampled_callback_keeps_whether_it_agrees(drive) -> None:
    d: Driver = drive().to("called_back")
    d.do(c.SampleCallback, by="cs-lin", fixed=True, satisfaction="dissatisfied")
    assert d.desk.ticket("A1").sample_callbacks[0].agrees is False
