"""Team notifications: who is told about what, read state per user, alerts, access."""

import pytest
from sqlalchemy import select

from app.events.services import record_event
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from app.notifications.routing import ROUTES
from app.orders import services as orders
from tests.conftest import csrf_from


def told(kind):
    """Usernames told about events of `kind`, with the team they were told as."""
    rows = db.session.execute(select(Notification).where(Notification.kind == kind)).scalars().all()
    return sorted((n.user_id, n.team) for n in rows)


def ids(users, *names):
    return [users[n].id for n in names]


@pytest.mark.parametrize("kind, teams", [
    ("order.special_request_decided", ["sales"]),
    ("order.short_pick", ["sales", "inventory"]),
    ("order.amended_in_picking", ["fulfillment"]),
    ("mail.failed", ["sales", "manager"]),
    ("order.escalated", ["manager"]),
    ("order.amended", ["inventory", "fulfillment"]),
])
def test_each_kind_reaches_the_teams_that_must_act(users, make_order, kind, teams):
    order = make_order(submit=True)
    record_event(kind, f"{kind} happened", order=order, actor=None)
    db.session.commit()
    assert told(kind) == sorted((users[t].id, t) for t in teams)
    assert tuple(teams) == tuple(ROUTES[kind])


def test_a_confirmed_order_tells_inventory_and_fulfillment_but_not_the_seller(users, make_order):
    make_order(submit=True, actor=users["sales"])
    assert told("order.submit") == sorted([(users["inventory"].id, "inventory"), (users["fulfillment"].id, "fulfillment")])


def test_cancelling_a_draft_tells_nobody_cancelling_an_order_tells_the_floor(users, make_order):
    orders.cancel_order(make_order(), users["sales"])
    orders.cancel_order(make_order(submit=True), users["sales"])
    db.session.commit()
    assert sorted(t for _, t in told("order.cancel")) == ["fulfillment", "inventory"]


def test_people_with_two_roles_are_told_once_and_disabled_users_not_at_all(users, make_user, make_order):
    both = make_user("pat", ["inventory", "fulfillment"])
    gone = make_user("old", ["fulfillment"])
    gone.active = False
    db.session.commit()
    make_order(submit=True)
    people = [u for u, _ in told("order.submit")]
    assert people.count(both.id) == 1 and gone.id not in people


def test_unread_count_in_the_top_bar_and_mark_read(client, login, users, make_order):
    first, second = make_order(submit=True), make_order(submit=True)
    token = login("fulfillment")
    html = client.get("/fulfillment/").get_data(as_text=True)
    assert 'data-unread="2"' in html and first.number in html and second.number in html
    mine = services.latest(users["fulfillment"])
    response = client.post(f"/notifications/{mine[0].id}/read", data={"csrf_token": token, "next": "/fulfillment/"})
    assert response.status_code == 302 and response.headers["Location"] == "/fulfillment/"
    assert services.unread_count(users["fulfillment"]) == 1
    assert services.unread_count(users["inventory"]) == 2  # read state is per person
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert services.unread_count(users["fulfillment"]) == 0
    assert 'data-unread' not in client.get("/fulfillment/").get_data(as_text=True)


def test_mark_read_needs_the_csrf_token(client, login, users, make_order):
    make_order(submit=True)
    login("fulfillment")
    mine = services.latest(users["fulfillment"])[0]
    assert client.post(f"/notifications/{mine.id}/read").status_code == 400
    assert client.post("/notifications/read-all", data={"next": "/"}).status_code == 400
    assert services.unread_count(users["fulfillment"]) == 1


def test_nobody_can_read_or_acknowledge_someone_elses_notification(client, login, users, make_order):
    make_order(submit=True)
    token = login("fulfillment")
    theirs = services.latest(users["inventory"])[0]
    assert client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/notifications/{theirs.id}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert services.unread_count(users["inventory"]) == 1


def test_next_only_goes_back_to_a_local_page(client, login, users, make_order):
    make_order(submit=True)
    token = login("fulfillment")
    response = client.post("/notifications/read-all", data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/notifications/"


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/menu", "/notifications/alerts"])
def test_notification_pages_need_an_order_role(client, users, path):
    assert client.get(path).status_code == 302  # to the login page
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "admin", "password": "secret-pass", "csrf_token": token})
    assert client.get(path).status_code == 403


def test_notification_page_lists_filters_and_is_a_live_region(client, login, users, make_order):
    order = make_order(submit=True)
    login("inventory")
    html = client.get("/notifications/").get_data(as_text=True)
    assert order.number in html and 'id="notification-list"' in html and 'data-live-topic="notifications"' in html
    partial = client.get("/notifications/", headers={"HX-Request": "true", "HX-Target": "notification-list"})
    assert partial.get_data(as_text=True).lstrip().startswith("<div id=\"notification-list\"")
    client.post("/notifications/read-all", data={"csrf_token": csrf_from(html)})
    assert "Nothing unread" in client.get("/notifications/?show=unread").get_data(as_text=True)


def test_amendment_in_picking_is_an_alert_until_a_fulfillment_user_acknowledges_it(client, login, users, make_user, make_order):
    second = make_user("finn", ["fulfillment"])
    order = make_order(submit=True)
    record_event("order.amended_in_picking", "Quantity of SKU-T001 changed 2 → 5", order=order, actor=users["sales"])
    db.session.commit()
    token = login("fulfillment")
    html = client.get("/fulfillment/").get_data(as_text=True)
    assert 'role="alert"' in html and "Amendment to an order being picked" in html and order.number in html
    services.mark_all_read(users["fulfillment"])
    db.session.commit()
    assert 'role="alert"' in client.get("/fulfillment/").get_data(as_text=True)  # reading is not acknowledging
    alert = services.open_alerts(users["fulfillment"])[0]
    response = client.post(f"/notifications/{alert.id}/acknowledge", data={"csrf_token": token, "next": "/fulfillment/"})
    assert response.status_code == 302
    assert services.open_alerts(users["fulfillment"]) == []
    assert services.open_alerts(second) == []  # the whole team's alert is cleared
    assert 'role="alert"' not in client.get("/fulfillment/").get_data(as_text=True)
    history = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Alert acknowledged by Fulfillment" in history


def test_only_the_alerted_team_may_acknowledge(users, make_user, make_order):
    order = make_order(submit=True)
    record_event("order.amended_in_picking", "changed", order=order)
    db.session.commit()
    alert = services.open_alerts(users["fulfillment"])[0]
    with pytest.raises(services.NotificationError):
        services.acknowledge(alert, users["sales"])
    services.acknowledge(alert, users["fulfillment"])
    with pytest.raises(services.NotificationError):
        services.acknowledge(alert, users["fulfillment"])
