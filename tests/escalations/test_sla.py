"""SLA rules: each raises exactly one escalation per breach, however often and from however
many processes `sla run` runs; nothing is raised before the breach."""

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app import housekeeping
from app.escalations import sla
from app.escalations.models import Escalation
from app.events.models import Event
from app.extensions import db
from app.mail.outbox import queue_email
from app.notifications.models import Notification
from app.orders import requests as special_requests
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Communication
from app.timeutil import frozen_clock, utcnow

WED = date(2026, 12, 9)  # a Wednesday in winter: London is on UTC


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, naive UTC (= London time in winter)."""
    return datetime(2026, 12, day, hour, minute)


def raised(rule: str | None = None) -> list[Escalation]:
    db.session.expire_all()
    stmt = select(Escalation).order_by(Escalation.id)
    if rule:
        stmt = stmt.where(Escalation.rule == rule)
    return db.session.execute(stmt).scalars().all()


def run(now: datetime) -> str:
    summary = sla.run_sla(now)
    db.session.commit()
    return summary


@pytest.fixture
def confirmed_at(make_order):
    """A confirmed order (no PDF), submitted at `when`, its confirmation optionally logged as a call."""
    def make(when: datetime, told: bool = True, **kw):
        with frozen_clock(when), confirmations_suppressed():
            order = make_order(submit=True, **kw)
            if told:
                db.session.add(Communication(order_id=order.id, direction="out", medium="phone",
                                             summary="Confirmed", confirms_revision=order.revision))
        db.session.commit()
        return order
    return make


# --- the business clock ------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "hours", "expected"), [
    (at(9, 12), 3, at(9, 9)),                   # within one day
    (at(9, 10), 3, at(8, 16)),                  # 2 h this morning, 1 h yesterday afternoon
    (at(9, 20), 2, at(9, 15)),                  # after closing counts from the close
    (at(14, 9), 2, at(11, 16)),                 # Monday morning: back to Friday afternoon
    (at(29, 9), 2, at(24, 16)),                 # Christmas, Boxing Day (Monday 28th) and the weekend skipped
])
def test_business_hours_skip_nights_weekends_and_holidays(app, now, hours, expected):
    assert sla.business_hours_before(now, hours) == expected


# --- each rule: nothing before the breach, one escalation after, however often it runs -----------

def test_a_draft_left_unconfirmed_for_four_business_hours(app, make_order, users):
    with frozen_clock(at(9, 9)):
        draft = make_order()
    assert run(at(9, 12, 59)) == "no new breaches (5 rules checked)."
    assert raised() == []
    assert run(at(9, 13, 1)) == "1 escalation raised (draft not confirmed 1)."
    for _ in range(3):
        run(at(9, 16))
    [escalation] = raised()
    assert (escalation.order_id, escalation.source, escalation.rule, escalation.team) == (draft.id, "sla", "draft_unconfirmed", "sales")
    assert escalation.breach_key == f"draft_unconfirmed:{draft.id}" and escalation.raised_by_id is None
    assert "4 business hours" in escalation.reason
    # one event, and the manager and sales are told once
    assert db.session.execute(select(func.count(Event.id)).where(Event.kind == "order.escalated")).scalar() == 1
    teams = db.session.execute(select(Notification.team).where(Notification.kind == "order.escalated")).scalars().all()
    assert sorted(teams) == ["manager", "sales"]


def test_a_draft_started_late_in_the_day_waits_for_the_next_morning(app, make_order):
    with frozen_clock(at(9, 16)):
        make_order()
    run(at(10, 10, 59))  # 1 h on Wednesday + 2:59 on Thursday
    assert raised() == []
    run(at(10, 11, 1))
    assert len(raised("draft_unconfirmed")) == 1


def test_a_confirmation_not_sent_thirty_minutes_after_confirming(app, confirmed_at):
    unsent = confirmed_at(at(9, 9), told=False)
    confirmed_at(at(9, 9), told=True)
    run(at(9, 9, 29))
    assert raised() == []
    for _ in range(3):
        run(at(9, 9, 31))
    [escalation] = raised()
    assert escalation.rule == "confirmation_unsent" and escalation.order_id == unsent.id
    assert escalation.breach_key == f"confirmation_unsent:{unsent.id}:1" and escalation.team == "sales"


def test_a_special_request_undecided_past_its_decision_due(app, make_order, users):
    with frozen_clock(at(9, 9)):
        draft = make_order()
        late = special_requests.add_request(draft, "gift_wrap", "Wrap in red", users["sales"])
        special_requests.add_request(draft, "substitute", "Blue if red is out", users["sales"])
        accepted = special_requests.add_request(draft, "custom_label", "Their logo", users["sales"])
        special_requests.accept_not_promised(draft, accepted.id, users["sales"])
    with frozen_clock(at(9, 11)):
        needed_today = special_requests.add_request(make_order(), "reserve_batch", "Batch 7", users["sales"],
                                                    due_date=WED)
    db.session.commit()
    run(at(9, 11, 30))  # needed by today: its decision is due already
    assert [e.breach_key for e in raised("request_undecided")] == [f"request_undecided:{needed_today.id}"]
    assert raised("request_undecided")[0].team == "inventory"
    for _ in range(3):
        run(at(9, 13, 1))  # four business hours after the first two were added
    found = {e.breach_key: e.team for e in raised("request_undecided")}
    assert found == {f"request_undecided:{needed_today.id}": "inventory",
                     f"request_undecided:{late.id}": "fulfillment",
                     f"request_undecided:{late.id + 1}": "inventory"}


def test_an_order_not_picked_the_business_day_before_its_promise(app, confirmed_at, order_in, make_product):
    soon = confirmed_at(at(7, 9))
    later = confirmed_at(at(7, 9))
    waiting = confirmed_at(at(7, 9), lines=[(make_product(on_hand=1), 3)])  # short: backordered
    packed = order_in("packed")
    for order, promised in ((soon, date(2026, 12, 10)), (later, date(2026, 12, 11)),
                            (waiting, date(2026, 12, 10)), (packed, date(2026, 12, 10))):
        order.promised_date = promised
    db.session.commit()
    for _ in range(3):
        run(at(9, 8))  # Wednesday: Thursday's orders are due tomorrow
    found = {e.order_id: e.team for e in raised("not_picked")}
    assert found == {soon.id: "fulfillment", waiting.id: "inventory"}
    breaches = {e.order_id: e.breach_key for e in raised("not_picked")}  # (raised in no set order)
    assert breaches[soon.id] == f"not_picked:{soon.id}:2026-12-10"
    later.promised_date = date(2026, 12, 10)  # promised earlier after an amendment: a new breach
    db.session.commit()
    run(at(9, 8))
    assert {e.order_id for e in raised("not_picked")} == {soon.id, waiting.id, later.id}


def test_an_email_the_relay_gave_up_on(app, confirmed_at):
    order = confirmed_at(at(9, 9))
    failed = queue_email("a@example.com", "Your order", "Hello", order=order)
    other = queue_email("b@example.com", "Statement", "Hello")  # no order to escalate
    sent = queue_email("c@example.com", "Dispatched", "Hello", order=order)
    failed.status, other.status, sent.status = "failed", "failed", "sent"
    failed.last_error = "550 mailbox unavailable"
    db.session.commit()
    for _ in range(3):
        run(at(9, 9, 10))
    [escalation] = raised()
    assert escalation.rule == "email_failed" and escalation.breach_key == f"email_failed:{failed.id}"
    assert "550 mailbox unavailable" in escalation.reason and escalation.team == "sales"


def test_a_rule_set_to_zero_is_off(app, make_order):
    app.config["SLA_DRAFT_UNCONFIRMED_HOURS"] = 0
    try:
        with frozen_clock(at(1, 9)):
            make_order()
        assert run(at(9, 9)) == "no new breaches (4 rules checked)."
    finally:
        app.config["SLA_DRAFT_UNCONFIRMED_HOURS"] = 4
    assert raised() == []


# --- once per breach, whoever inserts it first -----------------------------------------------------

def test_a_breach_already_inserted_is_skipped_without_an_event(app, make_order):
    with frozen_clock(at(1, 9)):
        make_order()
    rule = sla.RULES["draft_unconfirmed"]
    [breach] = rule.find(at(9, 9))  # both "hosts" found the same breach before either inserted it
    assert sla.raise_breach(rule, breach) is not None
    assert sla.raise_breach(rule, breach) is None  # INSERT ... ON CONFLICT DO NOTHING
    db.session.commit()
    assert len(raised()) == 1
    assert db.session.execute(select(func.count(Event.id)).where(Event.kind == "order.escalated")).scalar() == 1


def test_two_runs_at_once_raise_one_escalation_per_breach(app, make_order, confirmed_at):
    with frozen_clock(at(1, 9)):
        for _ in range(3):
            make_order()
    confirmed_at(at(1, 9), told=False)
    start, errors, summaries = threading.Barrier(2), [], []

    def host():
        try:
            with app.app_context():
                start.wait()
                summaries.append(sla.run_sla(at(9, 9)))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=host) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(raised("draft_unconfirmed")) == 3 and len(raised("confirmation_unsent")) == 1
    assert len(raised()) == 5  # and the confirmed order is not picked the day before its promise
    assert sorted(summaries) == ["5 escalations raised (draft not confirmed 3, confirmation not sent 1, "
                                 "not picked in time 1).", "no new breaches (5 rules checked)."]
    assert db.session.execute(select(func.count(Event.id)).where(Event.kind == "order.escalated")).scalar() == 5


# --- the command and the relay loop ----------------------------------------------------------------

def test_sla_run_three_times_raises_once(app, runner, make_order):
    draft = make_order()
    draft.created_at = utcnow().replace(year=utcnow().year - 1)
    db.session.commit()
    outputs = []
    for _ in range(3):
        result = runner.invoke(args=["sla", "run"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output.strip())
    assert outputs == ["SLA: 1 escalation raised (draft not confirmed 1).",
                       "SLA: no new breaches (5 rules checked).", "SLA: no new breaches (5 rules checked)."]
    assert len(raised()) == 1


def test_the_relay_loop_runs_the_sla_check_every_minute(app, make_order):
    assert ("sla", sla.housekeeping_task, 60) in housekeeping.TASKS
    said = []
    housekeeping.run_due(said.append, tasks=[("sla", sla.housekeeping_task, 0)])
    assert said == []  # nothing to say when nothing is new
    draft = make_order()
    draft.created_at = utcnow().replace(year=utcnow().year - 1)
    db.session.commit()
    housekeeping.run_due(said.append, tasks=[("sla", sla.housekeeping_task, 0)])
    assert said == ["sla: 1 escalation raised (draft not confirmed 1)."]
    assert len(raised()) == 1
