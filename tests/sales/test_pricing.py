"""What the customer pays: their agreed price, else the best quantity break, else list;
a price typed by hand needs a reason, a manager below the floor, and is on record."""

from decimal import Decimal

import pytest

from app.catalog.models import CustomerPrice, PriceBreak
from app.events.models import Event
from app.extensions import db
from tests.sales.conftest import fresh


@pytest.fixture
def priced(make_product, make_customer):
    """A 10.00 product with breaks at 10 (9.00) and 50 (8.00); one customer has 7.50 agreed."""
    product = make_product(price="10.00", on_hand=500)
    db.session.add_all([PriceBreak(product_id=product.id, min_quantity=10, unit_price=Decimal("9.00")),
                        PriceBreak(product_id=product.id, min_quantity=50, unit_price=Decimal("8.00"))])
    agreed, walk_in = make_customer(name="Agreed Ltd"), make_customer(name="Walk In")
    db.session.add(CustomerPrice(customer_id=agreed.id, product_id=product.id, unit_price=Decimal("7.50")))
    db.session.commit()
    return product, agreed, walk_in


def _add(desk, order, sku, quantity):
    return desk.post(f"/sales/orders/{order.ref}/lines", {"sku": sku, "quantity": quantity}, order=order)


@pytest.mark.parametrize(("quantity", "expected"), [(1, "10.00"), (9, "10.00"), (10, "9.00"),
                                                    (49, "9.00"), (50, "8.00"), (400, "8.00")])
def test_list_price_or_the_best_quantity_break(desk, new_draft, priced, quantity, expected):
    product, _agreed, walk_in = priced
    order = new_draft(customer=walk_in)
    response = _add(desk, order, product.sku, quantity)
    assert response.status_code == 200
    line = fresh(order).lines[0]
    assert line.unit_price == Decimal(expected)
    assert line.line_total == Decimal(expected) * quantity
    assert f"{Decimal(expected) * quantity:,.2f}" in response.get_data(as_text=True)


@pytest.mark.parametrize("quantity", [1, 10, 50])
def test_customer_price_wins_over_list_and_breaks(desk, new_draft, priced, quantity):
    product, agreed, _walk_in = priced
    order = new_draft(customer=agreed)
    _add(desk, order, product.sku, quantity)
    assert fresh(order).lines[0].unit_price == Decimal("7.50")


def test_lookup_shows_the_customers_price(desk, new_draft, priced):
    product, agreed, walk_in = priced
    mine = desk.get(f"/sales/orders/{new_draft(customer=agreed).ref}/products?sku={product.sku}").get_data(as_text=True)
    theirs = desk.get(f"/sales/orders/{new_draft(customer=walk_in).ref}/products?sku={product.sku}").get_data(as_text=True)
    assert "7.50" in mine and "customer" in mine
    assert "10.00" in theirs and "7.50" not in theirs


def test_changing_quantity_moves_the_price_across_breaks(desk, new_draft, priced):
    product, _agreed, walk_in = priced
    order = new_draft([(product, 5)], customer=walk_in)
    line = order.lines[0]
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 60}, order=order)
    assert fresh(order).lines[0].unit_price == Decimal("8.00")
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 2}, order=order)
    assert fresh(order).lines[0].unit_price == Decimal("10.00")


def _override(desk, order, price, reason):
    line = order.lines[0]
    return desk.post(f"/sales/orders/{order.ref}/lines/{line.id}/price", {"price": price, "reason": reason}, order=order)


def test_override_with_a_reason_is_kept_and_recorded(desk, new_draft, priced, users):
    product, _agreed, walk_in = priced
    order = new_draft([(product, 5)], customer=walk_in)
    response = _override(desk, order, "9.25", "Quote Q-118")
    assert response.status_code == 200
    assert "Quote Q-118" in response.get_data(as_text=True)
    line = fresh(order).lines[0]
    assert (line.unit_price, line.price_override_reason, line.price_override_by_id) == (
        Decimal("9.25"), "Quote Q-118", users["sales"].id)
    event = db.session.execute(db.select(Event).where(Event.kind == "order.price_override")).scalar_one()
    assert event.actor_id == users["sales"].id and event.order_id == order.id
    assert event.before == {"unit_price": "10.00"} and event.after == {"unit_price": "9.25"}
    # a hand-set price is not moved by quantity breaks
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": 60}, order=order)
    assert fresh(order).lines[0].unit_price == Decimal("9.25")


def test_override_without_a_reason_is_refused(desk, new_draft, priced):
    product, _agreed, walk_in = priced
    order = new_draft([(product, 5)], customer=walk_in)
    html = _override(desk, order, "9.25", "  ").get_data(as_text=True)
    assert "Say why the price is overridden" in html
    assert fresh(order).lines[0].unit_price == Decimal("10.00")
    assert db.session.execute(db.select(Event).where(Event.kind == "order.price_override")).first() is None


def test_below_the_floor_needs_a_manager(app, desk, new_draft, priced):
    product, _agreed, walk_in = priced
    assert Decimal(app.config["PRICE_FLOOR_RATIO"]) == Decimal("0.80")  # floor 8.00 on a 10.00 list price
    order = new_draft([(product, 5)], customer=walk_in)
    html = _override(desk, order, "7.99", "Price match").get_data(as_text=True)
    assert "below the floor of 8.00" in html and "a manager must set this price" in html
    assert fresh(order).lines[0].unit_price == Decimal("10.00")
    assert _override(desk, order, "8.00", "Price match").status_code == 200  # at the floor is fine
    assert fresh(order).lines[0].unit_price == Decimal("8.00")


def test_floor_follows_the_configured_ratio(app, desk, new_draft, priced):
    product, _agreed, walk_in = priced
    app.config["PRICE_FLOOR_RATIO"] = "0.95"
    try:
        order = new_draft([(product, 5)], customer=walk_in)
        assert "below the floor of 9.50" in _override(desk, order, "9.00", "Loyal").get_data(as_text=True)
        assert fresh(order).lines[0].unit_price == Decimal("10.00")
    finally:
        app.config["PRICE_FLOOR_RATIO"] = "0.80"


def test_manager_may_go_below_the_floor(manager_desk, new_draft, priced):
    product, _agreed, walk_in = priced
    order = new_draft([(product, 5)], customer=walk_in)
    assert _override(manager_desk, order, "5.00", "Damaged packaging").status_code == 200
    assert fresh(order).lines[0].unit_price == Decimal("5.00")
