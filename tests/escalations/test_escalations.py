"""Escalations by people: sales escalates from the order page; the manager assigns, comments,
holds the order and resolves; the teams concerned are told; others may not do the manager's part."""

import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from app.escalations import services
from app.escalations.models import Escalation, EscalationComment
from app.events.models import Event
from app.extensions import db
from app.notifications.models import Notification
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Communication
from app.timeutil import utcnow
from tests.conftest import log_in, log_out
from tests.security.test_reads_never_write import differences, snapshot


@pytest.fixture
def confirmed(make_order):
    """A confirmed order whose customer has had the confirmation (logged as a call): fulfillment's turn."""
    with confirmations_suppressed():
        order = make_order(submit=True)
    db.session.add(Communication(order_id=order.id, direction="out", medium="phone", summary="Confirmed",
                                 confirms_revision=order.revision))
    db.session.commit()
    return order


def told(username_or_user, kind) -> list[Notification]:
    user_id = username_or_user.id
    return db.session.execute(select(Notification).where(Notification.user_id == user_id,
                                                         Notification.kind == kind)).scalars().all()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def the_escalation() -> Escalation:
    return db.session.execute(select(Escalation)).scalar_one()


def test_sales_escalates_from_the_order_page_and_the_manager_and_fulfillment_are_told(
        client, login, confirmed, users, make_user):
    second_manager = make_user("boss2", ["manager"])
    token = login("sales")
    html = page(client, f"/orders/{confirmed.number}")
    assert "Escalate to the manager" in html and f'action="/escalations/orders/{confirmed.number}"' in html

    response = client.post(f"/escalations/orders/{confirmed.number}",
                           data={"csrf_token": token, "reason": "Customer rang twice: where is it?"})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{confirmed.number}"
    escalation = the_escalation()
    assert (escalation.source, escalation.status, escalation.team) == ("person", "open", "fulfillment")
    assert escalation.raised_by_id == users["sales"].id and escalation.breach_key is None
    html = page(client, f"/orders/{confirmed.number}")
    assert "Escalated to the manager" in html and "Customer rang twice: where is it?" in html

    for person in (users["manager"], second_manager, users["fulfillment"]):
        assert len(told(person, "order.escalated")) == 1, person.username
    assert told(users["sales"], "order.escalated") == []  # the person who raised it
    assert told(users["inventory"], "order.escalated") == []
    event = db.session.execute(select(Event).where(Event.kind == "order.escalated")).scalar_one()
    assert event.order_id == confirmed.id and event.after["escalation_id"] == escalation.id


def test_an_escalation_needs_a_reason_of_bounded_length(client, login, confirmed):
    token = login("inventory")
    for reason, message in (("   ", "Say why you escalate the order."), ("x" * 1001, "Keep it to 1,000 characters")):
        response = client.post(f"/escalations/orders/{confirmed.number}",
                               data={"csrf_token": token, "reason": reason}, follow_redirects=True)
        assert message in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Escalation.id))).scalar() == 0


def test_the_manager_assigns_comments_holds_and_resolves(client, login, confirmed, users):
    escalation = services.escalate(confirmed, "Wrong colour promised", users["sales"])
    db.session.commit()
    token = login("manager")
    url = f"/escalations/{escalation.id}"
    html = page(client, url)
    assert "Wrong colour promised" in html and "Handle it" in html and 'data-confirm="Resolve escalation' in html

    assert client.post(f"{url}/assign", data={"csrf_token": token, "user": users["inventory"].id}).status_code == 302
    assert client.post(f"{url}/comment", data={"csrf_token": token, "text": "Checking the batch"}).status_code == 302
    assert client.post(f"{url}/hold", data={"csrf_token": token, "reason": "Until the colour is agreed"}).status_code == 302
    db.session.expire_all()
    assert confirmed.on_hold and confirmed.hold_reason == "Until the colour is agreed"
    assert escalation.assignee_id == users["inventory"].id
    # the assignee is told though the escalation concerns fulfillment; fulfillment is told of each step
    assert len(told(users["inventory"], "escalation.assigned")) == 1
    assert len(told(users["inventory"], "escalation.commented")) == 1
    assert len(told(users["fulfillment"], "escalation.assigned")) == 1
    assert len(told(users["fulfillment"], "order.hold")) == 1

    missing = client.post(f"{url}/resolve", data={"csrf_token": token, "note": ""})
    assert missing.status_code == 422 and "Say how it was resolved." in missing.get_data(as_text=True)
    assert client.post(f"{url}/resolve", data={"csrf_token": token, "note": "Customer takes blue"}).status_code == 302
    db.session.expire_all()
    assert escalation.status == "resolved" and escalation.resolution_note == "Customer takes blue"
    assert escalation.resolved_by_id == users["manager"].id and escalation.resolved_at <= utcnow()
    kinds = [n.kind for n in db.session.execute(select(EscalationComment).order_by(EscalationComment.id)).scalars()]
    assert kinds == ["assign", "comment", "hold", "resolve"]
    for person in (users["sales"], users["inventory"], users["fulfillment"]):  # raised it, has it, concerned
        assert len(told(person, "escalation.resolved")) == 1, person.username
    html = page(client, url)
    assert "Resolved" in html and "Customer takes blue" in html and "Handle it" not in html

    again = client.post(f"{url}/resolve", data={"csrf_token": token, "note": "twice"}, follow_redirects=True)
    assert "This escalation is resolved" in again.get_data(as_text=True)

    # the fulfillment user finds it in the notifications menu
    log_out(client)
    log_in(client, "fulfillment")
    menu = page(client, "/notifications/menu")
    assert f"Escalation on {confirmed.number} resolved by Manager: Customer takes blue" in menu


@pytest.mark.parametrize("role", ["sales", "inventory", "fulfillment"])
def test_only_the_manager_handles_an_escalation(client, login, confirmed, users, role):
    escalation = services.escalate(confirmed, "Late", users["sales"])
    db.session.commit()
    token = login(role)
    url = f"/escalations/{escalation.id}"
    assert "Handle it" not in page(client, url)
    assert client.get("/escalations/").status_code == 403
    for step, data in (("assign", {"user": users[role].id}), ("hold", {"reason": "x"}), ("resolve", {"note": "x"})):
        assert client.post(f"{url}/{step}", data={"csrf_token": token, **data}).status_code == 403, step
    db.session.expire_all()
    assert escalation.status == "open" and escalation.assignee_id is None and not confirmed.on_hold


def test_the_people_concerned_comment_and_others_may_not(client, login, confirmed, users):
    escalation = services.escalate(confirmed, "Late", users["sales"])  # concerns fulfillment; raised by sales
    db.session.commit()
    url = f"/escalations/{escalation.id}/comment"
    token = login("inventory")
    assert client.post(url, data={"csrf_token": token, "text": "Not us"}).status_code == 403
    log_out(client)
    token = login("fulfillment")
    assert client.post(url, data={"csrf_token": token, "text": "Picking it now"}).status_code == 302
    assert len(told(users["manager"], "escalation.commented")) == 1
    assert len(told(users["sales"], "escalation.commented")) == 0  # sales is not the team concerned


def test_the_list_filters_searches_and_pages_oldest_first(client, login, make_order, users, app):
    with confirmations_suppressed():
        orders = [make_order(submit=True) for _ in range(3)]
    made = [services.escalate(o, f"Reason {n}", users["sales"]) for n, o in enumerate(orders)]
    for n, escalation in enumerate(made):
        escalation.created_at = utcnow().replace(microsecond=0) - timedelta(hours=10 - n)
    services.assign(made[2], users["manager"], users["manager"])
    services.resolve(made[1], "Done", users["manager"])
    db.session.commit()
    login("manager")
    numbers = re.compile(r'class="ref" href="/orders/([^"]+)"')
    assert numbers.findall(page(client, "/escalations/")) == [orders[0].number, orders[2].number]
    assert numbers.findall(page(client, "/escalations/?show=mine")) == [orders[2].number]
    assert numbers.findall(page(client, "/escalations/?show=resolved")) == [orders[1].number]
    assert numbers.findall(page(client, f"/escalations/?q={orders[2].number}")) == [orders[2].number]
    html = page(client, "/escalations/")
    assert "10 h" in html and "Sales" in html  # age, raised by
    app.config["PAGE_SIZE"] = 1
    try:
        paged = page(client, "/escalations/?page=2")
    finally:
        app.config["PAGE_SIZE"] = 25
    assert numbers.findall(paged) == [orders[2].number] and "Page 2 of 2" in paged
    partial = client.get("/escalations/?show=mine", headers={"HX-Request": "true", "HX-Target": "escalation-list"})
    assert '<div id="escalation-list">' in partial.get_data(as_text=True)
    assert "<html" not in partial.get_data(as_text=True)


def test_the_tile_counts_open_escalations(client, login, confirmed, users, app):
    with app.test_request_context():
        assert "0</span>" in render_template("escalations/_tile.html")
    services.escalate(confirmed, "Late", users["sales"])
    services.escalate(confirmed, "Still late", users["fulfillment"])
    db.session.commit()
    with app.test_request_context():
        html = render_template("escalations/_tile.html")
    assert '<span class="count__n">2</span>' in html and "Open escalations" in html and "2 unassigned" in html
    assert 'href="/escalations/"' in html


def test_reading_the_escalation_pages_writes_nothing(client, login, confirmed, users):
    escalation = services.escalate(confirmed, "Late", users["sales"])
    services.comment(escalation, "On it", users["manager"])
    db.session.commit()
    login("manager")
    before = snapshot()
    for url in ("/escalations/", "/escalations/?show=mine", "/escalations/?show=resolved&q=SO",
                f"/escalations/{escalation.id}", f"/orders/{confirmed.number}"):
        page(client, url)
    assert differences(before, snapshot()) == []
