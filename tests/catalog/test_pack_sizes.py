"""Pack sizes: wherever an order quantity is set (a draft line added or changed, an amendment,
an emailed order), it must be whole packs; the refusal names the two nearest quantities that are,
next to the quantity typed. Deactivated products go on no new order or amendment."""

import html as htmllib

import pytest
from sqlalchemy import func, select

from app.catalog.products import PackSizeError, check_pack_quantity
from app.extensions import db
from app.orders import drafts, verification
from app.orders.amendments import Amendment, amend_order
from app.orders.confirmation import confirmations_suppressed
from app.orders.intake import draft_from_email, intake_email
from app.orders.models import OrderLine
from tests.orders.helpers import assert_reservations_match, form_fields
from tests.sales.conftest import eml, fresh


@pytest.fixture
def boxed(make_product):
    """Screws sold in packs of 6."""
    return make_product(sku="SCR-BOX", name="Wood screws", pack_size=6, unit="box", on_hand=100)


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def after(page: str, anchor: str, within: int = 700) -> str:
    start = page.index(anchor)
    return page[start:start + within]


@pytest.mark.parametrize(("quantity", "message"), [
    (10, "SCR-BOX is sold in packs of 6: order 6 or 12, not 10."),
    (4, "SCR-BOX is sold in packs of 6: order 6 or 12, not 4."),
    (13, "SCR-BOX is sold in packs of 6: order 12 or 18, not 13."),
])
def test_the_refusal_names_the_nearest_whole_packs(boxed, quantity, message):
    with pytest.raises(PackSizeError, match=message):
        check_pack_quantity(boxed, quantity)
    check_pack_quantity(boxed, 12)  # whole packs pass


def test_a_draft_line_of_part_packs_is_refused_next_to_the_quantity(desk, new_draft, boxed):
    order = new_draft()
    page = text(desk.post(f"/sales/orders/{order.ref}/lines", {"sku": "SCR-BOX", "quantity": "10"}, order=order))
    assert "SCR-BOX is sold in packs of 6: order 6 or 12, not 10." in after(page, 'id="add-qty"')
    assert 'value="10"' in page and 'value="SCR-BOX"' in page  # what was typed is kept
    assert fresh(order).lines == []
    desk.post(f"/sales/orders/{order.ref}/lines", {"sku": "SCR-BOX", "quantity": "12"}, order=order)
    assert [line.quantity for line in fresh(order).lines] == [12]


def test_changing_a_draft_line_to_part_packs_is_refused_next_to_its_quantity(desk, new_draft, boxed):
    order = new_draft(lines=[(boxed, 6)])
    line = order.lines[0]
    page = text(desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": "9"}, order=order))
    assert "SCR-BOX is sold in packs of 6: order 6 or 12, not 9." in after(page, f'id="quantity-{line.id}-error"', 200)
    assert fresh(order).lines[0].quantity == 6


def test_reducing_to_stock_keeps_whole_packs(new_draft, make_product, users):
    product = make_product(sku="SCR-FEW", pack_size=6, on_hand=10)
    order = new_draft(lines=[(product, 12)])
    verification.refresh_flags(order)
    verification.acknowledge_all(order, users["sales"])
    with confirmations_suppressed():
        drafts.submit_draft(order, users["sales"], {order.lines[0].id: "reduce"})
    db.session.commit()
    assert (order.lines[0].quantity, order.lines[0].qty_reserved, product.reserved) == (6, 6, 6)
    assert_reservations_match()


def test_an_amendment_to_part_packs_is_refused_next_to_that_line(client, login, make_order, boxed, make_product):
    order = make_order(lines=[(boxed, 6)], submit=True)
    login("sales")
    fields = form_fields(client.get(f"/orders/{order.ref}/amend").get_data(as_text=True), with_field="requested_by")
    fields |= {"channel": "phone", "requested_by": "Jane Marsh", "verified_how": "Read back on the call",
               "quantities-0-quantity": "8"}
    response = client.post(f"/orders/{order.ref}/amend", data=fields)
    assert response.status_code == 422
    page = text(response)
    assert "SCR-BOX is sold in packs of 6: order 6 or 12, not 8." in after(page, 'id="quantities-0-quantity"', 400)
    assert 'value="8"' in page and order.revision == 1


def test_an_added_line_of_part_packs_or_a_deactivated_product_is_refused_in_an_amendment(make_order, boxed, make_product,
                                                                                        users):
    order = make_order(submit=True)
    with pytest.raises(PackSizeError, match="not 5"):
        amend_order(order, Amendment("phone", "Jane", "Read back", additions=[(boxed, 5)]), users["sales"])
    db.session.rollback()
    gone = make_product(sku="OLD-1", active=False)
    with pytest.raises(Exception, match="OLD-1 is no longer sold"):
        amend_order(fresh(order), Amendment("phone", "Jane", "Read back", additions=[(gone, 1)]), users["sales"])
    db.session.rollback()
    with confirmations_suppressed():
        amend_order(fresh(order), Amendment("phone", "Jane", "Read back", additions=[(boxed, 18)]), users["sales"])
    db.session.commit()
    assert [line.quantity for line in fresh(order).lines if line.sku == "SCR-BOX"] == [18]


def test_an_emailed_order_of_part_packs_leaves_the_line_for_the_rep(make_customer, boxed, users):
    customer = make_customer(email="buyer@example.com")
    inbound = intake_email(eml(sender="buyer@example.com", body="SCR-BOX 10\n"), users["sales"])
    order = draft_from_email(inbound, customer, users["sales"])
    db.session.commit()
    assert order.lines == []
    assert "SCR-BOX: SCR-BOX is sold in packs of 6: order 6 or 12, not 10." in inbound.problems
    assert db.session.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 0
