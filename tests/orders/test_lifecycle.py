"""The order lifecycle: every transition, who may make it, from where, and what it leaves behind."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import ROLES
from app.catalog.models import Product, StockMovement
from app.events.models import Event
from app.extensions import db
from app.orders import lifecycle, services
from app.orders.lifecycle import TRANSITIONS, TransitionError
from app.orders.models import Order, Revision, Shipment
from app.orders.states import STATUS_LABELS, STATUSES
from tests.conftest import csrf_from

ONLY_DELIVERY, ONLY_PICKUP = {"dispatched", "delivered"}, {"ready_for_pickup", "collected"}


def method_for(status, transition=None):
    """A method an order in `status` can have, preferring one `transition` works for."""
    if status in ONLY_DELIVERY:
        return "delivery"
    if status in ONLY_PICKUP:
        return "pickup"
    return transition.methods[0] if transition else "delivery"


def events_of(order) -> list[Event]:
    return db.session.execute(select(Event).where(Event.order_id == order.id).order_by(Event.id)).scalars().all()


ALLOWED = [(name, source, role) for name, t in TRANSITIONS.items() for source in t.sources for role in sorted(t.roles)]


@pytest.mark.parametrize(("name", "source", "role"), ALLOWED, ids=["-".join(c) for c in ALLOWED])
def test_transition_allowed_from_its_sources_by_its_roles(order_in, users, name, source, role):
    t = TRANSITIONS[name]
    order = order_in(source, method_for(source, t))
    before = len(events_of(order))
    services.transition(order, name, users[role])
    db.session.commit()
    assert order.status == t.target
    new = events_of(order)[before:]
    changes = [e for e in new if e.kind == f"order.{name}"]
    assert len(changes) == 1, [e.kind for e in new]
    event = changes[0]
    assert event.actor_id == users[role].id and event.order_id == order.id
    assert event.before == {"status": source} and event.after == {"status": t.target}
    assert event.created_at is not None
    assert STATUS_LABELS[source] in event.summary and STATUS_LABELS[t.target] in event.summary


@pytest.mark.parametrize("name", TRANSITIONS)
def test_transition_refused_from_other_statuses(order_in, users, name):
    t = TRANSITIONS[name]
    for status in (s for s in STATUSES if s not in t.sources):
        order = order_in(status, method_for(status, t))
        version, before = order.version, len(events_of(order))
        with pytest.raises(TransitionError) as refused:
            services.transition(order, name, users["manager"])
        db.session.rollback()
        assert str(refused.value) == f"{t.label} is not possible: the order is {STATUS_LABELS[status]}."
        assert (order.status, order.version, len(events_of(order))) == (status, version, before), status


@pytest.mark.parametrize("name", TRANSITIONS)
def test_transition_refused_for_other_roles(order_in, users, name):
    t = TRANSITIONS[name]
    order = order_in(t.sources[0], method_for(t.sources[0], t))
    before = len(events_of(order))
    others = [role for role in ROLES if role not in t.roles]
    assert others, f"every role may {name}?"
    for role in others:
        with pytest.raises(TransitionError) as refused:
            services.transition(order, name, users[role])
        db.session.rollback()
        assert str(refused.value) == f"{t.label} needs the {' or '.join(sorted(t.roles))} role.", role
        assert order.status == t.sources[0] and len(events_of(order)) == before, role


@pytest.mark.parametrize(("name", "method"), [("dispatch", "pickup"), ("ready_for_pickup", "delivery")])
def test_transition_refused_for_the_wrong_method(order_in, users, name, method):
    order = order_in("packed", method)
    with pytest.raises(TransitionError, match=f"only for {TRANSITIONS[name].methods[0]} orders"):
        services.transition(order, name, users["fulfillment"])
    db.session.rollback()
    assert order.status == "packed"
    assert db.session.scalar(select(func.count(Shipment.id))) == 0


def test_unknown_transition_is_refused(order_in, users):
    order = order_in("confirmed")
    with pytest.raises(TransitionError, match="is not something that can be done"):
        services.transition(order, "teleport", users["manager"])


ON_HOLD = [(name, t.sources[0]) for name, t in TRANSITIONS.items() if name != "cancel"]


@pytest.mark.parametrize(("name", "source"), ON_HOLD, ids=[n for n, _ in ON_HOLD])
def test_held_order_does_not_move_until_released(order_in, users, name, source):
    t = TRANSITIONS[name]
    order = order_in(source, method_for(source, t))
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    with pytest.raises(TransitionError, match=r"on hold \(Credit check\); release the hold first"):
        services.transition(order, name, users["manager"])
    db.session.rollback()
    assert order.status == source and order.on_hold
    lifecycle.release_hold(order, users["sales"])
    services.transition(order, name, users["manager"])
    db.session.commit()
    assert order.status == t.target


def test_a_held_order_can_still_be_cancelled(order_in, make_product, users):
    order = order_in("confirmed")
    lifecycle.set_hold(order, users["manager"], "Customer disputes price")
    services.transition(order, "cancel", users["sales"], reason="Price dispute")
    db.session.commit()
    assert order.status == "cancelled"
    assert db.session.get(Product, order.lines[0].product_id).reserved == 0
    assert not order.on_hold and order.hold_reason == ""  # closed orders are not left "on hold"
    assert [e.kind for e in events_of(order)][-4:] == ["order.hold", "order.release_hold", "order.cancel",
                                                       "notice.queued"]  # the customer is sent the cancellation


def test_hold_and_release_are_recorded(order_in, users):
    order = order_in("confirmed")
    hold = lifecycle.set_hold(order, users["sales"], "  Awaiting credit check  ")
    db.session.commit()
    assert (order.on_hold, order.hold_reason) == (True, "Awaiting credit check")
    assert (hold.kind, hold.actor_id, hold.order_id) == ("order.hold", users["sales"].id, order.id)
    assert hold.before == {"on_hold": False}
    assert hold.after == {"on_hold": True, "reason": "Awaiting credit check"}
    release = lifecycle.release_hold(order, users["manager"])
    db.session.commit()
    assert not order.on_hold and order.hold_reason == ""
    assert (release.kind, release.actor_id) == ("order.release_hold", users["manager"].id)
    assert release.before == {"on_hold": True, "reason": "Awaiting credit check"}
    assert release.after == {"on_hold": False}
    assert [e.kind for e in events_of(order)][-2:] == ["order.hold", "order.release_hold"]


@pytest.mark.parametrize(("status", "role", "reason", "message"), [
    ("confirmed", "fulfillment", "x", "Holding an order needs the sales or manager role."),
    ("confirmed", "inventory", "x", "Holding an order needs the sales or manager role."),
    ("delivered", "sales", "x", "A delivered order cannot be held."),
    ("cancelled", "manager", "x", "A cancelled order cannot be held."),
    ("confirmed", "sales", "   ", "Say why the order is held."),
])
def test_hold_refused(order_in, users, status, role, reason, message):
    order = order_in(status)
    with pytest.raises(TransitionError) as refused:
        lifecycle.set_hold(order, users[role], reason)
    assert str(refused.value) == message and not order.on_hold


def test_hold_twice_and_release_refused(order_in, users):
    order = order_in("draft")
    with pytest.raises(TransitionError, match="The order is not on hold."):
        lifecycle.release_hold(order, users["sales"])
    lifecycle.set_hold(order, users["sales"], "Waiting for PO")
    with pytest.raises(TransitionError, match="already on hold"):
        lifecycle.set_hold(order, users["sales"], "Again")
    with pytest.raises(TransitionError, match="needs the sales or manager role"):
        lifecycle.release_hold(order, users["fulfillment"])


def test_available_lists_what_the_actor_may_do(order_in, users):
    order = order_in("packed", "pickup")
    assert [t.name for t in lifecycle.available(order, users["fulfillment"])] == ["ready_for_pickup"]
    assert lifecycle.available(order, users["sales"]) == []
    confirmed = order_in("confirmed")
    assert [t.name for t in lifecycle.available(confirmed, users["sales"])] == ["cancel"]
    assert [t.name for t in lifecycle.available(confirmed, users["manager"])] == ["start_pick", "cancel"]


# --- stock and records around the transitions ---------------------------------------------

def test_submit_reserves_stock_backorders_the_shortfall_numbers_and_writes_revision_1(
        make_order, make_product, users):
    plenty = make_product(on_hand=50, price="12.7")
    short = make_product(on_hand=5)
    order = make_order(lines=[(plenty, 4), (short, 8)])
    assert order.number is None and order.ref == f"DRAFT-{order.id}"
    services.submit_order(order, users["sales"], verified_how="Read back on the phone")
    db.session.commit()
    assert order.status == "confirmed" and order.confirmed_at is not None
    assert re.fullmatch(r"SO-\d{4}-\d{5}", order.number)
    full, partial = order.lines
    assert (full.qty_reserved, full.qty_backordered) == (4, 0)
    assert (partial.qty_reserved, partial.qty_backordered) == (5, 3)
    assert (plenty.on_hand, plenty.reserved) == (50, 4)
    assert (short.on_hand, short.reserved) == (5, 5)
    revision = db.session.execute(select(Revision).where(Revision.order_id == order.id)).scalar_one()
    assert order.revision == revision.number == 1
    assert revision.verified_how == "Read back on the phone" and revision.created_by_id == users["sales"].id
    snapshot = revision.snapshot
    assert snapshot["number"] == order.number
    assert [(line["sku"], line["quantity"], line["unit_price"], line["backordered"]) for line in snapshot["lines"]] == [
        (plenty.sku, 4, "12.70", 0), (short.sku, 8, "10.00", 3)]
    assert snapshot["total"] == "130.80"
    assert [e.kind for e in events_of(order)] == ["order.draft", "order.submit", "confirmation.queued"]


@pytest.mark.parametrize(("method", "address", "lines", "message"), [
    ("delivery", "1 Road", False, "needs at least one line"),
    ("delivery", "  ", True, "needs a delivery address"),
])
def test_submit_refuses_an_incomplete_order(make_customer, make_product, users, method, address, lines, message):
    order = services.create_draft(make_customer(), channel="email", actor=users["sales"], method=method, address=address)
    if lines:
        services.add_line(order, make_product(), 1)
    db.session.commit()
    with pytest.raises(services.OrderError, match=message):
        services.submit_order(order, users["sales"])
    db.session.rollback()
    assert order.status == "draft" and order.number is None


def test_pickup_order_needs_no_address(make_customer, make_product, users):
    order = services.create_draft(make_customer(), channel="walk-in", actor=users["sales"], method="pickup", address="")
    services.add_line(order, make_product(), 1)
    services.submit_order(order, users["sales"])
    assert order.status == "confirmed"


@pytest.mark.parametrize("source", ["confirmed", "draft"])
def test_cancel_releases_reservations(order_in, make_product, users, source):
    product = make_product(on_hand=20)
    other = order_in("confirmed", product=product, quantity=2)  # someone else's reservation stays
    reserved_before = product.reserved
    order = order_in(source, product=product, quantity=7)
    assert product.reserved == reserved_before + (7 if source == "confirmed" else 0)
    services.transition(order, "cancel", users["sales"], reason="Customer changed their mind")
    db.session.commit()
    assert product.reserved == reserved_before == 2 and product.on_hand == 20
    assert all(line.qty_reserved == 0 and line.qty_backordered == 0 for line in order.lines)
    assert other.lines[0].qty_reserved == 2
    event = [e for e in events_of(order) if not e.kind.startswith("notice.")][-1]  # then the customer is told
    assert event.kind == "order.cancel" and "Customer changed their mind" in event.summary


def test_cancel_releases_only_what_was_reserved_on_a_backorder(make_order, make_product, users):
    product = make_product(on_hand=3)
    order = make_order(lines=[(product, 10)], submit=True)
    assert (product.reserved, order.lines[0].qty_backordered) == (3, 7)
    services.cancel_order(order, users["manager"])
    db.session.commit()
    assert (product.on_hand, product.reserved) == (3, 0)


def shipped_movements(order):
    return db.session.execute(
        select(StockMovement).where(StockMovement.order_id == order.id).order_by(StockMovement.id)
    ).scalars().all()


def test_dispatch_creates_a_shipment_and_ships_the_stock(order_in, make_product, users):
    product = make_product(on_hand=40)
    order = order_in("packed", "delivery", product=product, quantity=6)
    assert (product.on_hand, product.reserved, order.lines[0].qty_picked) == (40, 6, 6)
    services.transition(order, "dispatch", users["fulfillment"], carrier="DPD", tracking_number="TRK123")
    db.session.commit()
    shipment = db.session.execute(select(Shipment).where(Shipment.order_id == order.id)).scalar_one()
    assert (shipment.method, shipment.carrier, shipment.tracking_number) == ("delivery", "DPD", "TRK123")
    assert shipment.created_by_id == users["fulfillment"].id
    assert [(s.order_line_id, s.quantity) for s in shipment.lines] == [(order.lines[0].id, 6)]
    assert (product.on_hand, product.reserved) == (34, 0)
    line = order.lines[0]
    assert (line.qty_shipped, line.qty_reserved) == (6, 0)
    [movement] = shipped_movements(order)
    assert (movement.kind, movement.quantity, movement.product_id) == ("ship", -6, product.id)
    assert movement.user_id == users["fulfillment"].id and order.number in movement.reason
    services.transition(order, "deliver", users["fulfillment"])
    db.session.commit()
    assert order.status == "delivered" and order.closed_at is not None
    assert len(shipped_movements(order)) == 1  # delivering ships nothing more


def test_collect_creates_a_shipment_and_ships_the_stock(order_in, make_product, users):
    product = make_product(on_hand=10)
    order = order_in("ready_for_pickup", "pickup", product=product, quantity=4)
    assert (product.on_hand, product.reserved) == (10, 4)
    services.transition(order, "collect", users["sales"], collected_by="J. Smith")
    db.session.commit()
    shipment = db.session.execute(select(Shipment).where(Shipment.order_id == order.id)).scalar_one()
    assert (shipment.method, shipment.collected_by) == ("pickup", "J. Smith")
    assert sum(s.quantity for s in shipment.lines) == 4
    assert (product.on_hand, product.reserved) == (6, 0)
    assert [(m.kind, m.quantity) for m in shipped_movements(order)] == [("ship", -4)]
    assert order.status == "collected" and order.closed_at is not None


def test_only_reserved_units_are_picked_and_shipped_on_a_backorder(make_order, make_product, users):
    product = make_product(on_hand=2)
    order = make_order(lines=[(product, 5)], submit=True)
    for step in ("start_pick", "pack", "dispatch"):
        services.transition(order, step, users["fulfillment"])
    db.session.commit()
    line = order.lines[0]
    assert (line.qty_picked, line.qty_shipped, line.qty_backordered) == (2, 2, 3)
    assert (product.on_hand, product.reserved) == (0, 0)


def test_release_pick_puts_picked_items_back(order_in, users):
    order = order_in("picking")
    order.lines[0].qty_picked = 2
    services.transition(order, "release_pick", users["fulfillment"])
    db.session.commit()
    assert order.status == "confirmed" and order.lines[0].qty_picked == 0
    assert order.lines[0].qty_reserved == 3


# --- through the web --------------------------------------------------------------------

def flashed(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def snapshot_of(order):
    db.session.expire_all()
    fresh = db.session.get(Order, order.id)
    return (fresh.status, fresh.version, fresh.on_hold, len(events_of(fresh)))


@pytest.mark.parametrize(("role", "name", "message"), [
    ("manager", "deliver", "Mark delivered is not possible: the order is Confirmed."),
    ("manager", "teleport", "“teleport” is not something that can be done to an order."),
    ("fulfillment", "dispatch", "Dispatch is not possible: the order is Confirmed."),
])
def test_illegal_transition_post_is_refused_with_a_message(client, login, order_in, role, name, message):
    order = order_in("confirmed")
    login(role)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    before = snapshot_of(order)
    response = client.post(f"/orders/{order.number}/transition/{name}",
                           data={"csrf_token": csrf_from(page), "version": before[1]})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.number}"
    html = flashed(client, response)
    assert f'<p class="flash flash--error">{message}</p>' in html.replace("&#34;", '"')
    assert snapshot_of(order) == before


@pytest.mark.parametrize(("role", "name", "message"), [
    ("sales", "start_pick", "Start picking needs the fulfillment or manager role."),
    ("inventory", "cancel", "Cancel order needs the manager or sales role."),
])
def test_a_transition_the_role_does_not_allow_is_a_403_saying_why(client, login, order_in, role, name, message):
    order = order_in("confirmed")
    token = login(role)
    before = snapshot_of(order)
    response = client.post(f"/orders/{order.number}/transition/{name}", data={"csrf_token": token, "version": before[1]})
    assert response.status_code == 403 and message in response.get_data(as_text=True)
    htmx = client.post(f"/orders/{order.number}/transition/{name}", headers={"HX-Request": "true"},
                       data={"csrf_token": token, "version": before[1]})
    assert htmx.status_code == 403 and htmx.headers["HX-Retarget"] == "#messages"
    assert message in htmx.get_data(as_text=True)
    assert snapshot_of(order) == before


def test_transition_post_on_a_held_order_is_refused(client, login, order_in, users):
    order = order_in("confirmed")
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    token = login("fulfillment")
    before = snapshot_of(order)
    response = client.post(f"/orders/{order.number}/transition/start_pick",
                           data={"csrf_token": token, "version": before[1]})
    assert "release the hold first" in flashed(client, response)
    assert snapshot_of(order) == before


def test_legal_transition_post_moves_the_order(client, login, order_in):
    order = order_in("packed", "delivery")
    token = login("fulfillment")
    response = client.post(f"/orders/{order.number}/transition/dispatch",
                           data={"csrf_token": token, "version": order.version,
                                 "carrier": "Royal Mail", "tracking_number": "RM1"})
    html = flashed(client, response)
    assert f"{order.number} is now Dispatched (Royal Mail, RM1). With the carrier: waiting for delivery." in html
    assert snapshot_of(order)[0] == "dispatched"
    assert db.session.execute(select(Shipment.carrier)).scalar_one() == "Royal Mail"


def test_submitting_a_draft_through_the_web_redirects_to_its_new_number(client, login, order_in):
    order = order_in("draft")
    token = login("sales")
    # The order page's generic transition sends a draft to the review step, which runs every check.
    response = client.post(f"/orders/DRAFT-{order.id}/transition/submit",
                           data={"csrf_token": token, "version": order.version})
    assert response.headers["Location"] == f"/sales/orders/DRAFT-{order.id}/review"
    response = client.post(f"/sales/orders/DRAFT-{order.id}/submit",
                           data={"csrf_token": token, "version": order.version})
    db.session.expire_all()
    number = db.session.get(Order, order.id).number
    assert number and response.headers["Location"] == f"/orders/{number}"


def test_cancelling_a_confirmed_order_from_its_page_goes_through_an_amendment(client, login, order_in):
    order = order_in("confirmed")
    token = login("sales")
    response = client.post(f"/orders/{order.number}/transition/cancel",
                           data={"csrf_token": token, "version": order.version})
    assert response.headers["Location"] == f"/orders/{order.number}/amend"
    assert db.session.get(Order, order.id).status == "confirmed"


@pytest.mark.parametrize(("url", "role", "data"), [
    ("/transition/start_pick", "fulfillment", {}),
    ("/transition/start_pick", "manager", {}),
    ("/hold", "sales", {"reason": "Credit check"}),
])
def test_stale_version_gets_the_conflict_message_and_changes_nothing(client, login, order_in, url, role, data):
    order = order_in("confirmed")
    token = login(role)
    stale = order.version
    order.instructions = "Changed by a colleague meanwhile"
    db.session.commit()
    assert order.version == stale + 1
    before = snapshot_of(order)
    response = client.post(f"/orders/{order.number}{url}", data={"csrf_token": token, "version": stale, **data})
    html = flashed(client, response)
    assert f"{order.number} was changed by someone else while you were looking at it." in html
    assert snapshot_of(order) == before
    assert db.session.get(Product, order.lines[0].product_id).reserved == 3


def test_missing_version_is_treated_as_stale(client, login, order_in):
    order = order_in("confirmed")
    token = login("manager")
    response = client.post(f"/orders/{order.number}/transition/start_pick", data={"csrf_token": token})
    assert "changed by someone else" in flashed(client, response)
    assert snapshot_of(order)[0] == "confirmed"


def test_release_hold_through_the_web(client, login, order_in, users):
    order = order_in("confirmed")
    lifecycle.set_hold(order, users["sales"], "Credit check")
    db.session.commit()
    token = login("manager")
    response = client.post(f"/orders/{order.number}/release-hold", data={"csrf_token": token, "version": order.version})
    assert f"{order.number} released from hold." in flashed(client, response)
    assert snapshot_of(order)[2] is False

