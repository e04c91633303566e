"""Dispatched orders waiting for delivery: their own queue on the manager's desk, marked
delivered one by one or in bulk (one POST, one event per order), or automatically."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import housekeeping
from app.events.models import Event
from app.extensions import db
from app.orders import lifecycle
from app.orders.confirmation import confirmations_suppressed
from app.orders.deliveries import deliver_automatically
from app.timeutil import frozen_clock, utcnow

REF = re.compile(r'<a class="ref" href="/orders/([^"]+)">')


@pytest.fixture
def dispatched(order_in):
    """An order dispatched `days` days ago."""
    def make(days=0):
        with confirmations_suppressed(), frozen_clock(utcnow() - timedelta(days=days)):
            return order_in("dispatched")
    return make


def deliveries_of(order) -> list[Event]:
    return db.session.execute(select(Event).where(Event.order_id == order.id, Event.kind == "order.deliver")).scalars().all()


def test_dispatched_orders_leave_oldest_waiting_for_their_own_queue(client, login, dispatched, order_in):
    recent, old = dispatched(days=2), dispatched(days=30)
    waiting = order_in("confirmed")
    login("manager")
    assert REF.findall(client.get("/manager/?view=waiting").get_data(as_text=True)) == [waiting.number]
    html = client.get("/manager/?view=deliveries").get_data(as_text=True)
    assert REF.findall(html) == [old.number, recent.number]  # oldest dispatch first
    assert "30 days" in html and "2 days" in html and 'id="mark-delivered"' in html


def test_mark_the_ticked_orders_delivered_in_one_post(client, login, dispatched):
    first, second, left = dispatched(days=3), dispatched(days=2), dispatched(days=1)
    token = login("manager")
    response = client.post("/fulfillment/deliveries", data={
        "csrf_token": token, "order": [first.id, second.id], "next": "/manager/?view=deliveries"})
    assert response.status_code == 302 and response.headers["Location"] == "/manager/?view=deliveries"
    assert "2 orders marked delivered: closed, nothing more to do." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert (first.status, second.status, left.status) == ("delivered", "delivered", "dispatched")
    assert len(deliveries_of(first)) == len(deliveries_of(second)) == 1 and deliveries_of(left) == []
    assert deliveries_of(first)[0].actor_id is not None


def test_one_row_button_marks_only_its_order(client, login, dispatched):
    ticked, pressed = dispatched(), dispatched()
    token = login("fulfillment")
    response = client.post("/fulfillment/deliveries", data={"csrf_token": token, "order": [ticked.id], "only": pressed.id})
    assert response.status_code == 302
    assert (ticked.status, pressed.status) == ("dispatched", "delivered")


def test_nothing_chosen_or_an_order_not_out_for_delivery_changes_nothing(client, login, dispatched, order_in):
    out, confirmed = dispatched(), order_in("confirmed")
    token = login("manager")
    client.post("/fulfillment/deliveries", data={"csrf_token": token})
    response = client.post("/fulfillment/deliveries", data={"csrf_token": token, "order": [out.id, confirmed.id]},
                           follow_redirects=True)
    assert f"{confirmed.number}: Mark delivered is not possible" in response.get_data(as_text=True)
    assert (out.status, confirmed.status) == ("dispatched", "confirmed")


def test_only_fulfillment_and_managers_may_and_never_by_get(client, login, dispatched):
    order = dispatched()
    token = login("sales")
    assert client.post("/fulfillment/deliveries", data={"csrf_token": token, "order": [order.id]}).status_code == 403
    assert client.get(f"/fulfillment/deliveries?order={order.id}").status_code == 405
    assert order.status == "dispatched" and deliveries_of(order) == []


def test_bulk_post_needs_the_csrf_token(client, login, dispatched):
    order = dispatched()
    login("manager")
    assert client.post("/fulfillment/deliveries", data={"order": [order.id]}).status_code == 400
    assert order.status == "dispatched"


def test_automatic_delivery_after_the_configured_days_is_idempotent(app, dispatched, users):
    app.config["AUTO_DELIVER_AFTER_DAYS"] = 10
    try:
        overdue, held, recent = dispatched(days=12), dispatched(days=15), dispatched(days=3)
        lifecycle.set_hold(held, users["manager"], "Customer disputes delivery")
        db.session.commit()
        assert deliver_automatically() == "1 order marked delivered automatically after 10 days"
        db.session.commit()
        assert deliver_automatically() is None  # run again (or on another host): nothing more
        said = []
        housekeeping.run_due(said.append, tasks=[("auto-deliver", deliver_automatically, 0)])
        assert said == []
        events = deliveries_of(overdue)
        assert len(events) == 1 and events[0].actor_id is None
        assert events[0].summary == "Mark delivered: Dispatched → Delivered (automatically after 10 days)"
        assert (overdue.status, held.status, recent.status) == ("delivered", "dispatched", "dispatched")
    finally:
        app.config["AUTO_DELIVER_AFTER_DAYS"] = 0


def test_automatic_delivery_is_off_by_default(app, dispatched):
    old = dispatched(days=400)
    assert app.config["AUTO_DELIVER_AFTER_DAYS"] == 0 and deliver_automatically() is None
    assert old.status == "dispatched"
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "order.deliver")) == 0


def test_auto_delivery_is_a_housekeeping_task():
    assert ("auto-deliver", deliver_automatically, 3600) in housekeeping.TASKS
