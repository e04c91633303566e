"""Amendments: approved channels, verified, a new revision with a readable diff, and the
reservations adjusted in the same transaction (checked against the stock invariant)."""

import threading

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.catalog import services as stock
from app.catalog.models import Product
from app.events.models import Event
from app.extensions import db
from app.orders import services as orders
from app.orders.amendments import Amendment, amend_order, ask_pick_release
from app.orders.lifecycle import TransitionError
from app.orders.models import Order, Revision
from app.orders.services import OrderError
from tests.conftest import csrf_from, log_in, log_out
from tests.orders.helpers import assert_reservations_match, form_fields


def phoned(**kw) -> Amendment:
    return Amendment("phone", kw.pop("requested_by", "Jane Buyer"), kw.pop("verified_how", "Read back on the call"), **kw)


def reserved_now(product) -> int:
    """product.reserved as the database has it inside the current transaction."""
    return db.session.execute(select(Product.reserved).where(Product.id == product.id)).scalar_one()


@pytest.fixture
def confirmed(make_order, make_product):
    """A confirmed order: 5 of a product with 20 on hand, 3 of one with 10."""
    first, second = make_product(on_hand=20), make_product(on_hand=10)
    order = make_order(lines=[(first, 5), (second, 3)], submit=True)
    return order, first, second


# --- who, how and through which channel ------------------------------------------------

@pytest.mark.parametrize("channel", ["walk-in", "fax", ""])
def test_only_approved_channels(confirmed, users, channel):
    order, first, _ = confirmed
    with pytest.raises(OrderError, match="only taken by Phone, Email, Online"):
        amend_order(order, Amendment(channel, "Jane", "Read back", quantities={order.lines[0].id: 6}), users["sales"])


def test_the_channel_list_is_configurable(app, confirmed, users):
    order, _, _ = confirmed
    original = app.config["AMENDMENT_CHANNELS"]
    app.config["AMENDMENT_CHANNELS"] = "email"
    try:
        with pytest.raises(OrderError, match="only taken by Email"):
            amend_order(order, phoned(quantities={order.lines[0].id: 6}), users["sales"])
        amend_order(order, Amendment("email", "Jane", "Replied to her email", quantities={order.lines[0].id: 6}), users["sales"])
    finally:
        app.config["AMENDMENT_CHANNELS"] = original


def test_who_asked_and_how_it_was_verified_are_required(confirmed, users):
    order, _, _ = confirmed
    with pytest.raises(OrderError, match="who at the customer"):
        amend_order(order, phoned(requested_by="  ", quantities={order.lines[0].id: 6}), users["sales"])
    with pytest.raises(OrderError, match="how the change was verified"):
        amend_order(order, phoned(verified_how="", quantities={order.lines[0].id: 6}), users["sales"])
    with pytest.raises(OrderError, match="sales or manager"):
        amend_order(order, phoned(quantities={order.lines[0].id: 6}), users["inventory"])
    db.session.rollback()
    assert order.revision == 1 and order.lines[0].quantity == 5


# --- reservations follow the change ----------------------------------------------------

def test_quantity_up_reserves_more_and_backorders_the_rest(confirmed, users):
    order, first, second = confirmed
    amend_order(order, phoned(quantities={order.lines[1].id: 14}), users["sales"])
    db.session.commit()
    line = order.lines[1]
    assert (line.quantity, line.qty_reserved, line.qty_backordered) == (14, 10, 4)
    assert second.reserved == 10
    assert_reservations_match()


def test_quantity_down_frees_stock_in_the_same_transaction(confirmed, users):
    order, first, _ = confirmed
    assert first.reserved == 5
    amend_order(order, phoned(quantities={order.lines[0].id: 2}), users["sales"])
    assert reserved_now(first) == 2  # before the commit: the same transaction
    assert stock.available(first.id) == 18
    db.session.rollback()
    assert reserved_now(first) == 5 and order.lines[0].quantity == 5  # and undone with it
    amend_order(order, phoned(quantities={order.lines[0].id: 2}), users["sales"])
    db.session.commit()
    assert (order.lines[0].qty_reserved, first.reserved) == (2, 2)
    assert_reservations_match()


def test_quantity_down_on_a_backordered_line_shrinks_the_backorder_first(make_order, make_product, users):
    product = make_product(on_hand=4)
    order = make_order(lines=[(product, 10)], submit=True)
    assert (order.lines[0].qty_reserved, order.lines[0].qty_backordered) == (4, 6)
    amend_order(order, phoned(quantities={order.lines[0].id: 6}), users["sales"])
    db.session.commit()
    assert (order.lines[0].qty_reserved, order.lines[0].qty_backordered, product.reserved) == (4, 2, 4)
    amend_order(order, phoned(quantities={order.lines[0].id: 3}), users["sales"])
    db.session.commit()
    assert (order.lines[0].qty_reserved, order.lines[0].qty_backordered, product.reserved) == (3, 0, 3)
    assert_reservations_match()


def test_removing_a_line_releases_it_and_adding_reserves(confirmed, make_product, users):
    order, first, second = confirmed
    third, scarce = make_product(on_hand=50), make_product(on_hand=2)
    amend_order(order, phoned(quantities={order.lines[0].id: 0}, additions=[(third, 7), (scarce, 5)]), users["sales"])
    db.session.commit()
    assert [line.sku for line in order.lines] == [second.sku, third.sku, scarce.sku]
    assert first.reserved == 0 and third.reserved == 7 and scarce.reserved == 2
    assert order.lines[2].qty_backordered == 3
    assert_reservations_match()


def test_adding_a_product_already_on_the_order_raises_its_quantity(confirmed, users):
    order, first, _ = confirmed
    amend_order(order, phoned(additions=[(first, 2)]), users["sales"])
    db.session.commit()
    assert len(order.lines) == 2 and order.lines[0].quantity == 7 and first.reserved == 7
    assert_reservations_match()


def test_removing_every_line_is_a_cancellation(confirmed, users):
    order, first, _ = confirmed
    with pytest.raises(OrderError, match="Cancel the order"):
        amend_order(order, phoned(quantities={line.id: 0 for line in order.lines}), users["sales"])
    db.session.rollback()
    assert_reservations_match()


def test_cancel_releases_every_reservation(confirmed, users):
    order, first, second = confirmed
    revision = amend_order(order, phoned(cancel=True, cancel_reason="Bought elsewhere"), users["sales"])
    db.session.commit()
    assert order.status == "cancelled" and order.revision == 2 and revision.number == 2
    assert [c["text"] for c in revision.diff] == ["Order cancelled"]
    assert (first.reserved, second.reserved) == (0, 0)
    assert all(line.qty_reserved == 0 for line in order.lines)
    assert_reservations_match()


def test_nothing_changed_is_not_a_revision(confirmed, users):
    order, _, _ = confirmed
    with pytest.raises(OrderError, match="Nothing was changed"):
        amend_order(order, phoned(quantities={order.lines[0].id: 5}), users["sales"])


def _ship(order, line, quantity, actor):
    """Part of a line has already left the building (a partial shipment)."""
    stock.move_stock(line.product_id, "ship", -quantity, "Shipped", actor=actor, order=order, reserved_too=True)
    line.qty_shipped, line.qty_picked, line.qty_reserved = quantity, quantity, line.qty_reserved - quantity
    db.session.commit()


def test_shipped_quantities_cannot_be_reduced(confirmed, users):
    order, first, _ = confirmed
    _ship(order, order.lines[0], 2, users["fulfillment"])
    with pytest.raises(OrderError, match="2 already shipped"):
        amend_order(order, phoned(quantities={order.lines[0].id: 1}), users["sales"])
    db.session.rollback()
    with pytest.raises(OrderError, match="already shipped"):
        amend_order(order, phoned(quantities={order.lines[0].id: 0}), users["sales"])
    db.session.rollback()
    amend_order(order, phoned(quantities={order.lines[0].id: 2}), users["sales"])
    db.session.commit()
    line = order.lines[0]
    assert (line.quantity, line.qty_shipped, line.qty_reserved, line.qty_backordered) == (2, 2, 0, 0)
    assert first.reserved == 0 and first.on_hand == 18


@pytest.mark.parametrize("steps", [("start_pick", "pack"), ("start_pick", "pack", "dispatch")])
def test_packed_and_dispatched_orders_are_refused(confirmed, users, steps):
    order, first, _ = confirmed
    for step in steps:
        orders.transition(order, step, users["fulfillment"])
    db.session.commit()
    with pytest.raises(OrderError, match="cannot be amended"):
        amend_order(order, phoned(quantities={order.lines[0].id: 1}), users["sales"])


def test_picking_is_refused_until_fulfillment_releases_the_pick(confirmed, users):
    order, first, _ = confirmed
    orders.transition(order, "start_pick", users["fulfillment"])
    db.session.commit()
    with pytest.raises(OrderError, match="Ask fulfillment to release the pick"):
        amend_order(order, phoned(quantities={order.lines[0].id: 1}), users["sales"])
    db.session.rollback()
    with pytest.raises(OrderError, match="Say what the customer wants"):
        ask_pick_release(order, users["sales"], " ")
    ask_pick_release(order, users["sales"], "Customer wants 1 instead of 5")
    db.session.commit()
    alert = db.session.execute(select(Event).where(Event.order_id == order.id, Event.kind == "order.amended_in_picking")).scalar_one()
    assert "Customer wants 1 instead of 5" in alert.summary and alert.actor_id == users["sales"].id
    with pytest.raises(TransitionError):
        orders.transition(order, "release_pick", users["sales"])
    orders.transition(order, "release_pick", users["fulfillment"])
    amend_order(order, phoned(quantities={order.lines[0].id: 1}), users["sales"])
    db.session.commit()
    assert order.status == "confirmed" and order.lines[0].quantity == 1 and first.reserved == 1
    with pytest.raises(OrderError, match="not being picked"):
        ask_pick_release(order, users["sales"], "More")
    assert_reservations_match()


# --- the revision and its diff ---------------------------------------------------------

def test_each_amendment_is_the_next_revision_with_a_readable_diff(confirmed, make_product, users):
    order, first, second = confirmed
    third = make_product(on_hand=9, name="Brass hinge")
    amend_order(order, phoned(quantities={order.lines[0].id: 8, order.lines[1].id: 0}, additions=[(third, 4)],
                              header={"instructions": "Ring the bell twice"}), users["sales"])
    db.session.commit()
    amend_order(order, Amendment("email", "Tom Buyer", "Confirmed by reply email", header={"method": "pickup"}),
                users["manager"])
    db.session.commit()
    revisions = db.session.execute(select(Revision).where(Revision.order_id == order.id).order_by(Revision.number)).scalars().all()
    assert [r.number for r in revisions] == [1, 2, 3] and order.revision == 3
    second_rev = revisions[1]
    assert (second_rev.channel, second_rev.requested_by, second_rev.verified_how) == ("phone", "Jane Buyer", "Read back on the call")
    texts = [c["text"] for c in second_rev.diff]
    assert f"{first.sku} {first.name}: quantity 5 → 8" in texts
    assert f"Added {third.sku} Brass hinge × 4" in texts
    assert f"Removed {second.sku} {second.name} (was × 3)" in texts
    assert "Instructions: — → Ring the bell twice" in texts
    assert len(texts) == 4
    assert second_rev.snapshot["lines"][0]["quantity"] == 8
    # collecting instead of delivery changes the promise too, and the customer is told
    assert [c["text"] for c in revisions[2].diff][0] == "Fulfilment: Delivery → Pickup"
    assert all(c["text"].startswith("Promised date: ") for c in revisions[2].diff[1:])
    assert (revisions[2].channel, revisions[2].requested_by) == ("email", "Tom Buyer")
    amended = db.session.execute(select(Event).where(Event.order_id == order.id, Event.kind == "order.amended")
                                 .order_by(Event.id)).scalars().all()
    assert [e.after["revision"] for e in amended] == [2, 3]
    assert "asked by Jane Buyer" in amended[0].summary and "quantity 5 → 8" in amended[0].summary
    assert_reservations_match()


def test_address_whitespace_and_line_endings_are_not_changes(make_order, make_product, users):
    order = make_order(lines=[(make_product(), 2)])
    order.address = "1 Mill Lane  \r\nLeeds\r\nLS2 9JT\r\n"
    orders.submit_order(order, users["sales"])
    db.session.commit()
    revision = amend_order(order, phoned(quantities={order.lines[0].id: 3},
                                         header={"address": "1 Mill Lane\nLeeds\nLS2 9JT"}), users["sales"])
    assert [c["what"] for c in revision.diff] == ["line"]
    with pytest.raises(OrderError, match="Nothing was changed"):
        amend_order(order, phoned(header={"address": "1 Mill Lane \n Leeds\nLS2 9JT "}), users["sales"])
    db.session.rollback()
    revision = amend_order(order, phoned(header={"address": "2 Mill Lane\nLeeds\nLS2 9JT"}), users["sales"])
    assert [c["what"] for c in revision.diff] == ["address"]
    assert "2 Mill Lane" in revision.diff[0]["text"]


# --- no oversell -----------------------------------------------------------------------

def _run_together(app, *jobs):
    """Run each job in its own thread and app context (its own session), started together."""
    barrier, errors = threading.Barrier(len(jobs)), []

    def run(job):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                job()
                db.session.commit()
            except Exception as exc:  # reported to the test below
                db.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.parametrize("round_", range(3))
def test_no_oversell_when_an_amendment_and_a_submission_race_for_the_last_units(
        app, make_order, make_product, users, round_):
    product = make_product(on_hand=10)
    amended = make_order(lines=[(product, 6)], submit=True)
    draft = make_order(lines=[(product, 4)])
    ids = amended.id, amended.lines[0].id, draft.id, product.id, users["sales"].id, users["manager"].id
    db.session.commit()
    db.session.close()  # hold no transaction (or SQLite write lock) while the threads run
    amended_id, line_id, draft_id, product_id, sales_id, manager_id = ids

    def amend():
        amend_order(db.session.get(Order, amended_id), phoned(quantities={line_id: 10}), db.session.get(User, sales_id))

    def submit():
        orders.submit_order(db.session.get(Order, draft_id), db.session.get(User, manager_id))

    assert _run_together(app, *((amend, submit) if round_ % 2 == 0 else (submit, amend))) == []
    product = db.session.get(Product, product_id)
    a, b = db.session.get(Order, amended_id).lines[0], db.session.get(Order, draft_id).lines[0]
    assert product.reserved == a.qty_reserved + b.qty_reserved == 10 == product.on_hand
    assert a.qty_backordered + b.qty_backordered == 4
    assert a.qty_reserved >= 6
    assert_reservations_match()


# --- on the web: the amend form, validation, two people at once -------------------------

def _amend_page(client, order):
    response = client.get(f"/orders/{order.ref}/amend")
    assert response.status_code == 200, response.headers.get("Location")
    html = response.get_data(as_text=True)
    return html, form_fields(html, with_field="requested_by")


def _who(fields, **more):
    fields.update({"channel": "phone", "requested_by": "Jane Buyer", "verified_how": "Read back"}, **more)
    return fields


def qty(fields, line) -> str:
    """The name of the new-quantity box of `line` in the amend form's fields."""
    [index] = [k.split("-")[1] for k, v in fields.items() if k.endswith("-line_id") and v == str(line.id)]
    return f"quantities-{index}-quantity"


def add(row, field):
    """The name of an add-a-line box: add(0, "sku"), add(0, "quantity")."""
    return f"additions-{row}-{field}"


def test_amending_on_the_web(client, login, confirmed, make_product):
    order, first, second = confirmed
    extra = make_product(on_hand=3)
    login("sales")
    html, fields = _amend_page(client, order)
    assert "revision 1 → 2" in html
    _who(fields, **{qty(fields, order.lines[0]): "9", add(0, "sku"): extra.sku.lower(), add(0, "quantity"): "5"})
    response = client.post(f"/orders/{order.ref}/amend", data=fields)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "revision 2" in page and "Revision 2" in page and f"{first.sku} {first.name}: quantity 5 → 9" in page
    assert f"Added {extra.sku}" in page and "asked by Jane Buyer" in page and "verified: Read back" in page
    assert "Delivery address" not in page.split('id="revisions"')[1].split("</section>")[0]  # address untouched
    assert (first.reserved, extra.reserved, order.lines[2].qty_backordered) == (9, 3, 2)
    assert_reservations_match()


def test_the_amend_form_says_what_is_missing_and_keeps_the_input(client, login, confirmed):
    order, first, _ = confirmed
    login("sales")
    _, fields = _amend_page(client, order)
    first_qty = qty(fields, order.lines[0])
    fields.update({"channel": "", "requested_by": "", "verified_how": "", first_qty: "seven",
                   add(1, "sku"): "NO-SUCH", add(1, "quantity"): "2", add(2, "sku"): "", add(2, "quantity"): "3"})
    response = client.post(f"/orders/{order.ref}/amend", data=fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("Choose the channel.", "Say who at the customer asked.", "Say how you verified the change",
                    "Enter a whole number from 0 (remove) to 100,000.", "No product matches “NO-SUCH”.", "Enter the SKU or part of the"):
        assert message in html
    kept = form_fields(html, with_field="requested_by")
    assert kept[first_qty] == "seven" and kept[add(1, "sku")] == "NO-SUCH" and kept[add(2, "quantity")] == "3"
    _who(fields, **{first_qty: "5", add(1, "sku"): "", add(1, "quantity"): "", add(2, "quantity"): ""})
    fields["channel"] = "walk-in"
    response = client.post(f"/orders/{order.ref}/amend", data=fields)
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    fields["channel"] = "phone"
    response = client.post(f"/orders/{order.ref}/amend", data=fields)
    assert response.status_code == 422 and "Nothing was changed" in response.get_data(as_text=True)
    assert order.revision == 1 and first.reserved == 5


def test_cancelling_on_the_web_is_an_amendment(client, login, confirmed):
    order, first, second = confirmed
    login("sales")
    _, fields = _amend_page(client, order)
    response = client.post(f"/orders/{order.ref}/amend", data=_who(fields, cancel="y", cancel_reason="Found it cheaper"))
    assert response.status_code == 302
    assert order.status == "cancelled" and order.revision == 2 and (first.reserved, second.reserved) == (0, 0)
    assert_reservations_match()


def test_a_picking_order_sends_sales_to_ask_for_a_release(client, login, confirmed, users):
    order, _, _ = confirmed
    orders.transition(order, "start_pick", users["fulfillment"])
    db.session.commit()
    token = login("sales")
    response = client.get(f"/orders/{order.ref}/amend", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "is being picked. Ask fulfillment to release the pick" in html and "Ask fulfillment to release for amendment" in html
    response = client.post(f"/orders/{order.ref}/ask-release", data={"csrf_token": token, "change": "Add 2 hinges"},
                           follow_redirects=True)
    assert "Fulfillment has been asked to release the pick" in response.get_data(as_text=True)
    assert db.session.execute(select(Event).where(Event.kind == "order.amended_in_picking")).scalar_one().order_id == order.id


def test_two_people_amending_the_same_order(app, login, confirmed, make_user):
    order, first, second = confirmed
    make_user("sales2", roles=["sales"], full_name="Sam Second")
    alice, bob = app.test_client(), app.test_client()
    log_in(alice, "sales")
    log_in(bob, "sales2")
    _, alice_form = _amend_page(alice, order)
    _, bob_form = _amend_page(bob, order)

    _who(bob_form, **{qty(bob_form, order.lines[0]): "7", "address": "9 New Road\nYork"})
    assert bob.post(f"/orders/{order.ref}/amend", data=bob_form).status_code == 302
    _who(alice_form, **{qty(alice_form, order.lines[1]): "1", qty(alice_form, order.lines[0]): "2"})
    response = alice.post(f"/orders/{order.ref}/amend", data=alice_form)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed" in html and "nothing of yours was saved" in html
    assert "Sam Second" in html and f"{first.sku} {first.name}: quantity 5 → 7" in html
    assert "Delivery address" in html and "9 New Road" in html
    # nothing of Alice's was applied; Bob's change stands
    assert order.revision == 2 and order.lines[0].quantity == 7 and order.lines[1].quantity == 3
    assert order.address == "9 New Road\nYork" and first.reserved == 7 and second.reserved == 3
    # the form now shows the order as it is, so saving again cannot undo Bob's change by accident
    fresh = form_fields(html, with_field="requested_by")
    assert fresh[qty(fresh, order.lines[0])] == "7" and fresh["address"] == "9 New Road\nYork"
    assert int(fresh["version"]) == order.version
    fresh[qty(fresh, order.lines[1])] = "1"
    assert alice.post(f"/orders/{order.ref}/amend", data=_who(fresh)).status_code == 302
    assert order.revision == 3 and order.lines[0].quantity == 7 and order.lines[1].quantity == 1
    assert order.address == "9 New Road\nYork"
    assert_reservations_match()
    assert csrf_from(html)


def test_a_cancel_button_post_on_a_confirmed_order(client, login, confirmed):
    """Sales is sent to the amend form (a cancellation is an amendment); a team that may not
    cancel is told why (a 403) instead of being sent to a page it cannot open."""
    order, first, _ = confirmed
    token = login("inventory")
    response = client.post(f"/orders/{order.ref}/transition/cancel", data={"csrf_token": token, "version": order.version})
    assert response.status_code == 403
    assert "Cancel order needs the manager or sales role." in response.get_data(as_text=True)
    log_out(client)
    token = login("sales")
    response = client.post(f"/orders/{order.ref}/transition/cancel", data={"csrf_token": token, "version": order.version})
    assert response.headers["Location"] == f"/orders/{order.ref}/amend"
    assert order.status == "confirmed" and first.reserved == 5
