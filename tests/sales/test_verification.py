"""The checks beside the order: each kind is raised when it applies and not otherwise;
acknowledging records who and when, survives unrelated edits, and goes with the condition;
an open check stops the submit."""

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.orders import verification
from app.orders.models import Order, VerificationFlag
from app.timeutil import utcnow
from tests.sales.conftest import fresh


def flags_of(desk, order):
    """Open the entry screen and return {kind: [checks]} as it shows them (stored flags with
    their acknowledgements, or checks found now); opening the page stores nothing."""
    stored_before = _stored(order)
    response = desk.get(f"/sales/orders/{order.ref}/edit")
    assert response.status_code == 200
    assert _stored(order) == stored_before  # reads never write
    html = response.get_data(as_text=True)
    found = {}
    for flag in verification.shown_flags(fresh(order)):
        assert str(escape(flag.message)) in html
        found.setdefault(flag.kind, []).append(flag)
    return found


def _stored(order):
    return db.session.execute(select(VerificationFlag.key, VerificationFlag.acknowledged_at)
                              .where(VerificationFlag.order_id == order.id).order_by(VerificationFlag.id)).all()


@pytest.fixture
def regular(make_customer, make_product, make_order):
    """A customer who has ordered 2 × A and 3 × B twice before (confirmed orders)."""
    customer = make_customer(name="Regular Ltd")
    a, b = make_product(on_hand=500), make_product(on_hand=500)
    for _ in range(2):
        make_order([(a, 2), (b, 3)], submit=True, customer=customer)
    return customer, a, b


def _age(order, days):
    order = fresh(order)
    order.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


# --- duplicates ---------------------------------------------------------------------------

def test_similar_lines_recently_are_a_possible_duplicate(desk, new_draft, regular):
    customer, a, b = regular
    order = new_draft([(a, 2), (b, 3)], customer=customer)
    dupes = flags_of(desk, order)["duplicate"]
    assert len(dupes) == 2 and all("Similar lines to SO-" in f.message for f in dupes)


def test_same_po_number_is_a_possible_duplicate(desk, new_draft, make_customer, make_product, make_order):
    customer = make_customer()
    earlier = make_order([(make_product(), 1)], submit=True, customer=customer)
    earlier = fresh(earlier)
    earlier.customer_reference = "PO-77"
    db.session.commit()
    order = new_draft([(make_product(), 1)], customer=customer, customer_reference="PO-77")
    [flag] = flags_of(desk, order)["duplicate"]
    assert f"Same customer reference PO-77 as {earlier.number}" in flag.message


def test_no_duplicate_for_other_lines_and_po_or_outside_the_window(app, desk, new_draft, regular, make_product):
    customer, a, b = regular
    other = new_draft([(make_product(), 1), (make_product(), 1)], customer=customer, customer_reference="PO-1")
    assert "duplicate" not in flags_of(desk, other)
    for earlier in db.session.execute(select(Order).where(Order.number.is_not(None))).scalars().all():
        _age(earlier, app.config["DUPLICATE_WINDOW_DAYS"] + 1)
    same_lines = new_draft([(a, 2), (b, 3)], customer=customer)
    assert "duplicate" not in flags_of(desk, same_lines)


def test_cancelled_orders_are_not_duplicates(desk, new_draft, make_customer, make_product, make_order, users):
    from app.orders.services import cancel_order
    customer, product = make_customer(), make_product()
    earlier = make_order([(product, 1)], submit=True, customer=customer)
    cancel_order(fresh(earlier), users["sales"])
    db.session.commit()
    assert "duplicate" not in flags_of(desk, new_draft([(product, 1)], customer=customer))


# --- quantities, products, addresses, stock ---------------------------------------------------

def test_quantity_far_above_the_usual_is_flagged(desk, new_draft, regular):
    customer, a, b = regular
    order = new_draft([(a, 20), (b, 8)], customer=customer)  # usual 2 and 3: 20 is far above, 8 is not
    [flag] = flags_of(desk, order)["quantity"]
    assert flag.message == f"20 × {a.sku} is far above this customer's usual 2."


def test_no_quantity_check_without_history(desk, new_draft, make_product):
    assert "quantity" not in flags_of(desk, new_draft([(make_product(on_hand=500), 300)]))


def test_first_time_product_is_flagged_only_for_new_products(desk, new_draft, regular, make_product):
    customer, a, _b = regular
    fresh_product = make_product(name="Brand new widget")
    [flag] = flags_of(desk, new_draft([(a, 2), (fresh_product, 1)], customer=customer))["new_product"]
    assert fresh_product.sku in flag.message and "Brand new widget" in flag.message


def test_no_first_time_product_flag_for_a_first_order(desk, new_draft, make_product):
    assert "new_product" not in flags_of(desk, new_draft([(make_product(), 1)]))


def test_new_delivery_address_is_flagged(desk, new_draft, regular):
    customer, a, _b = regular
    order = new_draft([(a, 2)], customer=customer)
    assert "new_address" not in flags_of(desk, order)  # the customer's own address
    desk.post(f"/sales/orders/{order.ref}/header", {"channel": "phone", "method": "delivery",
              "address": "Unit 9, Dock Road\nHull HU1 2AB"}, order=order)
    [flag] = flags_of(desk, order)["new_address"]
    assert flag.message == "The delivery address is new for this customer."
    desk.post(f"/sales/orders/{order.ref}/header", {"channel": "phone", "method": "pickup",
              "address": "Unit 9, Dock Road\nHull HU1 2AB"}, order=order)
    assert "new_address" not in flags_of(desk, order)  # collected: no delivery address to check


def test_same_address_written_differently_is_not_new(desk, new_draft, regular):
    customer, a, _b = regular
    order = new_draft([(a, 2)], customer=customer, address="1 test street, LEEDS,  LS1 1AA")
    assert "new_address" not in flags_of(desk, order)


def test_shortage_is_flagged_when_stock_cannot_serve_the_line(desk, new_draft, make_product):
    scarce, plenty = make_product(on_hand=3), make_product(on_hand=50)
    order = new_draft([(scarce, 5), (plenty, 5)])
    [flag] = flags_of(desk, order)["shortage"]
    assert flag.message == f"Only 3 of {scarce.sku} available; 2 short."
    html = desk.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    assert 'class="is-short"' in html


# --- acknowledging ------------------------------------------------------------------------------

def _ack(desk, order, flag):
    return desk.post(f"/sales/orders/{order.ref}/flags/acknowledge", {"key": flag.key}, order=order)


def test_acknowledgement_records_who_and_when(desk, new_draft, make_product, users):
    order = new_draft([(make_product(on_hand=1), 4)])
    [flag] = flags_of(desk, order)["shortage"]
    before = utcnow()
    response = _ack(desk, order, flag)
    assert response.status_code == 200
    assert "✓ Sales" in response.get_data(as_text=True)
    [flag] = flags_of(desk, order)["shortage"]
    assert flag.acknowledged_by_id == users["sales"].id
    assert before - timedelta(seconds=5) <= flag.acknowledged_at <= utcnow() + timedelta(seconds=5)


def test_acknowledgement_survives_unrelated_edits(desk, new_draft, make_product):
    short = make_product(on_hand=1)
    order = new_draft([(short, 4)])
    [flag] = flags_of(desk, order)["shortage"]
    _ack(desk, order, flag)
    desk.post(f"/sales/orders/{order.ref}/header", {"channel": "phone", "method": "delivery",
              "address": "1 Test Street\nLeeds\nLS1 1AA", "instructions": "Ring the bell"}, order=order)
    desk.post(f"/sales/orders/{order.ref}/lines", {"sku": make_product().sku, "quantity": 1}, order=order)
    [kept] = flags_of(desk, order)["shortage"]
    assert kept.key == flag.key and kept.id is not None and kept.acknowledged_at is not None


def test_a_check_goes_away_with_its_condition_and_comes_back_unacknowledged(desk, new_draft, make_product):
    short = make_product(on_hand=3)
    order = new_draft([(short, 4)])
    [flag] = flags_of(desk, order)["shortage"]
    _ack(desk, order, flag)
    line = fresh(order).lines[0]
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 2}, order=order)
    assert "shortage" not in flags_of(desk, order)
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 6}, order=order)
    [again] = flags_of(desk, order)["shortage"]
    assert again.acknowledged_at is None and "3 short" in again.message


def test_acknowledge_all_records_each(desk, new_draft, regular, make_product, users):
    customer, a, _b = regular
    order = new_draft([(a, 30), (make_product(on_hand=1), 2)], customer=customer)
    shown = sum(flags_of(desk, order).values(), [])
    assert len(shown) >= 3
    desk.post(f"/sales/orders/{order.ref}/flags/acknowledge-all", {"key": [f.key for f in shown]}, order=order)
    flags = sum(flags_of(desk, order).values(), [])
    assert flags and all(f.acknowledged_by_id == users["sales"].id and f.acknowledged_at for f in flags)


def test_submit_is_refused_while_a_check_is_open(desk, new_draft, make_product):
    order = new_draft([(make_product(on_hand=1), 3)])
    flags_of(desk, order)
    review = desk.get(f"/sales/orders/{order.ref}/review").get_data(as_text=True)
    assert "1 check to acknowledge first" in review and "disabled" in review
    response = desk.post(f"/sales/orders/{order.ref}/submit", order=order, htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    order = fresh(order)
    assert order.status == "draft" and order.number is None
    assert order.lines[0].product.reserved == 0
    assert "Acknowledge the 1 open check" in desk.get(f"/sales/orders/{order.ref}/review").get_data(as_text=True)


def test_acknowledging_on_the_review_page_returns_there(desk, new_draft, make_product):
    order = new_draft([(make_product(on_hand=1), 3)])
    [flag] = flags_of(desk, order)["shortage"]
    response = desk.post(f"/sales/orders/{order.ref}/flags/acknowledge", {"key": flag.key, "next": "review"},
                         order=order, htmx=False)
    assert response.headers["Location"].endswith(f"/sales/orders/{order.ref}/review")
    assert "disabled" not in desk.get(response.headers["Location"]).get_data(as_text=True).split("Submit and confirm")[0][-200:]
