"""Bad input in every field is refused with a clear message next to that field, what was
typed comes back, and nothing half-written reaches the database."""

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.customers.models import Customer
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order, OrderLine
from app.timeutil import business_today
from tests.sales.conftest import fresh

GOOD_CUSTOMER = {"name": "Harbour Tools", "contact_name": "Ann Lee", "email": "ann@harbour.example",
                 "phone": "+44 113 496 0000", "address": "4 Quay Street\nWhitby\nYO21 1AA", "notes": "Back door"}


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def text(response):
    return htmllib.unescape(response.get_data(as_text=True))


def near(page, anchor, message, within=600):
    """`message` appears shortly after `anchor` (the field it belongs to)."""
    start = page.index(anchor)
    return message in page[start:start + within]


# --- customer form ------------------------------------------------------------------------------

CUSTOMER_CASES = {
    "name": ("", "Enter the customer's name."),
    "email": ("ann@", "Enter a valid email address"),
    "phone": ("call me maybe", "Use digits, spaces, + ( ) -"),
    "address": ("   ", "Enter a delivery address"),
}


@pytest.mark.parametrize("field", CUSTOMER_CASES)
def test_customer_form_refuses_each_bad_field(desk, field):
    bad, message = CUSTOMER_CASES[field]
    data = {**GOOD_CUSTOMER, field: bad}
    response = desk.post("/sales/customers/new", data, htmx=False)
    assert response.status_code == 422
    page = text(response)
    assert near(page, f'id="{field}"', message)
    for name, value in data.items():
        if value.strip() and name not in ("address", "notes"):
            assert f'value="{value}"' in page, name
    assert GOOD_CUSTOMER["notes"] in page and (field == "address" or "4 Quay Street" in page)
    assert count(Customer) == 0
    assert db.session.execute(select(Event).where(Event.kind.like("customer%"))).first() is None


def test_customer_needs_an_email_or_a_phone(desk):
    response = desk.post("/sales/customers/new", {**GOOD_CUSTOMER, "email": "", "phone": ""}, htmx=False)
    assert response.status_code == 422
    assert near(text(response), 'id="email"', "Give an email or a phone number")
    assert count(Customer) == 0


def test_inline_new_customer_on_the_entry_screen_keeps_what_was_typed(desk):
    data = {"new_customer": "1", "channel": "phone", **{f"new-{k}": v for k, v in GOOD_CUSTOMER.items()}}
    data["new-email"] = "not an email"
    response = desk.post("/sales/orders/new", data, htmx=False)
    assert response.status_code == 422
    page = text(response)
    assert near(page, 'id="new-email"', "Enter a valid email address") and "<details open" in page
    assert 'value="Harbour Tools"' in page and 'value="not an email"' in page and "4 Quay Street" in page
    assert count(Customer) == 0 and count(Order) == 0


def test_inline_new_customer_starts_the_draft(desk):
    data = {"new_customer": "1", "channel": "email", **{f"new-{k}": v for k, v in GOOD_CUSTOMER.items()}}
    response = desk.post("/sales/orders/new", data, htmx=False)
    order = db.session.execute(select(Order)).scalar_one()
    assert response.headers["Location"] == f"/sales/orders/{order.ref}/edit"
    assert order.customer.name == "Harbour Tools" and order.channel == "email"
    assert order.address == GOOD_CUSTOMER["address"]


@pytest.mark.parametrize("chosen", ["", "abc", "99999", "1; DROP TABLE orders"])
def test_starting_a_draft_needs_a_real_customer(desk, chosen):
    response = desk.post("/sales/orders/new", {"customer_id": chosen, "channel": "phone"}, htmx=False)
    assert response.status_code == 422
    assert "Choose a customer from the list, or create a new one." in text(response)
    assert count(Order) == 0


# --- draft header -------------------------------------------------------------------------------

HEADER = {"channel": "phone", "method": "delivery", "address": "1 Test Street\nLeeds\nLS1 1AA",
          "instructions": "Ring twice", "requested_date": "", "customer_reference": "PO-9"}

HEADER_CASES = [
    ("requested_date", {"requested_date": "yesterday"},
     "The requested date is in the past."),
    ("requested_date", {"requested_date": "31/31/2020"}, "“31/31/2020” is not a date: there is no month 31."),
    ("address", {"address": "  "}, "A delivery order needs an address."),
    ("channel", {"channel": "carrier-pigeon"}, "Not a valid choice"),
    ("method", {"method": "teleport"}, "Not a valid choice"),
    ("customer_reference", {"customer_reference": "P" * 61}, "Field cannot be longer than 60 characters."),
]


@pytest.mark.parametrize(("field", "change", "message"), HEADER_CASES, ids=[c[0] + "-" + str(i) for i, c in enumerate(HEADER_CASES)])
def test_header_refuses_bad_input_and_saves_nothing(desk, new_draft, make_product, field, change, message):
    order = new_draft([(make_product(), 1)])
    before = fresh(order)
    snapshot = (before.version, before.channel, before.method, before.address, before.instructions,
                before.requested_date, before.customer_reference)
    if change.get("requested_date") == "yesterday":
        change = {"requested_date": (business_today() - timedelta(days=1)).isoformat()}
    response = desk.post(f"/sales/orders/{order.ref}/header", {**HEADER, **change}, order=order)
    assert response.status_code == 200
    page = text(response)
    assert near(page, f'id="{field}-error"', message, within=200)
    assert "Not saved" in page
    after = fresh(order)
    assert (after.version, after.channel, after.method, after.address, after.instructions,
            after.requested_date, after.customer_reference) == snapshot


def test_header_saves_good_input(desk, new_draft):
    order = new_draft()
    day = (business_today() + timedelta(days=3)).isoformat()
    response = desk.post(f"/sales/orders/{order.ref}/header", {**HEADER, "requested_date": day,
                         "customer_reference": "  PO-9  ", "method": "pickup", "address": ""}, order=order)
    assert "Saved" in text(response)
    order = fresh(order)
    assert (order.method, order.customer_reference, order.requested_date.isoformat(), order.instructions) == (
        "pickup", "PO-9", day, "Ring twice")


# --- adding and changing lines ---------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "message"), [
    ("0", "Quantity must be from 1 to 100,000."), ("-1", "Quantity must be from 1 to 100,000."),
    ("abc", "Not a valid integer value."), ("1000000", "Quantity must be from 1 to 100,000."),
    ("", "Enter a quantity."),
])
def test_add_line_refuses_a_bad_quantity(desk, new_draft, make_product, quantity, message):
    product = make_product()
    order = new_draft()
    page = text(desk.post(f"/sales/orders/{order.ref}/lines", {"sku": product.sku, "quantity": quantity}, order=order))
    assert near(page, 'id="add-qty"', message, within=400)
    assert f'value="{product.sku}"' in page and f'value="{quantity}"' in page
    assert count(OrderLine) == 0


def test_add_line_refuses_an_unknown_sku_next_to_the_field(desk, new_draft):
    order = new_draft()
    page = text(desk.post(f"/sales/orders/{order.ref}/lines", {"sku": "NOPE-42", "quantity": "7"}, order=order))
    assert near(page, 'id="add-sku"', "No product “NOPE-42”", within=900)
    assert 'value="NOPE-42"' in page and 'value="7"' in page
    assert count(OrderLine) == 0


def test_add_line_refuses_an_ambiguous_name(desk, new_draft, make_product):
    make_product(name="Blue widget"), make_product(name="Blue widget XL")
    order = new_draft()
    page = text(desk.post(f"/sales/orders/{order.ref}/lines", {"sku": "blue widget", "quantity": "2"}, order=order))
    assert near(page, 'id="add-sku"', "“blue widget” matches several products; pick one from the list.", within=900)
    assert 'value="blue widget"' in page and count(OrderLine) == 0


def test_add_line_by_a_unique_name(desk, new_draft, make_product):
    product = make_product(name="Brass hinge 75mm")
    order = new_draft()
    desk.post(f"/sales/orders/{order.ref}/lines", {"sku": "brass hinge", "quantity": "4"}, order=order)
    assert [(x.sku, x.quantity) for x in fresh(order).lines] == [(product.sku, 4)]


@pytest.mark.parametrize(("quantity", "message"), [
    ("0", "Quantity must be from 1 to 100,000."), ("-1", "Quantity must be from 1 to 100,000."),
    ("abc", "Not a valid integer value."), ("1000000", "Quantity must be from 1 to 100,000."),
])
def test_changing_a_quantity_refuses_bad_input(desk, new_draft, make_product, quantity, message):
    order = new_draft([(make_product(), 3)])
    line = order.lines[0]
    page = text(desk.post(f"/sales/orders/{order.ref}/lines/{line.id}", {"quantity": quantity}, order=order))
    assert near(page, f'aria-label="Quantity of {line.sku}"', message, within=400)
    assert f'value="{quantity}"' in page
    assert fresh(order).lines[0].quantity == 3


@pytest.mark.parametrize(("price", "reason", "field", "message"), [
    ("abc", "Quote 7", "price", "Not a valid decimal value."),
    ("NaN", "Quote 7", "price", "Enter the price as a number"),
    ("-1", "Quote 7", "price", "The price must be between 0 and 1,000,000."),
    ("", "Quote 7", "price", "Enter the price."),
    ("9.50", "", "reason", "Say why the price is overridden."),
])
def test_price_override_refuses_bad_input(desk, new_draft, make_product, price, reason, field, message):
    order = new_draft([(make_product(price="10.00"), 3)])
    line = order.lines[0]
    page = text(desk.post(f"/sales/orders/{order.ref}/lines/{line.id}/price", {"price": price, "reason": reason},
                          order=order))
    assert near(page, f'name="{field}"', message, within=300)
    assert f'value="{price}"' in page and f'value="{reason}"' in page
    assert "<details class=\"override\" open>" in page
    assert fresh(order).lines[0].unit_price == 10
    assert db.session.execute(select(Event).where(Event.kind == "order.price_override")).first() is None
