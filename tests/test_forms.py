"""Every POST is read by a WTForms form: bad input is refused with the message next to its
field (422), what was typed comes back, nothing is saved; and every error message on a page
is named by its input's aria-describedby (one field macro, templates/macros.html)."""

import html as htmllib
import re

import pytest

from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Order
from tests.orders.helpers import form_fields

ERROR_P = re.compile(r'<p class="field__error"([^>]*)>')


def errors_described(page: str) -> list[str]:
    """The ids of the error messages on the page; each one must be named by an aria-describedby."""
    ids = []
    for attrs in ERROR_P.findall(page):
        found = re.search(r'\bid="([^"]+)"', attrs)
        assert found, f"an error message without an id: <p class=\"field__error\"{attrs}>"
        ids.append(found.group(1))
        assert f'aria-describedby="{found.group(1)}"' in page, f"nothing names the error #{found.group(1)}"
    return ids


def message_of(page: str, field_id: str) -> str:
    """The error message shown next to the input `field_id`, which must name it."""
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*aria-describedby="{re.escape(field_id)}-error"', page) or \
        re.search(rf'aria-describedby="{re.escape(field_id)}-error"[^>]*id="{re.escape(field_id)}"', page), \
        f"#{field_id} does not name its error"
    found = re.search(rf'<p class="field__error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>', page)
    assert found, f"no error next to #{field_id}"
    return htmllib.unescape(found.group(1))


def value_of(page: str, field_id: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert found, f"no input #{field_id}"
    return htmllib.unescape(re.search(r'\bvalue="([^"]*)"', found.group(0)).group(1))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def quiet_order_in(order_in):
    """order_in without rendering confirmation PDFs nobody looks at here."""
    def make(*args, **kwargs):
        with confirmations_suppressed():
            return order_in(*args, **kwargs)
    return make


# --- amendments ----------------------------------------------------------------------------

def test_amend_refuses_a_negative_quantity_and_an_unknown_sku(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    login("sales")
    page = text(client.get(f"/orders/{order.number}/amend"))
    assert errors_described(page) == []
    fields = form_fields(page, with_field="requested_by")
    [line_box] = [k.replace("line_id", "quantity") for k, v in fields.items()
                  if k.endswith("-line_id") and v == str(order.lines[0].id)]
    fields.update({"channel": "phone", "requested_by": "Jane Buyer", "verified_how": "Read back",
                   line_box: "-3", "additions-0-sku": "NOPE-1", "additions-0-quantity": "2",
                   "additions-1-sku": order.lines[0].sku, "additions-1-quantity": "100000000000000000000"})
    response = client.post(f"/orders/{order.number}/amend", data=fields)
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, line_box) == "Enter a whole number from 0 (remove) to 100,000."
    assert message_of(page, "additions-0-sku") == "No product matches “NOPE-1”. Type a SKU or part of a name and pick from the list."
    assert message_of(page, "additions-1-quantity") == "Enter a quantity from 1 to 100,000."
    assert (value_of(page, line_box), value_of(page, "additions-0-sku")) == ("-3", "NOPE-1")
    assert value_of(page, "additions-1-quantity") == "100000000000000000000"
    assert value_of(page, "requested_by") == "Jane Buyer"
    assert set(errors_described(page)) == {f"{line_box}-error", "additions-0-sku-error", "additions-1-quantity-error"}
    order = db.session.get(Order, order.id)
    assert order.revision == 1 and order.lines[0].quantity == 3 and len(order.lines) == 1


def test_amend_refuses_a_form_with_lines_not_of_this_order(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    login("sales")
    fields = form_fields(text(client.get(f"/orders/{order.number}/amend")), with_field="requested_by")
    fields.update({"channel": "phone", "requested_by": "Jane", "verified_how": "Read back",
                   "quantities-0-line_id": "999999", "quantities-0-quantity": "1"})
    response = client.post(f"/orders/{order.number}/amend", data=fields)
    assert response.status_code == 409 and "Someone else changed" in text(response)
    assert db.session.get(Order, order.id).revision == 1


# --- shipping --------------------------------------------------------------------------------

def test_ship_dispatch_without_a_carrier_is_refused_next_to_the_field(client, login, quiet_order_in):
    order = quiet_order_in("packed")
    login("fulfillment")
    page = text(client.get(f"/fulfillment/orders/{order.number}/ship"))
    assert errors_described(page) == []
    response = client.post(f"/fulfillment/orders/{order.number}/ship/dispatch",
                           data={"csrf_token": _token(page), "carrier": "  ", "tracking_number": "TRK-9"})
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, "carrier") == "Enter the carrier (e.g. DPD, own van)."
    assert value_of(page, "tracking_number") == "TRK-9"
    assert errors_described(page) == ["carrier-error"]
    response = client.post(f"/fulfillment/orders/{order.number}/ship/dispatch",
                           data={"csrf_token": _token(page), "carrier": "C" * 61, "tracking_number": "T" * 81})
    page = text(response)
    assert response.status_code == 422
    assert message_of(page, "carrier") == "Keep it to 60 characters or fewer."
    assert message_of(page, "tracking_number") == "Keep it to 80 characters or fewer."
    assert value_of(page, "carrier") == "C" * 61
    assert db.session.get(Order, order.id).status == "packed"


def test_the_order_page_dispatch_button_bounds_its_fields(client, login, quiet_order_in):
    order = quiet_order_in("packed")
    login("fulfillment")
    response = client.post(f"/orders/{order.number}/transition/dispatch",
                           data={"csrf_token": _token(text(client.get(f"/orders/{order.number}"))),
                                 "version": order.version, "carrier": "C" * 61, "tracking_number": "T1"})
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, "dispatch-carrier") == "Keep it to 60 characters or fewer."
    assert value_of(page, "dispatch-tracking") == "T1"
    assert errors_described(page) == ["dispatch-carrier-error"]
    assert db.session.get(Order, order.id).status == "packed"


# --- picking ---------------------------------------------------------------------------------

@pytest.fixture
def being_picked(quiet_order_in):
    return quiet_order_in("picking")


@pytest.mark.parametrize("quantity", ["0", str(10**20), "two", ""])
def test_scan_refuses_a_quantity_out_of_range_on_the_page(client, login, being_picked, quantity):
    order = being_picked
    login("fulfillment")
    page = text(client.get(f"/fulfillment/orders/{order.number}/pick"))
    assert errors_described(page) == []
    response = client.post(f"/fulfillment/orders/{order.number}/scan",
                           data={"csrf_token": _token(page), "sku": order.lines[0].sku, "quantity": quantity})
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, "scan-qty") == "Enter a quantity from 1 to 100,000."
    assert value_of(page, "scan-qty") == quantity and value_of(page, "scan-sku") == order.lines[0].sku
    assert errors_described(page) == ["scan-qty-error"]
    assert db.session.get(Order, order.id).lines[0].qty_picked == 0


def test_scan_by_htmx_typed_wrong_comes_back_in_place(client, login, being_picked):
    order = being_picked
    token = login("fulfillment")
    response = client.post(f"/fulfillment/orders/{order.number}/scan", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "sku": "", "quantity": str(10**20)})
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#scan-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    page = text(response)
    assert '<form id="scan-form"' in page
    assert message_of(page, "scan-sku") == "Scan or type a SKU."
    assert message_of(page, "scan-qty") == "Enter a quantity from 1 to 100,000."
    assert value_of(page, "scan-qty") == str(10**20)
    assert db.session.get(Order, order.id).lines[0].qty_picked == 0


def test_a_picked_count_out_of_range_is_refused_next_to_its_line(client, login, being_picked):
    order = being_picked
    line = order.lines[0]
    token = login("fulfillment")
    response = client.post(f"/fulfillment/orders/{order.number}/lines/{line.id}", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "picked": "-1"})
    assert response.status_code == 422
    page = text(response)
    assert page.startswith('<div id="pick-lines">')
    assert f'aria-describedby="picked-{line.id}-error"' in page and 'value="-1"' in page
    assert "Enter how many were picked: a whole number from 0 to 100,000." in page
    assert errors_described(page) == [f"picked-{line.id}-error"]
    response = client.post(f"/fulfillment/orders/{order.number}/lines/{line.id}",
                           data={"csrf_token": token, "picked": str(10**20)})
    assert response.status_code == 422 and errors_described(text(response)) == [f"picked-{line.id}-error"]
    assert db.session.get(Order, order.id).lines[0].qty_picked == 0


def test_start_wave_refuses_what_is_not_an_order(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    token = login("fulfillment")
    response = client.post("/fulfillment/waves", data={"csrf_token": token, "order": [str(order.id), "1 OR 1=1"]})
    assert response.status_code == 302 and response.headers["Location"] == "/fulfillment/"
    assert "Tick the orders on the list" in text(client.get("/fulfillment/"))
    assert db.session.get(Order, order.id).status == "confirmed"


# --- the order page's own buttons ------------------------------------------------------------

def test_hold_with_a_10000_character_reason_is_refused_next_to_the_field(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    login("sales")
    page = text(client.get(f"/orders/{order.number}"))
    assert errors_described(page) == []
    assert 'id="hold-reason"' in page and 'maxlength="200"' in page
    reason = "Customer disputes the invoice. " * 330  # 10,230 characters
    response = client.post(f"/orders/{order.number}/hold",
                           data={"csrf_token": _token(page), "version": order.version, "reason": reason[:10_000]})
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, "hold-reason") == "Keep it to 200 characters or fewer."
    assert value_of(page, "hold-reason") == reason[:10_000].strip()
    assert errors_described(page) == ["hold-reason-error"]
    response = client.post(f"/orders/{order.number}/hold",
                           data={"csrf_token": _token(page), "version": order.version, "reason": "   "})
    assert response.status_code == 422 and message_of(text(response), "hold-reason") == "Say why the order is held."
    assert not db.session.get(Order, order.id).on_hold


def test_asking_for_a_release_needs_the_change(client, login, quiet_order_in):
    order = quiet_order_in("picking")
    token = login("sales")
    response = client.post(f"/orders/{order.number}/ask-release", data={"csrf_token": token, "change": ""})
    assert response.status_code == 422
    page = text(response)
    assert message_of(page, "release-change") == "Say what the customer wants to change, so fulfillment knows why."
    assert errors_described(page) == ["release-change-error"]


def test_a_next_address_elsewhere_is_ignored(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    token = login("sales")
    response = client.post(f"/orders/{order.number}/hold", data={
        "csrf_token": token, "version": order.version, "reason": "Credit check", "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/orders/{order.number}"
    assert db.session.get(Order, order.id).on_hold


# --- every error on the pages these forms live on is named by its input ------------------------

def test_error_messages_on_the_entry_screens_are_named_by_their_inputs(client, login, make_product, make_order):
    product = make_product(on_hand=1)
    draft = make_order(lines=[(product, 3)])
    token = login("sales")
    edit = text(client.get(f"/sales/orders/{draft.ref}/edit"))
    # the header's messages are always in the page (htmx fills them out of band), named by their field
    assert set(errors_described(edit)) >= {"channel-error", "address-error", "customer_reference-error"}
    response = client.post(f"/sales/orders/{draft.ref}/lines", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "version": draft.version, "sku": "", "quantity": "0"})
    assert set(errors_described(text(response))) == {"add-sku-error", "add-qty-error"}
    response = client.post(f"/sales/orders/{draft.ref}/lines/{draft.lines[0].id}", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "version": draft.version, "quantity": "0"})
    assert errors_described(text(response)) == [f"quantity-{draft.lines[0].id}-error"]
    response = client.post(f"/sales/orders/{draft.ref}/lines/{draft.lines[0].id}/price", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "version": draft.version, "price": "x", "reason": ""})
    assert set(errors_described(text(response))) == {f"price-{draft.lines[0].id}-error", f"reason-{draft.lines[0].id}-error"}
    response = client.post("/sales/orders/new", data={"csrf_token": token, "customer_id": "abc", "channel": "phone"})
    assert response.status_code == 422 and errors_described(text(response)) == ["customer_id-error"]
    review = text(client.get(f"/sales/orders/{draft.ref}/review"))
    assert errors_described(review) == []
    assert f'name="shortage-{draft.lines[0].id}"' in review


def test_error_messages_on_the_admin_form_are_named(client, login):
    token = login("admin")
    response = client.post("/admin/", data={"csrf_token": token, "username": "", "password": "x"})
    assert response.status_code == 422
    assert set(errors_described(text(response))) >= {"username-error", "password-error", "roles-error"}


def test_error_messages_on_the_contact_form_are_named(client, login, quiet_order_in):
    order = quiet_order_in("confirmed")
    token = login("sales")
    response = client.post(f"/orders/{order.number}/communications", data={"csrf_token": token, "summary": ""})
    assert response.status_code == 422 and errors_described(text(response)) == ["summary-error"]


def _token(page: str) -> str:
    from tests.conftest import csrf_from

    return csrf_from(page)
