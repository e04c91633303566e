"""The price screens: a manager keeps price lists and customers' agreed prices (each change on
the product's price history and in the event log); sales read them and check a price."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import CustomerPrice, PriceChange, PriceList, PriceListItem
from app.events.models import Event
from app.extensions import db
from app.orders.amendments import preview_amendment
from app.orders.confirmation import confirmations_suppressed


@pytest.fixture
def product(make_product):
    return make_product(sku="BOLT-10", price="10.00")


@pytest.fixture
def customer(make_customer):
    return make_customer(code="C0001", name="Agreed Ltd")


def _changes():
    return [(c.what, c.old_price, c.new_price) for c in db.session.execute(
        select(PriceChange).order_by(PriceChange.id)).scalars()]


def _events():
    return [e.summary for e in db.session.execute(
        select(Event).where(Event.kind == "price.changed").order_by(Event.id)).scalars()]


def test_manager_creates_a_list_adds_changes_and_removes_items(client, login, product, customer, users):
    token = login("manager")
    response = client.post("/prices/lists", data={"csrf_token": token, "code": "trade", "name": "Trade"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/prices/lists/TRADE")
    trade = db.session.execute(select(PriceList)).scalar_one()
    customer.price_list_id = trade.id
    db.session.commit()

    response = client.post("/prices/lists/TRADE/items", data={
        "csrf_token": token, "add-sku": "bolt-10", "add-min_quantity": "1", "add-unit_price": "8.50",
        "add-valid_from": "", "add-valid_to": "31/12/2026"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "BOLT-10" in page and "8.50" in page and "Agreed Ltd" in page  # the item and the customer on the list
    item = db.session.execute(select(PriceListItem)).scalar_one()
    assert (item.unit_price, item.valid_to) == (Decimal("8.50"), date(2026, 12, 31))

    client.post(f"/prices/lists/TRADE/items/{item.id}", data={
        "csrf_token": token, f"i{item.id}-unit_price": "8.25", f"i{item.id}-valid_from": "", f"i{item.id}-valid_to": ""})
    db.session.refresh(item)
    assert (item.unit_price, item.valid_to) == (Decimal("8.25"), None)

    # the customer now pays the list's price, and the check says why
    check = client.get("/prices/customers/C0001?sku=BOLT-10&quantity=3&on=").get_data(as_text=True)
    assert "8.25" in check and "Trade price list (from 1)" in check

    client.post(f"/prices/lists/TRADE/items/{item.id}/remove", data={"csrf_token": token})
    assert db.session.execute(select(PriceListItem)).first() is None
    assert _changes() == [("Price list TRADE from 1", None, Decimal("8.50")),
                          ("Price list TRADE from 1", Decimal("8.50"), Decimal("8.25")),
                          ("Price list TRADE from 1", Decimal("8.25"), None)]
    assert len(_events()) == 3 and _events()[1].startswith("BOLT-10: Price list TRADE from 1: 8.50 → 8.25")
    assert db.session.execute(select(PriceChange.user_id)).scalars().all() == [users["manager"].id] * 3


def test_manager_renames_and_deactivates_a_list(client, login):
    token = login("manager")
    client.post("/prices/lists", data={"csrf_token": token, "code": "WHOLESALE", "name": "Wholesale"})
    client.post("/prices/lists/WHOLESALE/name", data={"csrf_token": token, "name": "Wholesale 2027"})
    client.post("/prices/lists/WHOLESALE/active", data={"csrf_token": token, "active": "0"})
    price_list = db.session.execute(select(PriceList)).scalar_one()
    assert (price_list.name, price_list.active) == ("Wholesale 2027", False)
    page = client.get("/prices/lists").get_data(as_text=True)
    assert "Wholesale 2027" in page and "inactive" in page
    kinds = db.session.execute(select(Event.kind).where(Event.kind.like("price_list.%")).order_by(Event.id)).scalars().all()
    assert kinds == ["price_list.created", "price_list.renamed", "price_list.deactivated"]


def test_a_second_list_with_the_same_code_is_refused_next_to_the_code(client, login):
    token = login("manager")
    client.post("/prices/lists", data={"csrf_token": token, "code": "TRADE", "name": "Trade"})
    response = client.post("/prices/lists", data={"csrf_token": token, "code": "trade", "name": "Other"})
    assert response.status_code == 422
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert "There is already a price list TRADE." in response.get_data(as_text=True)


def test_manager_agrees_changes_ends_and_removes_a_customer_price(client, login, product, customer):
    token = login("manager")
    response = client.post("/prices/customers/C0001", data={
        "csrf_token": token, "add-sku": "BOLT-10", "add-min_quantity": "10", "add-unit_price": "7.50",
        "add-valid_from": "01/01/2026", "add-valid_to": ""}, follow_redirects=True)
    assert response.status_code == 200 and "7.50" in response.get_data(as_text=True)
    row = db.session.execute(select(CustomerPrice)).scalar_one()
    assert (row.min_quantity, row.unit_price, row.valid_from) == (10, Decimal("7.50"), date(2026, 1, 1))

    client.post(f"/prices/customers/C0001/{row.id}", data={
        "csrf_token": token, f"p{row.id}-unit_price": "7.25", f"p{row.id}-valid_from": "01/01/2026"})
    check = client.get("/prices/customers/C0001?sku=BOLT-10&quantity=10&on=2026-06-01").get_data(as_text=True)
    assert "7.25" in check and "Customer price for C0001 (from 10)" in check
    below = client.get("/prices/customers/C0001?sku=BOLT-10&quantity=9").get_data(as_text=True)
    assert "List price" in below and "10.00" in below

    client.post(f"/prices/customers/C0001/{row.id}/end", data={"csrf_token": token})
    db.session.refresh(row)
    assert row.valid_to is not None  # ended today, kept on record
    client.post(f"/prices/customers/C0001/{row.id}/remove", data={"csrf_token": token})
    assert db.session.execute(select(CustomerPrice)).first() is None
    whats = [what for what, _old, _new in _changes()]
    assert whats[:2] == ["Customer C0001 from 10", "Customer C0001 from 10"]
    assert whats[2].startswith("Customer C0001 from 10 until ")
    assert [(old, new) for _what, old, new in _changes()] == [
        (None, Decimal("7.50")), (Decimal("7.50"), Decimal("7.25")), (Decimal("7.25"), None), (Decimal("7.25"), None)]
    assert len(_events()) == 4
    customer_events = db.session.execute(select(Event.customer_id).where(Event.kind == "price.changed")).scalars().all()
    assert set(customer_events) == {customer.id}  # the audit log finds them under the customer


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"add-unit_price": "-1"}, "add-unit_price", "The price must be from 0 to 1,000,000."),
    ({"add-unit_price": "7.505"}, "add-unit_price", "at most 2 decimals"),
    ({"add-unit_price": "seven"}, "add-unit_price", "Enter the price as a number"),
    ({"add-min_quantity": "0"}, "add-min_quantity", "from 1 to 100,000"),
    ({"add-valid_from": "10/06/2026", "add-valid_to": "09/06/2026"}, "add-valid_to", "cannot be before the first day"),
    ({"add-sku": "NOPE-1"}, "add-sku", "There is no product NOPE-1."),
    ({"add-valid_from": "31/02/2026"}, "add-valid_from", "not a date"),
])
def test_bad_prices_are_refused_with_the_message_next_to_the_field(client, login, product, customer, fields, field, message):
    token = login("manager")
    data = {"csrf_token": token, "add-sku": "BOLT-10", "add-min_quantity": "1", "add-unit_price": "7.50",
            "add-valid_from": "", "add-valid_to": "", **fields}
    response = client.post("/prices/customers/C0001", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    assert db.session.execute(select(CustomerPrice)).first() is None
    assert _changes() == []


def test_an_overlapping_duplicate_is_refused(client, login, product, customer):
    token = login("manager")
    base = {"csrf_token": token, "add-sku": "BOLT-10", "add-min_quantity": "10", "add-unit_price": "7.50"}
    client.post("/prices/customers/C0001", data={**base, "add-valid_from": "01/01/2026", "add-valid_to": "30/06/2026"})
    same_start = client.post("/prices/customers/C0001", data={**base, "add-valid_from": "01/01/2026", "add-valid_to": ""})
    overlapping = client.post("/prices/customers/C0001", data={**base, "add-valid_from": "30/06/2026", "add-valid_to": ""})
    for response in (same_start, overlapping):
        assert response.status_code == 422
        assert "C0001 already has a price for BOLT-10 from 10" in response.get_data(as_text=True)
    after = client.post("/prices/customers/C0001", data={**base, "add-valid_from": "01/07/2026", "add-valid_to": ""})
    assert after.status_code == 302  # the next price from the day after the first one ends
    other_quantity = client.post("/prices/customers/C0001", data={**base, "add-min_quantity": "50",
                                                                  "add-valid_from": "", "add-valid_to": ""})
    assert other_quantity.status_code == 302
    assert len(db.session.execute(select(CustomerPrice)).all()) == 3


def test_sales_read_prices_and_check_but_cannot_change_them(client, login, product, customer):
    db.session.add(PriceList(code="TRADE", name="Trade"))
    db.session.add(CustomerPrice(customer_id=customer.id, product_id=product.id, unit_price=Decimal("7.50")))
    db.session.commit()
    token = login("sales")
    lists = client.get("/prices/lists")
    assert lists.status_code == 200 and "TRADE" in lists.get_data(as_text=True)
    assert "New price list" not in lists.get_data(as_text=True)
    page = client.get("/prices/customers/C0001?sku=BOLT-10&quantity=1").get_data(as_text=True)
    assert "Customer price for C0001 (from 1)" in page and "Agree a price" not in page
    refused = [
        client.post("/prices/lists", data={"csrf_token": token, "code": "X", "name": "X"}),
        client.post("/prices/lists/TRADE/active", data={"csrf_token": token, "active": "0"}),
        client.post("/prices/customers/C0001", data={"csrf_token": token, "add-sku": "BOLT-10",
                                                    "add-min_quantity": "1", "add-unit_price": "1.00"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert db.session.execute(select(PriceList.active)).scalar_one() is True
    assert _changes() == []


def test_other_teams_may_not_see_prices(client, login, customer):
    login("fulfillment")
    assert client.get("/prices/customers/C0001").status_code == 403


def test_the_entry_screen_says_which_price_applies_and_why(client, login, product, customer, make_order):
    db.session.add(CustomerPrice(customer_id=customer.id, product_id=product.id, min_quantity=5,
                                 unit_price=Decimal("7.50")))
    db.session.commit()
    order = make_order(lines=[(product, 5)], customer=customer)
    order.lines[0].unit_price = Decimal("7.50")
    db.session.commit()
    login("sales")
    page = client.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    assert "Customer price for C0001 (from 5)" in page
    lookup = client.get(f"/sales/orders/{order.ref}/products?sku=BOLT").get_data(as_text=True)
    assert 'title="List price"' in lookup  # one piece: below the agreed quantity


def test_the_amendment_preview_says_why_a_line_is_repriced(product, customer, make_order):
    db.session.add(CustomerPrice(customer_id=customer.id, product_id=product.id, min_quantity=10,
                                 unit_price=Decimal("7.50")))
    db.session.commit()
    with confirmations_suppressed():
        order = make_order(lines=[(product, 2)], customer=customer, submit=True)
    preview = preview_amendment(order, {order.lines[0].id: 10}, [])
    assert [(p.price_after, p.price_reason) for p in preview.lines] == [(Decimal("7.50"), "Customer price for C0001 (from 10)")]
