"""R-61/R-62 (issue 19, point 3): a charge that is not the agreed plan needs a
reason and is flagged; the callback of a charged ticket says whether the source
accepts the charge; a disputed charge takes the disputed-charge path (R-41)."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import Driver, at
from tests.core.test_refusals import refused

from propdesk.domain import commands as c
from propdesk.domain.enums import State


def planned_e03(d: Driver) -> Driver:
    """A repair whose agreed plan is fee item E03 × 1 (¥25.50)."""
    d.to("diagnosed")
    d.do(c.Plan, by=d.assignee, fees=(c.FeeItem(code="E03", qty="1"),))
    d.do(c.Agree, by=d.assignee, schedule_shown=True)
    return d


def test_a_charge_other_than_the_plan_needs_a_reason(drive) -> None:
    d = planned_e03(drive())
    err = refused(d.desk, c.Complete(ticket="A1", by=d.assignee, at=at(30), charge="999.00"),
                  "charge_reason_required", ticket="A1", charge="999.00", planned="25.50")
    assert "--charge-reason" in err.message("en") and "--charge-reason" in err.message("zh")
    assert "约定方案金额 25.50" in err.message("zh")
    d.do(c.Complete, by=d.assignee, charge="999.00", charge_reason="另换整套龙头，业主同意")
    wo = d.desk.ticket("A1").work_orders[-1]
    assert wo.charge == Decimal("999.00") and wo.charge_reason == "另换整套龙头，业主同意"
    assert wo.charge_differs and d.desk.ticket("A1").charge_differs
    event = d.desk.events_of("A1")[-1]
    assert event.data["charge_reason"] == "另换整套龙头，业主同意"


def test_the_plan_amount_needs_no_reason_and_is_not_flagged(drive) -> None:
    d = planned_e03(drive())
    d.do(c.Complete, by=d.assignee, charge="25.50")
    t = d.desk.ticket("A1")
    assert not t.charge_differs and t.charged
    assert "charge_reason" not in d.desk.events_of("A1")[-1].data


def test_a_charge_without_fee_items_needs_a_reason(drive) -> None:
    d: Driver = drive().to("in_progress")  # the driver's plan: E01 × 1 (¥30.00)
    refused(d.desk, c.Complete(ticket="A1", by=d.assignee, at=at(30), charge="30.01"),
            "charge_reason_required", planned="30.00")
    d2: Driver = drive("A2").to("diagnosed")
    d2.do(c.Plan, by=d2.assignee)  # no fee items
    d2.do(c.Agree, by=d2.assignee)
    refused(d2.desk, c.Complete(ticket="A2", by=d2.assignee, at=at(40), charge="10.00"),
            "charge_reason_required", planned="0.00")
    d2.do(c.Complete, by=d2.assignee, charge="0.00")  # nothing charged: the plan's 0.00
    assert not d2.desk.ticket("A2").charge_differs and not d2.desk.ticket("A2").charged


def test_the_callback_of_a_charged_ticket_must_say_whether_the_charge_is_right(drive) -> None:
    d: Driver = drive().to("returned")  # charged 30.00
    err = refused(d.desk, c.Callback(ticket="A1", by="desk-wang", at=at(30), fixed=True,
                                     satisfaction="satisfied"),
                  "charge_answer_required", ticket="A1", charge="30.00")
    assert "--charge-ok" in err.message("en") and "--no-charge-ok" in err.message("zh")
    assert d.desk.ticket("A1").state is State.RETURNED
    # disputed: the existing path, the ticket stays returned until settled
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=False)
    t = d.desk.ticket("A1")
    assert t.state is State.RETURNED and t.charge_disputed
    d.do(c.Escalate, by="desk-wang", level=1, reason="收费争议，上报主管")
    refused(d.desk, c.Callback(ticket="A1", by="desk-wang", at=at(40), fixed=True,
                               satisfaction="satisfied"), "charge_answer_required")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=True)
    assert d.desk.ticket("A1").state is State.CALLED_BACK


def test_an_uncharged_ticket_needs_no_charge_answer(drive) -> None:
    d: Driver = drive().to("in_progress")
    d.do(c.Complete, by=d.assignee)
    d.do(c.Accept, by=d.assignee, signer="李女士")
    d.do(c.Return, by="desk-wang")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied")
    assert d.desk.ticket("A1").state is State.CALLED_BACK


def test_a_charge_on_the_desks_own_answer_has_no_plan(drive) -> None:
    d: Driver = drive("H1", category="help").record(category="help")
    refused(d.desk, c.Complete(ticket="H1", by="desk-wang", at=at(5), charge="10.00"),
            "charge_reason_required", planned="0.00")
    d.do(c.Complete, by="desk-wang", charge="10.00", charge_reason="代购灯泡，业主同意")
    t = d.desk.ticket("H1")
    assert t.state is State.RETURNED and t.charged and t.charge_differs
    assert [(x.charge, x.reason) for x in t.desk_charges] == [
        (Decimal("10.00"), "代购灯泡，业主同意")]
    refused(d.desk, c.Callback(ticket="H1", by="desk-wang", at=at(30), fixed=True,
                               satisfaction="satisfied"), "charge_answer_required",
            charge="10.00")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=True)
    assert d.desk.ticket("H1").state is State.CALLED_BACK
