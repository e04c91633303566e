"""Customer records: create, edit (the old address stays on record), the record with its
order history, and the list with search and pages."""

from sqlalchemy import select

from app.customers.models import Customer
from app.extensions import db

NEW = {"name": "Harbour Tools", "contact_name": "Ann Lee", "email": "Ann@Harbour.example",
       "phone": "+44 113 496 0000", "address": "4 Quay Street\nWhitby", "notes": "Back door"}


def test_create_a_customer(desk):
    response = desk.post("/sales/customers/new", NEW, htmx=False)
    customer = db.session.execute(select(Customer)).scalar_one()
    assert response.headers["Location"] == f"/sales/customers/{customer.code}"
    assert (customer.code, customer.email, customer.default_address.text) == ("C0001", "ann@harbour.example", NEW["address"])
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbour Tools" in page and "ann@harbour.example" in page and "4 Quay Street" in page
    assert "No orders yet" in page


def test_edit_changes_details_and_leaves_addresses_to_their_own_screens(desk):
    desk.post("/sales/customers/new", NEW, htmx=False)
    form = desk.get("/sales/customers/C0001/edit").get_data(as_text=True)
    assert 'value="Harbour Tools"' in form and "4 Quay Street" not in form
    desk.post("/sales/customers/C0001/edit", {**NEW, "phone": "01947 600 600", "tax_treatment": "standard",
                                              "preferred_channel": "email", "active": "y"}, htmx=False)
    customer = db.session.execute(select(Customer)).scalar_one()
    assert customer.phone == "01947 600 600"
    assert [(a.text, a.is_default) for a in customer.addresses] == [("4 Quay Street\nWhitby", True)]
    page = desk.get("/sales/customers/C0001").get_data(as_text=True)
    assert "4 Quay Street" in page and "Add address" in page


def test_edit_with_bad_input_changes_nothing(desk):
    desk.post("/sales/customers/new", NEW, htmx=False)
    response = desk.post("/sales/customers/C0001/edit", {**NEW, "email": "nope", "name": "Renamed"}, htmx=False)
    assert response.status_code == 422 and 'value="Renamed"' in response.get_data(as_text=True)
    assert db.session.execute(select(Customer)).scalar_one().name == "Harbour Tools"


def test_record_shows_the_order_history(desk, make_customer, make_order):
    customer = make_customer(name="History Ltd")
    confirmed = make_order(submit=True, customer=customer)
    draft = make_order(customer=customer)
    other = make_order(submit=True)
    page = desk.get(f"/sales/customers/{customer.code}").get_data(as_text=True)
    assert confirmed.number in page and draft.ref in page and other.number not in page


def test_unknown_customer_is_404(desk):
    assert desk.get("/sales/customers/NOPE").status_code == 404


def test_search_and_pages(app, desk, make_customer):
    for n in range(30):
        make_customer(name=f"Alpha {n:02d}")
    make_customer(name="Zebra Works", email="zz@zebra.example")
    first = desk.get("/sales/customers/").get_data(as_text=True)
    assert "Page 1 of 2 · 31 in all" in first and "Alpha 00" in first and "Zebra Works" not in first
    second = desk.get("/sales/customers/?page=2").get_data(as_text=True)
    assert "Zebra Works" in second and "Alpha 00" not in second
    found = desk.get("/sales/customers/?q=zebra.example", headers={"HX-Request": "true", "HX-Target": "customers"})
    body = found.get_data(as_text=True)
    assert "Zebra Works" in body and "Alpha" not in body and "<html" not in body
    assert "No customer matches “nobody”" in desk.get("/sales/customers/?q=nobody").get_data(as_text=True)
    picker = desk.get("/sales/customers/search?q=zebra").get_data(as_text=True)
    assert "Zebra Works" in picker and "Alpha" not in picker


def test_codes_keep_counting_past_c9999(desk, make_customer):
    make_customer(code="C9999"), make_customer(code="C10000"), make_customer(code="CUSTOMER-X")
    desk.post("/sales/customers/new", NEW, htmx=False)
    assert db.session.execute(select(Customer.code).where(Customer.name == "Harbour Tools")).scalar_one() == "C10001"


def test_a_long_order_history_is_paged_on_the_customer_record(app, desk, make_customer, make_order, monkeypatch):
    """A customer with more orders than one page: the record shows a page and links to the
    next one (with the customer's code), which shows the rest."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)  # the app is shared by the worker's tests
    customer = make_customer(name="Regular Ltd")
    drafts = [make_order(customer=customer) for _ in range(3)]
    db.session.commit()
    first = desk.get(f"/sales/customers/{customer.code}")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert f'href="/sales/customers/{customer.code}?page=2"' in html and "Page 1 of 2" in html
    rest = desk.get(f"/sales/customers/{customer.code}?page=2").get_data(as_text=True)
    shown = [d.ref for d in drafts if d.ref in html], [d.ref for d in drafts if d.ref in rest]
    assert len(shown[0]) == 2 and len(shown[1]) == 1 and set(shown[0]).isdisjoint(shown[1])
