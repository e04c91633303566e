"""Submitting a reviewed draft: the number, the reservation, the event, the rep's choice
for each short line (backorder the rest / reduce to stock / hold), prices locked at submit."""

import re
from decimal import Decimal

from sqlalchemy import select

from app.catalog.models import CustomerPrice, Product
from app.events.models import Event
from app.extensions import db
from app.orders import verification
from tests.sales.conftest import fresh


def submit(desk, order, choices=None):
    """Acknowledge what the panel shows, then submit from the review page."""
    desk.get(f"/sales/orders/{order.ref}/review")
    keys = [flag.key for flag in verification.shown_flags(fresh(order))]
    desk.post(f"/sales/orders/{order.ref}/flags/acknowledge-all", {"key": keys}, order=order)
    data = {f"shortage-{line.id}": choice for line, choice in (choices or {}).items()}
    response = desk.post(f"/sales/orders/{order.ref}/submit", data, order=order, htmx=False)
    return response, fresh(order)


def stock(product):
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    return product.on_hand, product.reserved


def test_submit_numbers_the_order_reserves_stock_and_records_it(desk, new_draft, make_product, users):
    a, b = make_product(on_hand=10), make_product(on_hand=10)
    order = new_draft([(a, 4), (b, 10)])
    response, order = submit(desk, order)
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.number}"
    assert re.fullmatch(r"SO-\d{4}-\d{5}", order.number)
    assert (order.status, order.revision, order.on_hold) == ("confirmed", 1, False)
    assert [(line.qty_reserved, line.qty_backordered) for line in order.lines] == [(4, 0), (10, 0)]
    assert stock(a) == (10, 4) and stock(b) == (10, 10)
    event = db.session.execute(select(Event).where(Event.kind == "order.submit", Event.order_id == order.id)).scalar_one()
    assert event.actor_id == users["sales"].id and order.number in event.summary
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert order.number in page and "Confirmed" in page


def test_numbers_increase_and_are_unique(desk, new_draft, make_product):
    product = make_product(on_hand=100)
    numbers = [submit(desk, new_draft([(product, 1)]))[1].number for _ in range(3)]
    assert len(set(numbers)) == 3 and numbers == sorted(numbers)


def test_backorder_the_rest(desk, new_draft, make_product):
    short, fine = make_product(on_hand=3), make_product(on_hand=10)
    order = new_draft([(short, 5), (fine, 2)])
    _response, order = submit(desk, order, {order.lines[0]: "backorder"})
    assert order.status == "confirmed" and not order.on_hold
    line = order.lines[0]
    assert (line.quantity, line.qty_reserved, line.qty_backordered) == (5, 3, 2)
    assert stock(short) == (3, 3)
    page = desk.get(f"/orders/{order.number}").get_data(as_text=True)
    assert re.search(r'<td class="num neg">2</td>', page)


def test_reduce_to_what_is_in_stock(desk, new_draft, make_product):
    short, fine = make_product(on_hand=3), make_product(on_hand=10)
    order = new_draft([(short, 5), (fine, 2)])
    price = order.lines[0].unit_price
    _response, order = submit(desk, order, {order.lines[0]: "reduce"})
    line = order.lines[0]
    assert (line.quantity, line.qty_reserved, line.qty_backordered) == (3, 3, 0)
    assert order.total == price * 3 + order.lines[1].line_total
    assert order.status == "confirmed" and stock(short) == (3, 3)


def test_reduce_drops_a_line_with_nothing_in_stock(desk, new_draft, make_product):
    gone, fine = make_product(on_hand=0), make_product(on_hand=10)
    order = new_draft([(gone, 2), (fine, 2)])
    _response, order = submit(desk, order, {order.lines[0]: "reduce"})
    assert [line.sku for line in order.lines] == [fine.sku]
    assert order.status == "confirmed"


def test_reducing_every_line_to_nothing_is_refused_and_nothing_is_kept(desk, new_draft, make_product):
    gone = make_product(on_hand=0)
    order = new_draft([(gone, 2)])
    response, order = submit(desk, order, {order.lines[0]: "reduce"})
    assert response.headers["Location"].endswith("/review")
    assert order.status == "draft" and order.number is None and len(order.lines) == 1
    assert "Nothing is left on the order" in desk.get(response.headers["Location"]).get_data(as_text=True)


def test_hold_the_order(desk, new_draft, make_product):
    short, fine = make_product(on_hand=3), make_product(on_hand=10)
    order = new_draft([(short, 5), (fine, 2)])
    _response, order = submit(desk, order, {order.lines[0]: "hold"})
    assert order.status == "confirmed" and order.number
    assert order.on_hold and short.sku in order.hold_reason
    line = order.lines[0]
    assert line.qty_reserved + line.qty_backordered == 5
    page = desk.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "On hold" in page and short.sku in page


def test_an_unknown_choice_is_refused_next_to_the_line(desk, new_draft, make_product):
    short = make_product(on_hand=1)
    order = new_draft([(short, 3)])
    line_id = order.lines[0].id
    response, order = submit(desk, order, {order.lines[0]: "steal-from-another-order"})
    assert response.status_code == 422 and order.status == "draft" and order.number is None
    page = response.get_data(as_text=True)
    assert f'id="shortage-{line_id}-error">Choose one of the options for this line.' in page
    assert f'aria-describedby="shortage-{line_id}-error"' in page


def test_a_line_sent_without_a_choice_is_backordered(desk, new_draft, make_product):
    short = make_product(on_hand=1)
    order = new_draft([(short, 3)])
    _response, order = submit(desk, order)
    assert (order.lines[0].qty_reserved, order.lines[0].qty_backordered) == (1, 2)


def test_prices_are_locked_at_submit(desk, new_draft, make_product, users):
    listed, agreed, by_hand = make_product(price="10.00"), make_product(price="10.00"), make_product(price="10.00")
    order = new_draft([(listed, 1), (agreed, 1), (by_hand, 1)])
    line = order.lines[2]
    desk.post(f"/sales/orders/{order.ref}/lines/{line.id}/price", {"price": "9.00", "reason": "Quote 5"}, order=order)
    db.session.get(Product, listed.id).unit_price = Decimal("12.00")   # list price rose meanwhile
    db.session.get(Product, by_hand.id).unit_price = Decimal("15.00")
    db.session.add(CustomerPrice(customer_id=order.customer_id, product_id=agreed.id, unit_price=Decimal("6.00")))
    db.session.commit()
    assert [x.unit_price for x in fresh(order).lines] == [Decimal("10.00"), Decimal("10.00"), Decimal("9.00")]
    _response, order = submit(desk, order)
    assert order.status == "confirmed"
    assert [x.unit_price for x in order.lines] == [Decimal("12.00"), Decimal("6.00"), Decimal("9.00")]
    assert order.revisions[0].snapshot["total"] == "27.00"


def test_a_confirmed_order_cannot_be_edited_as_a_draft(desk, new_draft, make_product):
    product = make_product()
    _response, order = submit(desk, new_draft([(product, 1)]))
    response = desk.get(f"/sales/orders/{order.number}/edit")
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.number}"
    refused = desk.post(f"/sales/orders/{order.number}/lines", {"sku": product.sku, "quantity": 5}, order=order)
    assert "only drafts are edited here" in refused.get_data(as_text=True)
    assert fresh(order).lines[0].quantity == 1


def test_a_second_click_on_submit_leads_to_the_order_and_reserves_nothing_more(desk, new_draft, make_product):
    product = make_product(on_hand=10)
    order = new_draft([(product, 4)])
    ref, version = order.ref, fresh(order).version
    _response, order = submit(desk, order)
    again = desk.post(f"/sales/orders/{ref}/submit", version=version, htmx=False)
    assert again.status_code == 302 and again.headers["Location"] == f"/orders/{order.number}"
    assert stock(product) == (10, 4)
    assert desk.get(f"/sales/orders/{ref}/review").headers["Location"] == f"/orders/{order.number}"
    assert desk.get("/sales/orders/DRAFT-999999/edit").status_code == 404
