"""Special requests: owned by a team by kind, decided by that team with a note, and
blocking confirmation until decided, removed, or accepted as "not promised"."""

import pytest
from sqlalchemy import select

from app.events.models import Event
from app.extensions import db
from app.orders import requests
from app.orders import services as orders
from app.orders.models import SpecialRequest
from app.orders.services import OrderError
from tests.conftest import csrf_from, log_out
from tests.orders.helpers import form_fields


def events(order, kind):
    return db.session.execute(select(Event).where(Event.order_id == order.id, Event.kind == kind)
                              .order_by(Event.id)).scalars().all()


@pytest.fixture
def draft(make_order):
    return make_order()


@pytest.mark.parametrize("kind, team", [("gift_wrap", "fulfillment"), ("delivery_window", "fulfillment"),
                                        ("substitute", "inventory"), ("reserve_batch", "inventory")])
def test_the_owner_team_follows_the_kind(draft, users, kind, team):
    request = requests.add_request(draft, kind, "  Please do it  ", users["sales"])
    assert (request.owner_team, request.status, request.text) == (team, "pending", "Please do it")
    added = events(draft, "order.special_request_added")
    assert len(added) == 1 and added[0].after["team"] == team and added[0].actor_id == users["sales"].id


def test_kinds_come_from_the_configuration(app, draft, users):
    original = app.config["SPECIAL_REQUEST_TYPES"]
    app.config["SPECIAL_REQUEST_TYPES"] = "pallet=Pallet delivery=fulfillment;lot=Same lot=inventory"
    try:
        assert requests.add_request(draft, "lot", "All from one lot", users["sales"]).owner_team == "inventory"
        with pytest.raises(OrderError, match="kind"):
            requests.add_request(draft, "gift_wrap", "Wrap it", users["sales"])
    finally:
        app.config["SPECIAL_REQUEST_TYPES"] = original


def test_a_request_needs_a_known_kind_and_a_text(draft, users):
    with pytest.raises(OrderError, match="kind"):
        requests.add_request(draft, "teleport", "Beam it", users["sales"])
    with pytest.raises(OrderError, match="Describe"):
        requests.add_request(draft, "gift_wrap", "   ", users["sales"])


@pytest.mark.parametrize("who, allowed", [("fulfillment", True), ("manager", True), ("inventory", False), ("sales", False)])
def test_only_the_owning_team_or_a_manager_decides(draft, users, who, allowed):
    request = requests.add_request(draft, "gift_wrap", "Wrap in red", users["sales"])
    if allowed:
        requests.decide_request(draft, request.id, True, "", users[who])
        assert request.status == "approved" and request.decided_by_id == users[who].id
    else:
        with pytest.raises(OrderError, match="belongs to fulfillment"):
            requests.decide_request(draft, request.id, True, "", users[who])
        assert request.status == "pending"


def test_rejecting_needs_a_note_and_writes_an_event(draft, users):
    request = requests.add_request(draft, "substitute", "Blue if no red", users["sales"])
    with pytest.raises(OrderError, match="Say why"):
        requests.decide_request(draft, request.id, False, "  ", users["inventory"])
    assert request.status == "pending" and not events(draft, "order.special_request_decided")
    requests.decide_request(draft, request.id, False, "No blue in stock", users["inventory"])
    assert (request.status, request.decision_note) == ("rejected", "No blue in stock")
    decided = events(draft, "order.special_request_decided")
    assert len(decided) == 1 and decided[0].after["status"] == "rejected" and "No blue in stock" in decided[0].summary
    with pytest.raises(OrderError, match="already rejected"):
        requests.decide_request(draft, request.id, True, "", users["inventory"])


def test_done_only_after_approval(draft, users):
    request = requests.add_request(draft, "gift_wrap", "Wrap", users["sales"])
    with pytest.raises(OrderError, match="approved"):
        requests.complete_request(draft, request.id, users["fulfillment"])
    requests.decide_request(draft, request.id, True, "Will do", users["fulfillment"])
    with pytest.raises(OrderError, match="belongs to fulfillment"):
        requests.complete_request(draft, request.id, users["inventory"])
    requests.complete_request(draft, request.id, users["fulfillment"])
    assert request.status == "done" and request.done_at is not None
    assert len(events(draft, "order.special_request_done")) == 1
    rejected = requests.add_request(draft, "gift_wrap", "Ribbon", users["sales"])
    requests.decide_request(draft, rejected.id, False, "No ribbon", users["fulfillment"])
    with pytest.raises(OrderError, match="approved"):
        requests.complete_request(draft, rejected.id, users["fulfillment"])


def test_withdraw_only_while_pending_and_kept_in_the_history(draft, users):
    kept = requests.add_request(draft, "gift_wrap", "Wrap", users["sales"])
    gone = requests.add_request(draft, "custom_label", "Label with PO", users["sales"])
    requests.decide_request(draft, kept.id, True, "", users["fulfillment"])
    with pytest.raises(OrderError, match="Only a pending request"):
        requests.withdraw_request(draft, kept.id, users["sales"])
    requests.withdraw_request(draft, gone.id, users["sales"])
    db.session.commit()
    assert [r.id for r in draft.special_requests] == [kept.id]
    assert db.session.get(SpecialRequest, gone.id) is None
    withdrawn = events(draft, "order.special_request_withdrawn")
    assert len(withdrawn) == 1 and "Label with PO" in withdrawn[0].summary


@pytest.mark.parametrize("settle", ["approve", "reject", "remove", "not_promised"])
def test_confirmation_waits_for_a_decision(draft, users, settle):
    request = requests.add_request(draft, "delivery_window", "Before 10am", users["sales"])
    db.session.commit()
    with pytest.raises(OrderError, match="Before 10am"):
        orders.submit_order(draft, users["sales"])
    db.session.rollback()
    assert draft.status == "draft" and draft.number is None
    if settle == "approve":
        requests.decide_request(draft, request.id, True, "", users["fulfillment"])
    elif settle == "reject":
        requests.decide_request(draft, request.id, False, "No morning slots", users["fulfillment"])
    elif settle == "remove":
        requests.withdraw_request(draft, request.id, users["sales"])
    else:
        requests.accept_not_promised(draft, request.id, users["sales"])
        assert request.status == "pending" and request.not_promised
        assert len(events(draft, "order.special_request_not_promised")) == 1
    orders.submit_order(draft, users["sales"])
    db.session.commit()
    assert draft.status == "confirmed" and draft.number


def test_not_promised_only_while_pending(draft, users):
    request = requests.add_request(draft, "gift_wrap", "Wrap", users["sales"])
    requests.decide_request(draft, request.id, True, "", users["fulfillment"])
    with pytest.raises(OrderError, match="already been decided"):
        requests.accept_not_promised(draft, request.id, users["sales"])


def test_no_requests_on_a_closed_order(make_order, users):
    order = make_order(submit=True)
    orders.cancel_order(order, users["sales"])
    with pytest.raises(OrderError, match="cancelled"):
        requests.add_request(order, "gift_wrap", "Wrap", users["sales"])


# --- on the web ---------------------------------------------------------------------------

def _page(client, order):
    response = client.get(f"/orders/{order.ref}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_sales_adds_the_owner_decides_and_sales_sees_the_decision(client, login, make_order, users):
    order = make_order(submit=True)
    login("sales")
    fields = form_fields(_page(client, order), "/requests")
    fields.update({"sr-kind": "substitute", "sr-text": "Grey if the blue runs out"})
    response = client.post(f"/orders/{order.ref}/requests", data=fields)
    assert response.status_code == 302
    request = order.special_requests[0]
    assert (request.owner_team, request.status) == ("inventory", "pending")
    html = _page(client, order)
    assert "Grey if the blue runs out" in html and "Pending" in html and "for inventory" in html
    assert f"/requests/{request.id}/decide" not in html  # sales cannot decide

    log_out(client)
    login("inventory")
    fields = form_fields(_page(client, order), f"/requests/{request.id}/decide")
    fields.update({"decision": "approve", "note": "Grey SKU-G held for them"})
    assert client.post(f"/orders/{order.ref}/requests/{request.id}/decide", data=fields).status_code == 302
    assert request.status == "approved"

    log_out(client)
    login("sales")
    html = _page(client, order)
    assert "Approved by Inventory" in html and "Grey SKU-G held for them" in html
    assert "Special request (Substitute product, inventory)" in html  # the history shows each step
    assert "Substitute product approved by Inventory" in html


def test_a_team_that_does_not_own_the_request_is_refused_on_the_web(client, login, make_order, users):
    order = make_order(submit=True)
    request = requests.add_request(order, "gift_wrap", "Wrap", users["sales"])
    db.session.commit()
    token = login("inventory")
    assert f"/requests/{request.id}/decide" not in _page(client, order)
    response = client.post(f"/orders/{order.ref}/requests/{request.id}/decide", follow_redirects=True,
                           data={"csrf_token": token, "version": order.version, "decision": "approve"})
    assert response.status_code == 403
    assert "Deciding a special request needs the fulfillment or manager role." in response.get_data(as_text=True)
    assert request.status == "pending"
    assert client.post(f"/orders/{order.ref}/requests/{request.id}/withdraw",
                       data={"csrf_token": token, "version": order.version}).status_code == 403


def test_web_forms_say_what_is_missing(client, login, make_order, users):
    order = make_order(submit=True)
    token = login("sales")
    response = client.post(f"/orders/{order.ref}/requests", follow_redirects=True,
                           data={"csrf_token": token, "version": order.version, "sr-kind": "", "sr-text": " "})
    html = response.get_data(as_text=True)
    assert "Special request not added" in html and "Choose the kind of request." in html and "Describe the request." in html
    assert order.special_requests == []

    request = requests.add_request(order, "gift_wrap", "Wrap", users["sales"])
    db.session.commit()
    log_out(client)
    token = login("fulfillment")
    url = f"/orders/{order.ref}/requests/{request.id}/decide"
    html = client.post(url, data={"csrf_token": token, "version": order.version, "decision": "reject", "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Say why the request cannot be met" in html and request.status == "pending"
    html = client.post(url, data={"csrf_token": token, "version": order.version}, follow_redirects=True).get_data(as_text=True)
    assert "Choose Approve or Reject." in html and request.status == "pending"
    html = client.post(f"/orders/{order.ref}/requests/{request.id}/done", follow_redirects=True,
                       data={"csrf_token": token, "version": order.version}).get_data(as_text=True)
    assert "Only an approved request can be marked done." in html


def test_review_refuses_to_submit_until_the_request_is_settled(client, login, make_order, users):
    draft = make_order()
    request = requests.add_request(draft, "delivery_window", "Before 10am", users["sales"])
    db.session.commit()
    token = login("sales")
    review = client.get(f"/sales/orders/{draft.ref}/review").get_data(as_text=True)
    fields = form_fields(review, "/submit")
    html = client.post(f"/sales/orders/{draft.ref}/submit", data=fields, follow_redirects=True).get_data(as_text=True)
    assert "Special requests are not decided yet: Before 10am" in html
    assert draft.status == "draft"
    response = client.post(f"/orders/{draft.ref}/requests/{request.id}/not-promised",
                           data={"csrf_token": token, "version": draft.version})
    assert response.status_code == 302 and request.not_promised
    review = client.get(f"/sales/orders/{draft.ref}/review").get_data(as_text=True)
    assert "not promised" in review
    response = client.post(f"/sales/orders/{draft.ref}/submit", data=form_fields(review, "/submit"))
    assert response.status_code == 302 and draft.status == "confirmed", csrf_from(review)
