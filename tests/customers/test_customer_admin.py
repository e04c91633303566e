"""The customer record as sales and the manager keep it: terms, VAT number (checked, kept
compact), tax treatment, confirmation channel, price list; credit limit and hold changed by a
manager only; several delivery addresses with one default (retired, never deleted); contacts."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import PriceList
from app.customers.models import Customer
from app.events.models import Event
from app.extensions import db
from app.orders.services import create_draft
from tests.conftest import csrf_from, log_in
from tests.sales.conftest import Desk, fresh

RECORD = {"name": "Harbour Tools", "contact_name": "Ann Lee", "email": "ann@harbour.example",
          "phone": "+44 113 496 0000", "address": "4 Quay Street\nWhitby YO21 1AA", "notes": "",
          "payment_terms": "30 days end of month", "vat_number": "gb 980 7806 84",
          "tax_treatment": "standard", "preferred_channel": "phone", "price_list_id": "", "active": "y"}


def at_desk(app, role) -> Desk:
    client = app.test_client()
    response = log_in(client, role)
    return Desk(client, csrf_from(client.get(response.headers["Location"]).get_data(as_text=True)))


@pytest.fixture
def rep(app, users):
    return at_desk(app, "sales")


@pytest.fixture
def manager(app, users):
    return at_desk(app, "manager")


def customer(code="C0001") -> Customer:
    db.session.expire_all()
    return db.session.execute(select(Customer).where(Customer.code == code)).scalar_one()


def events(kind):
    return db.session.execute(select(Event).where(Event.kind == kind).order_by(Event.id)).scalars().all()


def test_create_with_terms_vat_and_price_list(rep):
    trade = PriceList(code="TRADE", name="Trade")
    db.session.add_all([trade, PriceList(code="OLD", name="Old list", active=False)])
    db.session.commit()
    form = rep.get("/sales/customers/new").get_data(as_text=True)
    assert "Trade (TRADE)" in form and "Old list" not in form
    response = rep.post("/sales/customers/new", {**RECORD, "code": "hb-01", "price_list_id": str(trade.id)}, htmx=False)
    assert response.status_code == 302 and response.headers["Location"] == "/sales/customers/HB-01"
    c = customer("HB-01")
    assert (c.payment_terms, c.vat_number, c.preferred_channel, c.price_list_id, c.active) == (
        "30 days end of month", "GB980780684", "phone", trade.id, True)
    [event] = events("customer.create")
    assert event.after["vat_number"] == "GB980780684" and event.after["code"] == "HB-01"
    page = rep.get("/sales/customers/HB-01").get_data(as_text=True)
    for text in ("30 days end of month", "GB980780684", "Trade", "No limit", "4 Quay Street"):
        assert text in page


def test_code_is_unique_and_otherwise_the_next_free_one(rep):
    rep.post("/sales/customers/new", RECORD, htmx=False)
    assert customer("C0001").name == "Harbour Tools"
    taken = rep.post("/sales/customers/new", {**RECORD, "code": "C0001", "name": "Other"}, htmx=False)
    assert taken.status_code == 422 and "already taken" in taken.get_data(as_text=True)
    assert db.session.execute(select(Customer.name)).scalars().all() == ["Harbour Tools"]


@pytest.mark.parametrize("typed, kept", [("GB980780684", "GB980780684"), ("980 7806 84", "GB980780684"),
                                         ("DE 136 695 976", "DE136695976"), ("", "")])
def test_vat_numbers_are_kept_compact(rep, typed, kept):
    rep.post("/sales/customers/new", {**RECORD, "vat_number": typed}, htmx=False)
    assert customer().vat_number == kept


@pytest.mark.parametrize("typed, said", [("GB123456789", "check digits"), ("GB98078068", "number of digits"),
                                         ("XX12345", "UK number")])
def test_a_wrong_vat_number_is_refused_with_the_reason(rep, typed, said):
    response = rep.post("/sales/customers/new", {**RECORD, "vat_number": typed}, htmx=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and said in page and f'value="{typed}"' in page
    assert db.session.execute(select(Customer)).first() is None


def test_edit_records_before_and_after(rep):
    rep.post("/sales/customers/new", RECORD, htmx=False)
    rep.post("/sales/customers/C0001/edit", {**RECORD, "payment_terms": "14 days", "tax_treatment": "zero_rated"},
             htmx=False)
    c = customer()
    assert (c.payment_terms, c.tax_treatment) == ("14 days", "zero_rated") and c.updated_at is not None
    [event] = events("customer.update")
    assert event.before == {"payment_terms": "30 days end of month", "tax_treatment": "standard"}
    assert event.after == {"payment_terms": "14 days", "tax_treatment": "zero_rated"}


def test_a_rep_sees_credit_terms_but_cannot_change_them(rep, manager, make_customer):
    make_customer(code="C0001", credit_limit=Decimal("5000.00"))
    form = rep.get("/sales/customers/C0001/edit").get_data(as_text=True)
    assert 'name="credit_limit"' not in form and "5,000.00" in form and "Only a manager" in form
    rep.post("/sales/customers/C0001/edit", {**RECORD, "credit_limit": "99999", "credit_hold": "y",
                                             "credit_hold_reason": "sneaky"}, htmx=False)
    c = customer()
    assert (c.credit_limit, c.credit_hold, c.name) == (Decimal("5000.00"), False, "Harbour Tools")
    assert events("customer.credit_changed") == []


def test_the_manager_changes_the_limit_and_puts_a_customer_on_hold(manager, make_customer, users):
    make_customer(code="C0001")
    assert 'name="credit_limit"' in manager.get("/sales/customers/C0001/edit").get_data(as_text=True)
    no_reason = manager.post("/sales/customers/C0001/edit", {**RECORD, "credit_hold": "y"}, htmx=False)
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    manager.post("/sales/customers/C0001/edit", {**RECORD, "credit_limit": "2500", "credit_hold": "y",
                                                 "credit_hold_reason": "Invoice 881 overdue"}, htmx=False)
    c = customer()
    assert (c.credit_limit, c.credit_hold, c.credit_hold_reason) == (Decimal("2500.00"), True, "Invoice 881 overdue")
    [event] = events("customer.credit_changed")
    assert event.actor_id == users["manager"].id
    assert event.before == {"credit_limit": None, "credit_hold": False, "credit_hold_reason": ""}
    assert event.after == {"credit_limit": "2500.00", "credit_hold": True, "credit_hold_reason": "Invoice 881 overdue"}
    assert "On credit hold: Invoice 881 overdue" in manager.get("/sales/customers/C0001").get_data(as_text=True)
    manager.post("/sales/customers/C0001/edit", {**RECORD, "credit_limit": ""}, htmx=False)
    assert (customer().credit_limit, customer().credit_hold) == (None, False)


def test_addresses_one_default_retired_not_deleted(rep, make_customer, make_order):
    c = make_customer(code="C0001")
    first = c.addresses[0]
    rep.post("/sales/customers/C0001/addresses/new", {"label": "Warehouse", "text": "Unit 5\nHull HU1 1AA"},
             htmx=False)
    rep.post("/sales/customers/C0001/addresses/new", {"label": "Shop", "text": "2 High St\nYork", "is_default": "y"},
             htmx=False)
    c = customer()
    assert [(a.label, a.is_default) for a in c.addresses] == [("Main", False), ("Warehouse", False), ("Shop", True)]
    warehouse = c.addresses[1]
    rep.post(f"/sales/customers/C0001/addresses/{warehouse.id}/default", {}, htmx=False)
    assert customer().default_address.label == "Warehouse"
    rep.post(f"/sales/customers/C0001/addresses/{warehouse.id}", {"label": "Warehouse", "text": "Unit 6\nHull",
                                                                 "is_default": "y"}, htmx=False)
    assert customer().default_address.text == "Unit 6\nHull"
    order = make_order(customer=c)
    order.address_id, order.address = first.id, first.text
    db.session.commit()
    rep.post(f"/sales/customers/C0001/addresses/{first.id}/retire", {}, htmx=False)
    rep.post(f"/sales/customers/C0001/addresses/{warehouse.id}/retire", {}, htmx=False)
    c = customer()
    assert [(a.label, a.active) for a in c.addresses] == [("Main", False), ("Warehouse", False), ("Shop", True)]
    assert c.default_address.label == "Shop"  # the default moved on
    again = rep.post(f"/sales/customers/C0001/addresses/{first.id}/retire", {}, htmx=False)
    assert again.status_code == 302  # back to the record with the message
    assert "already retired" in rep.get(again.headers["Location"]).get_data(as_text=True)
    page = rep.get("/sales/customers/C0001").get_data(as_text=True)
    assert "retired" in page and "Unit 6" in page
    assert len(events("customer.update")) == 6


def test_contacts_add_edit_remove(rep, make_customer):
    make_customer(code="C0001")
    bad = rep.post("/sales/customers/C0001/contacts/new", {"name": "Bo", "email": "not-an-email"}, htmx=False)
    assert bad.status_code == 422
    rep.post("/sales/customers/C0001/contacts/new", {"name": "Bo Diaz", "role": "Accounts",
                                                    "email": "Bo@Harbour.example"}, htmx=False)
    [contact] = customer().contacts
    assert (contact.name, contact.role, contact.email, contact.phone) == ("Bo Diaz", "Accounts", "bo@harbour.example", None)
    rep.post(f"/sales/customers/C0001/contacts/{contact.id}", {"name": "Bo Diaz", "role": "Goods in",
                                                              "phone": "01904 000000"}, htmx=False)
    assert (customer().contacts[0].role, customer().contacts[0].phone) == ("Goods in", "01904 000000")
    assert "Goods in" in rep.get("/sales/customers/C0001").get_data(as_text=True)
    rep.post(f"/sales/customers/C0001/contacts/{contact.id}/remove", {}, htmx=False)
    assert customer().contacts == []
    assert [e.summary for e in events("customer.update")] == [
        "Customer C0001: contact Bo Diaz added", "Customer C0001: contact Bo Diaz changed",
        "Customer C0001: contact Bo Diaz removed"]


def test_another_customers_address_is_404(rep, make_customer):
    make_customer(code="C0001")
    other = make_customer(code="C0002")
    assert rep.get(f"/sales/customers/C0001/addresses/{other.addresses[0].id}").status_code == 404
    assert rep.post(f"/sales/customers/C0001/addresses/{other.addresses[0].id}/retire", {}).status_code == 404


# --- the delivery address on order entry ----------------------------------------------------

def header(rep, order, **fields):
    data = {"channel": "phone", "method": "delivery", "address": order.address, "instructions": "",
            "customer_reference": "", **fields}
    return rep.post(f"/sales/orders/{order.ref}/header", data, order=order)


def test_entry_offers_the_addresses_with_the_default_chosen(rep, make_customer, users):
    make_customer(code="C0001")
    rep.post("/sales/customers/C0001/addresses/new", {"label": "Warehouse", "text": "Unit 5\nHull HU1 1AA"},
             htmx=False)
    old = make_customer(code="C0002")
    db.session.commit()
    c = customer()
    main, warehouse = c.addresses
    order = create_draft(c, channel="phone", actor=users["sales"])
    db.session.commit()
    assert (order.address_id, order.address) == (main.id, main.text)
    page = rep.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    assert f'<option selected value="{main.id}">Main: 1 Test Street</option>' in page
    assert "Warehouse: Unit 5" in page and "Another address" in page
    answer = header(rep, order, address_id=str(warehouse.id)).get_data(as_text=True)
    order = fresh(order)
    assert (order.address_id, order.address) == (warehouse.id, "Unit 5\nHull HU1 1AA")
    assert 'id="header-address" class="span2 address-choice" hx-swap-oob="true"' in answer and "Unit 5" in answer
    header(rep, order, address_id=str(warehouse.id), address="7 Dock Road\nGoole")  # typed over it: a new address
    order = fresh(order)
    assert (order.address_id, order.address) == (None, "7 Dock Road\nGoole")
    header(rep, order, address_id=str(old.addresses[0].id))  # not this customer's: the text stays as typed
    assert fresh(order).address_id is None
    header(rep, order, address_id="", address="unit 5  hull hu1 1aa")  # the same as one on file
    assert fresh(order).address_id == warehouse.id


def test_the_preferred_channel_is_the_default_where_the_rep_confirms(rep, make_customer, make_order):
    c = make_customer(code="C0001", preferred_channel="phone", contact_name="Ann Lee")
    order = make_order(submit=True, customer=c)
    page = rep.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "prefers confirmations by phone" in page
    assert '<option selected value="phone">' in page and 'value="Ann Lee"' in page
    c.preferred_channel = "email"
    db.session.commit()
    page = rep.get(f"/orders/{order.number}").get_data(as_text=True)
    assert '<option selected value="email">' in page


def test_an_inactive_customer_is_not_offered_on_new_orders(rep, make_customer):
    make_customer(name="Acme Old Works", active=False)
    make_customer(name="Acme New Works")
    found = rep.get("/sales/customers/search?q=Acme").get_data(as_text=True)
    assert "Acme New Works" in found and "Acme Old Works" not in found
    assert "Acme Old Works" in rep.get("/sales/customers/?q=Acme").get_data(as_text=True)  # still on the list
