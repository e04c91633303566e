"""Looking after the catalogue on screen: the inventory team creates, edits, deactivates and
(if never ordered) deletes products; every price change is in the product's price history;
sales and fulfillment read the product page but cannot change it."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import PriceBreak, PriceChange, Product
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.orders import drafts
from tests.conftest import csrf_from

NEW = {"sku": "bolt-m8", "name": "Hex bolt M8x40", "description": "Zinc plated", "unit": "box", "pack_size": "6",
       "bin_location": "c-02-1", "unit_price": "12.50", "tax_rate": "20", "lead_time_days": "5",
       "reorder_point": "12", "gtin": "4006381333931"}


def product(sku) -> Product | None:
    return db.session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()


def history(p) -> list[tuple]:
    rows = db.session.execute(select(PriceChange).where(PriceChange.product_id == p.id).order_by(PriceChange.id)).scalars()
    return [(c.what, c.old_price, c.new_price, c.user.username if c.user else None) for c in rows]


def events(kind) -> list[Event]:
    return db.session.execute(select(Event).where(Event.kind == kind).order_by(Event.id)).scalars().all()


def post(client, url, token, **data):
    return client.post(url, data={"csrf_token": token, **data})


def edit_fields(p, **changes) -> dict:
    fields = {name: str(getattr(p, name) if getattr(p, name) is not None else "") for name in NEW}
    return fields | changes


@pytest.fixture
def created(client, login):
    """BOLT-M8 created on screen by the inventory user."""
    token = login("inventory")
    response = post(client, "/inventory/products/new", token, **NEW)
    assert response.status_code == 302, response.get_data(as_text=True)
    return product("BOLT-M8"), token


def test_inventory_creates_a_product_with_every_field_and_its_first_price(client, created):
    p, _ = created
    assert (p.sku, p.name, p.unit, p.pack_size, p.bin_location, p.unit_price, p.tax_rate, p.lead_time_days,
            p.reorder_point, p.gtin, p.active) == ("BOLT-M8", "Hex bolt M8x40", "box", 6, "C-02-1", Decimal("12.50"),
                                                   Decimal("20.00"), 5, 12, "4006381333931", True)
    assert history(p) == [("List price", None, Decimal("12.50"), "inventory")]
    [event] = events("product.created")
    assert event.after["sku"] == "BOLT-M8" and event.actor.username == "inventory"
    page = client.get("/inventory/products/BOLT-M8").get_data(as_text=True)
    assert "BOLT-M8: created" in page and "packs of 6: order quantities are multiples of 6" in page and "4006381333931" in page
    assert "Price history" in page and "12.50" in page


def test_editing_the_list_price_is_recorded_with_who_old_and_new_and_shown(client, created):
    p, token = created
    response = post(client, "/inventory/products/BOLT-M8/edit", token, **edit_fields(p, unit_price="13.75", bin_location="C-02-2"))
    assert response.status_code == 302
    assert history(p)[-1] == ("List price", Decimal("12.50"), Decimal("13.75"), "inventory")
    [event] = events("product.changed")
    assert event.before == {"unit_price": "12.50", "bin_location": "C-02-1"}
    assert event.after == {"unit_price": "13.75", "bin_location": "C-02-2"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "BOLT-M8: changed bin, list price." in page
    section = page[page.index('id="price-history"'):page.index("Movement history")]
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in re.findall(r"<tr><td.*?</tr>", section, re.S)]
    assert [r[-6:] for r in rows] == [["List", "price", "£12.50", "£13.75", "Inventory", "screen"],  # newest first
                                      ["List", "price", "—", "£12.50", "Inventory", "screen"]]


def test_saving_without_a_change_records_nothing(client, created):
    p, token = created
    post(client, "/inventory/products/BOLT-M8/edit", token, **edit_fields(p))
    assert events("product.changed") == [] and len(history(p)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sku", "", "Enter the SKU"),
    ("sku", "BAD SKU!", "A SKU is letters, digits and . _ / -"),
    ("name", "", "Enter the product&#39;s name."),
    ("pack_size", "0", "From 1 to 100,000 (1 if sold singly)."),
    ("pack_size", "six", "Enter how many units make a pack"),
    ("unit_price", "-1", "Between 0 and 1,000,000."),
    ("unit_price", "NaN", "Enter a number, like 12.50."),
    ("tax_rate", "120", "A percentage from 0 to 100, like 20."),
    ("lead_time_days", "-2", "From 0 to 365 days."),
    ("gtin", "4006381333932", "“4006381333932” is not a valid GTIN: its check digit (the last one) is wrong."),
    ("gtin", "12345", "“12345” is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits."),
    ("gtin", "40063813339x1", "is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits."),
])
def test_a_refused_field_says_why_next_to_it_and_keeps_what_was_typed(client, login, field, value, message):
    token = login("inventory")
    response = post(client, "/inventory/products/new", token, **(NEW | {field: value, "name": NEW["name"] if field != "name" else ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html[html.index(f'id="{field}-error"'):]
    assert message in error[:400]
    assert "Zinc plated</textarea>" in html and 'value="c-02-1"' in html  # what was typed, as typed
    assert product("BOLT-M8") is None


def test_sku_and_gtin_are_unique(client, created, make_product):
    _, token = created
    response = post(client, "/inventory/products/new", token, **(NEW | {"name": "Another"}))
    assert response.status_code == 422 and "BOLT-M8 is already used by “Hex bolt M8x40”." in response.get_data(as_text=True)
    response = post(client, "/inventory/products/new", token, **(NEW | {"sku": "BOLT-M10"}))
    assert response.status_code == 422
    assert "GTIN 4006381333931 already belongs to BOLT-M8" in response.get_data(as_text=True)
    assert product("BOLT-M10") is None


def test_quantity_breaks_added_changed_and_removed_are_all_in_the_history(client, created):
    p, token = created
    url = "/inventory/products/BOLT-M8/breaks"
    assert post(client, url, token, **{"new-min_quantity": "12", "new-unit_price": "11.00"}).status_code == 302
    item = db.session.execute(select(PriceBreak).where(PriceBreak.product_id == p.id)).scalar_one()
    response = post(client, f"{url}/{item.id}", token, **{f"b{item.id}-min_quantity": "12", f"b{item.id}-unit_price": "10.50",
                                                          f"b{item.id}-valid_from": "2027-01-01", f"b{item.id}-valid_to": "31/03/2027"})
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.unit_price, str(item.valid_from), str(item.valid_to)) == (Decimal("10.50"), "2027-01-01", "2027-03-31")
    assert post(client, f"{url}/{item.id}/remove", token).status_code == 302
    assert history(p)[1:] == [("Break from 12", None, Decimal("11.00"), "inventory"),
                              ("Break from 12", Decimal("11.00"), Decimal("10.50"), "inventory"),
                              ("Break from 12", Decimal("10.50"), None, "inventory")]
    assert [e.summary for e in events("product.changed")] == [
        "Product BOLT-M8: break from 12 added", "Product BOLT-M8: break from 12 changed", "Product BOLT-M8: break from 12 removed"]
    page = client.get("/inventory/products/BOLT-M8").get_data(as_text=True)
    assert "Break from 12" in page and "removed" in page


def test_a_break_must_start_above_one_and_not_repeat_and_its_dates_in_order(client, created):
    _, token = created
    url = "/inventory/products/BOLT-M8/breaks"
    response = post(client, url, token, **{"new-min_quantity": "1", "new-unit_price": "11.00"})
    assert response.status_code == 422 and "From 2 to 100,000 (the list price covers 1)." in response.get_data(as_text=True)
    post(client, url, token, **{"new-min_quantity": "24", "new-unit_price": "10.00"})
    response = post(client, url, token, **{"new-min_quantity": "24", "new-unit_price": "9.00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is already a break from 24; change that one instead." in html
    assert 'value="9.00"' in html  # the refused row keeps what was typed
    response = post(client, url, token, **{"new-min_quantity": "48", "new-unit_price": "9.00",
                                           "new-valid_from": "2027-02-01", "new-valid_to": "2027-01-01"})
    assert response.status_code == 422 and "The last day cannot be before the first day." in response.get_data(as_text=True)


def test_deactivated_products_cannot_be_added_to_orders_and_can_come_back(client, created, make_order, users):
    p, token = created
    response = post(client, "/inventory/products/BOLT-M8/active", token, active="no")
    assert response.status_code == 302 and not p.active
    assert "deactivated" in client.get(response.headers["Location"]).get_data(as_text=True)
    draft = make_order()
    with pytest.raises(Refusal, match="BOLT-M8 is no longer sold"):
        drafts.add_product(draft, p, 6, users["sales"])
    db.session.rollback()
    post(client, "/inventory/products/BOLT-M8/active", token, active="yes")
    assert product("BOLT-M8").active
    assert [e.kind for e in db.session.execute(select(Event).where(Event.kind.like("product.%")).order_by(Event.id)).scalars()
            ] == ["product.created", "product.deactivated", "product.reactivated"]


def test_a_never_ordered_product_is_deleted_after_the_confirmation(client, created):
    _, token = created
    post(client, "/inventory/products/BOLT-M8/breaks", token, **{"new-min_quantity": "12", "new-unit_price": "11.00"})
    response = post(client, "/inventory/products/BOLT-M8/delete", token)
    assert response.status_code == 422 and "Tick the box to confirm" in response.get_data(as_text=True)
    assert product("BOLT-M8") is not None
    response = post(client, "/inventory/products/BOLT-M8/delete", token, confirm="y")
    assert response.status_code == 302 and product("BOLT-M8") is None
    assert events("product.deleted")[0].before["sku"] == "BOLT-M8"


def test_an_ordered_product_is_never_deleted_and_keeps_its_sku(client, login, make_order, make_product):
    p = make_product(sku="ORD-1", on_hand=0)
    make_order(lines=[(p, 2)])
    token = login("inventory")
    page = client.get("/inventory/products/ORD-1/edit").get_data(as_text=True)
    assert "Never deleted: ORD-1 has been ordered" in page and 'id="delete-product"' not in page
    response = post(client, "/inventory/products/ORD-1/delete", token, confirm="y")
    assert response.headers["Location"].endswith("/inventory/products/ORD-1/edit")
    assert "ORD-1 has been ordered, so it is kept for the orders&#39; records. Deactivate it instead." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    response = post(client, "/inventory/products/ORD-1/edit", token, **edit_fields(p, sku="ORD-2", gtin=""))
    assert response.status_code == 422 and "ORD-1 has been ordered, so its SKU cannot change." in response.get_data(as_text=True)
    assert product("ORD-1") is not None and product("ORD-2") is None


def test_a_product_with_stock_history_is_kept_too(client, login, make_product):
    make_product(sku="STOCKED-1", on_hand=5)
    token = login("inventory")
    page = client.get("/inventory/products/STOCKED-1/edit").get_data(as_text=True)
    assert "STOCKED-1 has stock movements in the ledger" in page and 'id="delete-product"' not in page
    post(client, "/inventory/products/STOCKED-1/delete", token, confirm="y")
    assert product("STOCKED-1") is not None


def test_a_product_not_yet_ordered_may_get_a_new_sku(client, login, make_product):
    p = make_product(sku="TYPO-1", on_hand=0)
    token = login("inventory")
    response = post(client, "/inventory/products/TYPO-1/edit", token, **edit_fields(p, sku="TYPO-2", gtin=""))
    assert response.headers["Location"].endswith("/inventory/products/TYPO-2")


@pytest.mark.parametrize("role", ["sales", "fulfillment"])
def test_sales_and_fulfillment_read_the_product_but_cannot_change_it(client, login, make_product, role):
    p = make_product(sku="READ-1")
    token = login(role)
    page = client.get("/inventory/products/READ-1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Price history" in html and 'id="edit-product"' not in html and 'id="receive"' not in html
    assert client.get("/inventory/products/READ-1/edit").status_code == 403
    assert post(client, "/inventory/products/READ-1/edit", token, **edit_fields(p, unit_price="1.00")).status_code == 403
    assert post(client, "/inventory/products/new", token, **NEW).status_code == 403
    assert post(client, "/inventory/products/READ-1/active", token, active="no").status_code == 403
    assert product("READ-1").unit_price == Decimal("10.00") and product("READ-1").active


def test_the_manager_may_change_products(client, login, make_product):
    p = make_product(sku="MGR-1")
    token = login("manager")
    assert post(client, "/inventory/products/MGR-1/edit", token, **edit_fields(p, unit_price="11.00")).status_code == 302
    assert history(p)[-1][1:] == (Decimal("10.00"), Decimal("11.00"), "manager")


def test_the_products_list_offers_a_new_product_and_stays_the_inventory_teams(client, login):
    login("inventory")
    assert 'id="new-product"' in client.get("/inventory/products").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/inventory/products").get_data(as_text=True))})
    login("sales")
    assert client.get("/inventory/products").status_code == 403
