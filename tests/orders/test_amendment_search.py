"""The amendment form finds products like the entry screen does (SKU or part of the name,
with availability and the customer's price), previews what the change would do, and the
revision's diff shows a unit price that moves with the quantity."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog.models import CustomerPrice, PriceBreak
from app.events.models import Event
from app.extensions import db
from app.orders.amendments import Amendment, amend_order
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Revision
from tests.orders.helpers import assert_reservations_match, form_fields

HTMX = {"HX-Request": "true"}


@pytest.fixture
def shop(make_order, make_product, make_customer):
    """A confirmed order of 5 hinges (10.00, 9.00 from 10) for a customer who has 4.80 agreed for
    countersunk screws; the screws (7 free after 3 are held elsewhere) and another screw product."""
    hinge = make_product(sku="HNG-100", name="Brass hinge 100mm", on_hand=40, price="10.00")
    screws = make_product(sku="SCR-8", name="Countersunk wood screws 8x40", on_hand=10, price="6.00")
    make_product(sku="SCR-6", name="Machine screws M6", on_hand=50, price="3.00")
    customer = make_customer(name="Harbour Joinery Ltd")
    db.session.add_all([PriceBreak(product_id=hinge.id, min_quantity=10, unit_price=Decimal("9.00")),
                        CustomerPrice(customer_id=customer.id, product_id=screws.id, unit_price=Decimal("4.80"))])
    make_order(lines=[(screws, 3)], submit=True)  # someone else holds 3 screws
    order = make_order(lines=[(hinge, 5)], submit=True, customer=customer)
    return order, hinge, screws


def amend_page(client, order):
    html = client.get(f"/orders/{order.ref}/amend").get_data(as_text=True)
    return html, form_fields(html, with_field="requested_by")


def filled(fields, **more):
    return fields | {"channel": "phone", "requested_by": "Jane Marsh", "verified_how": "Read back on the call"} | more


def revisions_of(order) -> int:
    return db.session.execute(select(func.count()).select_from(Revision).where(Revision.order_id == order.id)).scalar()


def test_the_add_rows_search_products_by_name_with_stock_and_the_customers_price(client, login, shop):
    order, _, screws = shop
    login("sales")
    html, _ = amend_page(client, order)
    row = re.search(r'<input[^>]*id="additions-0-sku"[^>]*>', html).group(0)
    assert 'data-combobox="#add-results-0"' in row and 'data-search-as="sku"' in row
    assert 'data-pick-next="#additions-0-quantity"' in row and 'id="add-results-0"' in html
    search = re.search(r'hx-get="([^"]+)"', row).group(1)

    # what htmx sends as the rep types "countersunk" into the first add row
    response = client.get(f"{search}?sku=countersunk", headers=HTMX | {"HX-Target": "add-results-0"})
    assert response.status_code == 200
    results = response.get_data(as_text=True)
    assert results.count('role="option"') == 1
    option = re.sub(r"\s+", " ", results)
    assert "SCR-8" in option and "Countersunk wood screws 8x40" in option
    assert "7 avail." in option  # 10 on hand − 3 reserved for the other order
    assert "4.80" in option and "customer</span>" in option  # the agreed price, not the 6.00 list price

    assert client.get(f"{search}?sku=screws", headers=HTMX).get_data(as_text=True).count('role="option"') == 2


def test_adding_a_product_typed_by_name_makes_a_revision_with_the_line(client, login, shop):
    order, _, screws = shop
    login("sales")
    _, fields = amend_page(client, order)
    with confirmations_suppressed():
        response = client.post(f"/orders/{order.ref}/amend",
                               data=filled(fields, **{"additions-0-sku": "countersunk", "additions-0-quantity": "9"}))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added SCR-8 Countersunk wood screws 8x40 × 9" in page
    line = order.lines[-1]
    assert (order.revision, line.sku, line.quantity, line.unit_price) == (2, "SCR-8", 9, Decimal("4.80"))
    assert (line.qty_reserved, line.qty_backordered, screws.reserved) == (7, 2, 10)
    assert_reservations_match()


def test_a_name_that_matches_several_products_is_sent_back_with_what_was_typed(client, login, shop):
    order, _, _ = shop
    login("sales")
    _, fields = amend_page(client, order)
    response = client.post(f"/orders/{order.ref}/amend",
                           data=filled(fields, **{"additions-1-sku": "screws", "additions-1-quantity": "4"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“screws” matches several products; pick one from the list or type the SKU." in html
    kept = form_fields(html, with_field="requested_by")
    assert (kept["additions-1-sku"], kept["additions-1-quantity"], kept["requested_by"]) == ("screws", "4", "Jane Marsh")
    assert revisions_of(order) == 1


def test_the_preview_shows_availability_and_the_price_that_will_apply_and_saves_nothing(client, login, shop):
    order, hinge, screws = shop
    login("sales")
    html, fields = amend_page(client, order)
    assert "No line changes yet" in html
    events = db.session.execute(select(func.count()).select_from(Event)).scalar()
    changes = {"quantities-0-quantity": "12", "additions-0-sku": "SCR-8", "additions-0-quantity": "9"}
    assert re.search(r'<form[^>]*hx-get="([^"]+)"', html).group(1) == f"/orders/{order.ref}/amend?preview=y"
    assert 'hx-params="not csrf_token"' in html

    # htmx (the form asks, a GET, on every change): only the preview region comes back
    asked = {k: v for k, v in (fields | changes).items() if k != "csrf_token"} | {"preview": "y"}
    response = client.get(f"/orders/{order.ref}/amend", query_string=asked, headers=HTMX | {"HX-Target": "amend-preview"})
    assert response.status_code == 200
    region = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert region.lstrip().startswith('<section id="amend-preview"') and "<form" not in region
    rows = re.findall(r"<tr.*?</tr>", region.split("<tbody>")[1])
    assert "HNG-100" in rows[0] and "5 → 12" in rows[0] and "<s>£10.00</s> → £9.00" in rows[0] and "108.00" in rows[0]
    assert "SCR-8" in rows[1] and "added" in rows[1] and ">7<" in rows[1] and "2 to backorder" in rows[1]
    assert "4.80" in rows[1] and "43.20" in rows[1]
    assert "<s>£50.00</s> → £151.20" in region

    # without JavaScript: the Preview button shows the whole form again, as typed, with the preview
    response = client.post(f"/orders/{order.ref}/amend", data=fields | changes | {"preview": "Preview changes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 to backorder" in page
    kept = form_fields(page, with_field="requested_by")
    assert (kept["quantities-0-quantity"], kept["additions-0-sku"]) == ("12", "SCR-8")
    assert "Choose the channel." not in page  # who asked is filled in later; a preview does not nag

    db.session.expire_all()
    assert (order.revision, order.lines[0].quantity, hinge.reserved, screws.reserved) == (1, 5, 5, 3)
    assert db.session.execute(select(func.count()).select_from(Event)).scalar() == events


def test_a_quantity_that_crosses_a_price_break_shows_the_price_change_in_the_diff(client, login, shop):
    order, hinge, _ = shop
    login("sales")
    _, fields = amend_page(client, order)
    with confirmations_suppressed():
        response = client.post(f"/orders/{order.ref}/amend", data=filled(fields, **{"quantities-0-quantity": "12"}))
    assert response.status_code == 302
    expected = "HNG-100 Brass hinge 100mm: quantity 5 → 12, unit price £10.00 → £9.00"
    assert expected in client.get(response.headers["Location"]).get_data(as_text=True)
    [change] = db.session.execute(select(Revision).where(Revision.number == 2)).scalar_one().diff
    assert (change["text"], change["price_before"], change["price_after"]) == (expected, "10.00", "9.00")
    assert order.lines[0].unit_price == Decimal("9.00")


def test_a_price_set_by_hand_stays_and_no_price_change_is_shown(shop, users):
    order, _, _ = shop
    line = order.lines[0]
    line.unit_price, line.price_override_reason = Decimal("9.50"), "Long-standing customer"
    with confirmations_suppressed():
        revision = amend_order(order, Amendment("phone", "Jane", "Read back", quantities={line.id: 12}), users["sales"])
    assert [c["text"] for c in revision.diff] == ["HNG-100 Brass hinge 100mm: quantity 5 → 12"]
    assert line.unit_price == Decimal("9.50")


def test_a_preview_from_a_form_someone_has_overtaken_says_so(client, login, shop, users):
    order, _, _ = shop
    login("sales")
    _, fields = amend_page(client, order)
    with confirmations_suppressed():
        amend_order(order, Amendment("email", "Tom", "Reply", quantities={order.lines[0].id: 6}), users["manager"])
    db.session.commit()
    response = client.get(f"/orders/{order.ref}/amend", query_string=fields | {"quantities-0-quantity": "8", "preview": "y"},
                          headers=HTMX | {"HX-Target": "amend-preview"})
    assert response.status_code == 409
    assert "Someone else changed" in response.get_data(as_text=True) and order.lines[0].quantity == 6
