"""The desk's shortcuts and customer search: Alt+A acknowledges exactly the checks shown
(and a post from an older page is a conflict that loses nothing), the review reads back what
was acknowledged, the field keys are on the page, and the customer search ranks exact code,
phone and email first, then names that start with the words typed, with town and last order."""

import re

import pytest
from markupsafe import escape

from app.customers.models import Address, Customer
from app.customers.queries import town_of
from app.extensions import db
from app.formatting import when
from app.orders import verification
from tests.sales.conftest import fresh

ACK_ALL = "/sales/orders/{}/flags/acknowledge-all"


@pytest.fixture
def checked_draft(new_draft, make_customer, make_order, make_product):
    """A draft of a customer who has ordered before, with two checks: a first-time product and a shortage."""
    customer = make_customer(name="Regular Ltd")
    make_order([(make_product(on_hand=500), 2)], submit=True, customer=customer)
    return new_draft([(make_product(on_hand=1), 3)], customer=customer)


def shown_keys(desk, order):
    """The keys of the checks the entry screen shows (what the Alt+A form carries)."""
    html = desk.get(f"/sales/orders/{order.ref}/edit").get_data(as_text=True)
    form = html[html.index('id="acknowledge-all"'):]
    return re.findall(r'name="key" value="([^"]+)"', form[:form.index("</form>")])


def acknowledged(order):
    return {f.key for f in fresh(order).flags if f.acknowledged_at is not None}


def test_alt_a_acknowledges_exactly_the_checks_shown(desk, checked_draft, users):
    keys = shown_keys(desk, checked_draft)
    assert sorted(k.split(":")[0] for k in keys) == ["new_product", "shortage"]
    response = desk.post(ACK_ALL.format(checked_draft.ref), {"key": keys}, order=checked_draft)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "2 checks acknowledged" in body and 'id="acknowledge-all"' not in body
    order = fresh(checked_draft)
    assert acknowledged(order) == set(keys)
    assert all(f.acknowledged_by_id == users["sales"].id for f in order.flags)


def test_a_check_found_after_the_page_was_shown_stays_open(desk, checked_draft, make_product):
    keys = shown_keys(desk, checked_draft)
    version = fresh(checked_draft).version
    # a line added since (from another tab) raises a new shortage the rep has not seen
    unseen = make_product(on_hand=0)
    desk.post(f"/sales/orders/{checked_draft.ref}/lines", {"sku": unseen.sku, "quantity": 1}, version=version)
    desk.post(ACK_ALL.format(checked_draft.ref), {"key": keys}, order=checked_draft)
    order = fresh(checked_draft)
    assert acknowledged(order) == set(keys)
    assert sorted(f.key for f in verification.open_flags(order)) == [f"new_product:{unseen.sku}",
                                                                      f"shortage:{unseen.sku}:1"]


def test_only_the_keys_sent_are_acknowledged(desk, checked_draft):
    [first, _second] = shown_keys(desk, checked_draft)
    desk.post(ACK_ALL.format(checked_draft.ref), {"key": [first]}, order=checked_draft)
    assert acknowledged(checked_draft) == {first}


def test_a_post_naming_no_check_acknowledges_nothing(desk, checked_draft):
    shown_keys(desk, checked_draft)
    response = desk.post(ACK_ALL.format(checked_draft.ref), {}, order=checked_draft)
    assert response.status_code == 422 and "No check was shown" in response.get_data(as_text=True)
    assert acknowledged(checked_draft) == set()


def test_alt_a_from_an_older_page_is_a_conflict_and_loses_nothing(desk, checked_draft):
    keys = shown_keys(desk, checked_draft)
    seen = fresh(checked_draft).version
    saved = desk.post(f"/sales/orders/{checked_draft.ref}/header",
                      {"channel": "phone", "method": "delivery", "address": "1 Test Street\nLeeds\nLS1 1AA",
                       "customer_reference": "PO-4471"}, version=seen)
    assert "Saved" in saved.get_data(as_text=True)
    response = desk.post(ACK_ALL.format(checked_draft.ref), {"key": keys}, version=seen)
    assert "Someone else changed" in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#draft-conflict"
    order = fresh(checked_draft)
    assert acknowledged(order) == set() and order.customer_reference == "PO-4471" and len(order.lines) == 1
    plain = desk.post(ACK_ALL.format(checked_draft.ref), {"key": keys, "next": "review"}, version=seen, htmx=False)
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/review")  # where Alt+A was pressed
    assert "Someone else changed" in desk.get(plain.headers["Location"]).get_data(as_text=True)
    assert acknowledged(checked_draft) == set()


def test_the_review_reads_back_what_was_acknowledged(desk, checked_draft):
    keys = shown_keys(desk, checked_draft)
    response = desk.post(ACK_ALL.format(checked_draft.ref), {"key": keys, "next": "review"}, order=checked_draft,
                         htmx=False)
    assert response.headers["Location"].endswith(f"/sales/orders/{checked_draft.ref}/review")
    review = desk.get(response.headers["Location"]).get_data(as_text=True)
    readback = review[review.index("Checked with the customer"):review.index("</ul>", review.index("Checked with"))]
    for flag in fresh(checked_draft).flags:
        assert str(escape(flag.message)) in readback
    assert "Sales" in readback


def test_the_entry_screen_names_its_keys(desk, checked_draft):
    html = desk.get(f"/sales/orders/{checked_draft.ref}/edit").get_data(as_text=True)
    for key, field in (("Alt+P", "customer_reference"), ("Alt+I", "instructions"), ("Alt+W", "requested_date")):
        assert re.search(rf'<(input|textarea)[^>]*aria-keyshortcuts="{re.escape(key)}"[^>]*id="{field}"|'
                         rf'<(input|textarea)[^>]*id="{field}"[^>]*aria-keyshortcuts="{re.escape(key)}"', html), key
    for key in ("Alt+P", "Alt+I", "Alt+W", "Alt+A", "Alt+R"):
        assert f"<dt><kbd>{key}</kbd></dt>" in html  # in the ? list
    assert 'aria-keyshortcuts="Alt+A">Acknowledge all (<kbd>Alt+A</kbd>)' in html
    assert 'aria-keyshortcuts="Alt+R"' in html


# --- customer search ------------------------------------------------------------------------

def customer(name, code, town="Leeds", **kw):
    record = Customer(code=code, name=name, **kw)
    record.addresses.append(Address(label="Main", text=f"1 Mill Lane\n{town}\nLS1 1AA", is_default=True))
    db.session.add(record)
    db.session.commit()
    return record


def picker(desk, q):
    html = desk.get("/sales/customers/search", query_string={"q": q}).get_data(as_text=True)
    return html, re.findall(r"<strong>([^<]+)</strong>", html)


def test_exact_code_phone_and_email_come_first_then_name_prefix(desk):
    customer("Northgate Acme Supplies", "C0101")
    customer("Acme Engineering", "C0102", town="York")
    customer("Acme Builders", "C0103", town="Bath")
    customer("Zeta Trading", "ACME")
    customer("Quayside Joinery", "C0105", email="acme@quayside.example", contact_name="Acme Desk")
    _html, names = picker(desk, "acme")
    assert names == ["Zeta Trading", "Acme Builders", "Acme Engineering", "Northgate Acme Supplies",
                     "Quayside Joinery"]
    assert picker(desk, "ACME@Quayside.example")[1][0] == "Quayside Joinery"


def test_a_phone_number_matches_however_it_is_spaced(desk):
    customer("Harrow Plumbing", "C0201", phone="0113 496 0007")
    customer("Harrow Electrical", "C0202", phone="0113 496 0070")
    assert picker(desk, "01134960007")[1] == ["Harrow Plumbing"]
    assert picker(desk, "0113-496-0070")[1] == ["Harrow Electrical"]


def test_results_show_town_and_last_order_to_tell_names_apart(desk, make_order):
    plumbing = customer("Harrow Plumbing", "C0301", town="Leeds")
    customer("Harrow Plumbing", "C0302", town="Exeter")
    order = make_order(submit=True, customer=plumbing)
    html, names = picker(desk, "harrow")
    assert names == ["Harrow Plumbing", "Harrow Plumbing"]
    leeds, exeter = html.split('role="option"')[1:]
    assert "Leeds" in leeds and f"last order {when(fresh(order).created_at, '%d %b %Y')}" in leeds
    assert "Exeter" in exeter and "no orders yet" in exeter


@pytest.mark.parametrize(("address", "town"), [
    ("1 Mill Lane\nLeeds\nLS1 1AA", "Leeds"),
    ("7 Harbour Yard, Whitby, YO21 3PU", "Whitby"),
    ("Unit 4, Kings Road, Bath BA1 2CD", "Bath"),
    ("5 Park Road", "5 Park Road"),
    ("", ""),
])
def test_town_of_an_address(address, town):
    assert town_of(address) == town
