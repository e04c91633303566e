"""`can(user, action, subject)`: who may do what to which record, asked by views and
templates alike. The tables below are the business's answer written out by hand; `can`
must agree with them, with the lifecycle table, and with what the order page shows."""

import re
from pathlib import Path

import pytest

from app.auth.models import ROLES
from app.errors import NotAllowed, Refusal
from app.extensions import db
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.orders import lifecycle, requests
from app.orders.confirmation import confirmations_suppressed
from app.orders.lifecycle import TRANSITIONS
from app.orders.permissions import RULES, can, require
from tests.conftest import log_in, log_out

SALES = {"sales", "manager"}
WAREHOUSE = {"fulfillment", "manager"}
VIEWERS = {"sales", "inventory", "fulfillment", "manager"}

# Each case: an order brought to a status (with its method where it matters).
CASES = {
    "draft": ("draft", "delivery"),
    "confirmed": ("confirmed", "delivery"),
    "picking": ("picking", "delivery"),
    "packed": ("packed", "delivery"),
    "packed-pickup": ("packed", "pickup"),
    "dispatched": ("dispatched", "delivery"),
    "delivered": ("delivered", "delivery"),
    "ready_for_pickup": ("ready_for_pickup", "pickup"),
    "collected": ("collected", "pickup"),
    "cancelled": ("cancelled", "delivery"),
}
EVERY = set(CASES)
NOT_CLOSED = EVERY - {"delivered", "collected", "cancelled"}
PACKED = {"packed", "packed-pickup", "ready_for_pickup"}

# action on an order: (roles that may, cases in which they may) — for an order not on hold
ORDER_ACTIONS = {
    "submit": (SALES, {"draft"}),
    "cancel": (SALES, {"draft", "confirmed"}),
    "start_pick": (WAREHOUSE, {"confirmed"}),
    "release_pick": (WAREHOUSE, {"picking"}),
    "pack": (WAREHOUSE, {"picking"}),
    "dispatch": (WAREHOUSE, {"packed"}),
    "ready_for_pickup": (WAREHOUSE, {"packed-pickup"}),
    "deliver": (WAREHOUSE, {"dispatched"}),
    "collect": (WAREHOUSE | {"sales"}, {"ready_for_pickup"}),
    "view_order": (VIEWERS, EVERY),
    "continue_entry": (SALES, {"draft"}),
    "clear_credit_check": ({"manager"}, {"draft"}),  # issue 12: only a manager clears a credit check
    "accept_split": (SALES, {"draft"}),
    "amend": (SALES, {"confirmed"}),
    "ask_pick_release": (SALES, {"picking"}),
    "hold": (SALES, NOT_CLOSED),
    "release_hold": (SALES, set()),
    "log_contact": (SALES, EVERY),
    "add_request": (SALES, NOT_CLOSED),
    "print_pick_list": (WAREHOUSE, {"confirmed", "picking"}),
    "record_pick": (WAREHOUSE, {"picking"}),
    "view_packing_slip": (WAREHOUSE, EVERY),
    "print_packing_slip": (WAREHOUSE, PACKED),
    "ship": (WAREHOUSE, PACKED),
}


def expected(action: str, role: str, case: str) -> bool:
    roles, cases = ORDER_ACTIONS[action]
    return role in roles and case in cases


@pytest.fixture(autouse=True)
def _no_pdfs():
    """Orders are confirmed without rendering their confirmation PDFs (fast)."""
    with confirmations_suppressed():
        yield


@pytest.fixture
def order_for(order_in):
    def make(case):
        status, method = CASES[case]
        return order_in(status, method=method)
    return make


def test_every_order_action_of_the_table_is_a_rule():
    assert set(ORDER_ACTIONS) <= set(RULES)
    assert {name for name, t in TRANSITIONS.items() if t.offered} <= set(ORDER_ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES)
def test_can_on_an_order(order_for, users, case, role):
    order = order_for(case)
    answers = {action: can(users[role], action, order) for action in ORDER_ACTIONS}
    assert answers == {action: expected(action, role, case) for action in ORDER_ACTIONS}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ["draft", "confirmed", "picking", "packed", "ready_for_pickup"])
def test_a_transition_is_allowed_exactly_when_the_lifecycle_offers_it(order_for, users, case, role):
    order = order_for(case)
    for held in (False, True):
        order.on_hold, order.hold_reason = held, "Credit check" if held else ""
        offered = {t.name for t in lifecycle.available(order, users[role])}
        allowed = {name for name, t in TRANSITIONS.items() if t.offered and can(users[role], name, order)}
        assert allowed == offered, (held, role)


@pytest.mark.parametrize("case", ["draft", "confirmed", "picking", "packed", "ready_for_pickup"])
def test_a_held_order_only_moves_to_cancelled_and_can_be_released(order_for, users, case):
    order = order_for(case)
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    for role in ROLES:
        user = users[role]
        moves = {name for name, t in TRANSITIONS.items() if t.offered and can(user, name, order)}
        assert moves == ({"cancel"} if expected("cancel", role, case) else set()), role
        assert not can(user, "hold", order) and can(user, "release_hold", order) == (role in SALES)
        assert not can(user, "record_pick", order) and not can(user, "ship", order)
        assert can(user, "print_pick_list", order) == expected("print_pick_list", role, case)  # printing moves nothing


# --- special requests: the subject is the request ----------------------------------------------

REQUEST_STATES = ("pending", "not_promised", "approved", "rejected", "done")


def _request_in(order, state, kind, users):
    request = requests.add_request(order, kind, "Please", users["sales"])
    team = request.owner_team
    if state == "not_promised":
        requests.accept_not_promised(order, request.id, users["sales"])
    elif state in ("approved", "done"):
        requests.decide_request(order, request.id, True, "", users[team])
        if state == "done":
            requests.complete_request(order, request.id, users[team])
    elif state == "rejected":
        requests.decide_request(order, request.id, False, "Cannot", users[team])
    db.session.commit()
    return request


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "confirmed"])
@pytest.mark.parametrize("kind", ["gift_wrap", "substitute"])  # owned by fulfillment, by inventory
@pytest.mark.parametrize("state", REQUEST_STATES)
def test_can_on_a_special_request(make_order, users, state, kind, submitted):
    order = make_order(submit=submitted)
    request = _request_in(order, state, kind, users)
    owners = {request.owner_team, "manager"}
    undecided = state in ("pending", "not_promised")
    for role in ROLES:
        assert {action: can(users[role], action, request) for action in
                ("decide_request", "complete_request", "withdraw_request", "accept_not_promised")} == {
            "decide_request": role in owners and undecided,
            "complete_request": role in owners and state == "approved",
            "withdraw_request": role in SALES and undecided,
            "accept_not_promised": role in SALES and state == "pending" and not submitted,
        }, role


# --- mail, alerts, and what has no subject ----------------------------------------------------------

@pytest.mark.parametrize(("status", "attempts", "retryable"), [
    ("queued", 0, False), ("queued", 2, True), ("sending", 1, False), ("sent", 1, False), ("failed", 5, True),
])
def test_retry_an_email(users, status, attempts, retryable):
    message = OutboxMessage(status=status, attempts=attempts)
    assert {role: can(users[role], "retry_email", message) for role in ROLES} == \
           {role: retryable and role in SALES for role in ROLES}


@pytest.mark.parametrize("team", ["fulfillment", "sales", "inventory"])
def test_only_the_alerted_team_acknowledges_an_alert(users, team):
    alert = Notification(team=team, alert=True)
    assert {role for role in ROLES if can(users[role], "acknowledge_alert", alert)} == {team}


def test_view_mail(users):
    assert {role for role in ROLES if can(users[role], "view_mail")} == SALES


def test_a_user_who_is_not_logged_in_may_do_nothing(order_for):
    from flask_login import AnonymousUserMixin

    order = order_for("confirmed")
    assert not any(can(who, action, order) for who in (None, AnonymousUserMixin()) for action in ORDER_ACTIONS)


def test_an_unknown_action_is_a_bug_not_a_no(users):
    with pytest.raises(ValueError, match="Unknown action 'amned'"):
        can(users["sales"], "amned")


def test_require_says_who_may_or_why_not_now(order_for, users):
    order = order_for("packed")
    with pytest.raises(NotAllowed, match="Printing a pick list needs the fulfillment or manager role."):
        require(users["sales"], "print_pick_list", order)
    with pytest.raises(Refusal, match=f"{order.number} is Packed: pick lists are printed") as refused:
        require(users["fulfillment"], "print_pick_list", order)
    assert not isinstance(refused.value, NotAllowed) and refused.value.status == 422
    with pytest.raises(NotAllowed, match="Start picking needs the fulfillment or manager role."):
        require(users["sales"], "start_pick", order)
    with pytest.raises(lifecycle.TransitionError, match="Start picking is not possible: the order is Packed."):
        require(users["fulfillment"], "start_pick", order)
    require(users["fulfillment"], "print_packing_slip", order)  # allowed: no exception


# --- the order page shows exactly what `can` allows --------------------------------------------

def _markers(order) -> dict[str, str]:
    """What in the page's HTML shows each action's button or form."""
    ref = order.ref
    markers = {
        "print_pick_list": f'action="/orders/{ref}/pick-list.pdf"',
        "record_pick": f'href="/fulfillment/orders/{ref}/pick"',
        "ship": f'href="/fulfillment/orders/{ref}/ship"',
        "continue_entry": f'href="/sales/orders/{ref}/edit"',
        "submit": f'href="/sales/orders/{ref}/review"',
        "amend": f'href="/orders/{ref}/amend"',
        "ask_pick_release": f'action="/orders/{ref}/ask-release"',
        "hold": f'action="/orders/{ref}/hold"',
        "release_hold": f'action="/orders/{ref}/release-hold"',
        "add_request": f'action="/orders/{ref}/requests"',
        "log_contact": f'action="/orders/{ref}/communications',
    }
    for name in ("start_pick", "release_pick", "pack", "dispatch", "ready_for_pickup", "deliver", "collect", "cancel"):
        markers[name] = f'action="/orders/{ref}/transition/{name}"'
    return markers


def _on_page(action: str, role: str, case: str) -> bool:
    if action == "cancel":  # cancelling a confirmed order is an amendment: its button is Amend
        return expected(action, role, case) and case == "draft"
    return expected(action, role, case)


@pytest.mark.parametrize("role", ["sales", "inventory", "fulfillment", "manager"])
@pytest.mark.parametrize("case", ["draft", "confirmed", "picking", "packed", "ready_for_pickup", "delivered"])
def test_order_page_shows_each_action_to_who_may(client, order_for, users, case, role):
    order = order_for(case)
    assert log_in(client, role).status_code == 302
    html = client.get(f"/orders/{order.ref}").get_data(as_text=True)
    shown = {action: marker in html for action, marker in _markers(order).items()}
    assert shown == {action: _on_page(action, role, case) for action in shown}
    assert shown == {action: can(users[role], action, order) and _on_page(action, role, case) for action in shown}


def test_order_page_of_a_held_order_offers_release_not_moves(client, order_for, users):
    order = order_for("picking")
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    markers = _markers(order)
    for role, wanted in (("fulfillment", set()), ("sales", {"release_hold", "add_request", "log_contact",
                                                            "ask_pick_release"})):
        assert log_in(client, role).status_code == 302
        html = client.get(f"/orders/{order.ref}").get_data(as_text=True)
        assert {action for action, marker in markers.items() if marker in html} == wanted | (
            {"print_pick_list"} if role == "fulfillment" else set()), role
        log_out(client)


def test_request_buttons_follow_can(client, make_order, users):
    order = make_order(submit=True)
    request = _request_in(order, "pending", "gift_wrap", users)
    for role, decide, withdraw in (("fulfillment", True, False), ("inventory", False, False), ("sales", False, True),
                                   ("manager", True, True)):
        assert log_in(client, role).status_code == 302
        html = client.get(f"/orders/{order.ref}").get_data(as_text=True)
        assert (f"/requests/{request.id}/decide" in html, f"/requests/{request.id}/withdraw" in html) == \
               (decide, withdraw), role
        log_out(client)


def test_a_post_the_role_may_not_make_is_a_403_page(client, login, order_for):
    order = order_for("confirmed")
    token = login("sales")
    response = client.post(f"/orders/{order.ref}/pick-list.pdf", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Printing a pick list needs the fulfillment or manager role." in response.get_data(as_text=True)


# --- no template decides by itself --------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DECIDING = re.compile(r"has_role\(|\.status\s*(==|!=|in\b|not\s+in\b)|selectattr\(\s*['\"]status['\"]")


def test_no_template_asks_for_a_role_or_compares_a_status():
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.*"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if DECIDING.search(line)]
    assert not found, "templates must ask can(action, subject) (or a model property) instead:\n" + "\n".join(found)


def test_the_template_check_finds_what_it_forbids():
    for line in ("{% if current_user.has_role('sales') %}", "{% if order.status == 'draft' %}",
                 "{% if o.status in ('packed',) %}", "{% if m.status not in ('sent',) %}",
                 "{{ o.special_requests|selectattr('status', 'equalto', 'approved') }}"):
        assert DECIDING.search(line), line
    assert not DECIDING.search("{{ status_badge(order.status) }}")
