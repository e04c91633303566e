"""Orders by email: an .eml becomes a draft for the sender's customer with the lines it
names, the original kept on the order; unknown senders wait for a customer code; hostile
or broken mail never crashes the intake, through the upload page or the CLI."""

import io
import random

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.orders.models import InboundEmail, Order
from tests.sales.conftest import eml

CSV = b"sku,quantity\nSKU-T003,4\nnot a row\n"
BODY = "Hello,\n\nPlease send:\nSKU-T001 3\n- sku-t002 x 2\nSKU-NOPE 5\n\nThanks, Ann\n"


@pytest.fixture
def catalogue(make_product, make_customer):
    products = [make_product(on_hand=100) for _ in range(3)]  # SKU-T001..T003
    customer = make_customer(name="Ann's Shop", email="ann@shop.example")
    return products, customer


def upload(desk, raw, name="order.eml"):
    return desk.post("/sales/orders/email", {"message": (io.BytesIO(raw), name)}, htmx=False,
                     content_type="multipart/form-data")


def emails():
    db.session.expire_all()
    return db.session.execute(select(InboundEmail).order_by(InboundEmail.id)).scalars().all()


def test_an_order_email_becomes_a_draft_with_its_lines(desk, catalogue):
    _products, customer = catalogue
    raw = eml("Ann Lee <Ann@Shop.example>", "Order PO-4471 for next week", BODY,
              attachments=[("order.csv", CSV, "text/csv")])
    response = upload(desk, raw)
    assert response.status_code == 302
    [inbound] = emails()
    order = db.session.get(Order, inbound.order_id)
    assert response.headers["Location"] == f"/sales/orders/{order.ref}/edit"
    assert order.customer_id == customer.id and order.channel == "email" and order.status == "draft"
    assert order.customer_reference == "PO-4471"
    assert [(x.sku, x.quantity) for x in order.lines] == [("SKU-T001", 3), ("SKU-T002", 2), ("SKU-T003", 4)]
    assert "SKU-NOPE" in inbound.problems and "row 3" in inbound.problems
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Original email" in page and "Thanks, Ann" in page and "Unknown SKU SKU-NOPE" in page
    download = desk.get(f"/orders/{order.ref}/emails/{inbound.id}.eml")
    assert download.status_code == 200 and download.data == raw
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_an_unknown_sender_waits_until_a_customer_is_chosen(desk, catalogue):
    _products, customer = catalogue
    response = upload(desk, eml("stranger@elsewhere.example", "PO 555", "SKU-T001 2\n"))
    assert response.headers["Location"] == "/sales/orders/email"
    page = desk.get("/sales/orders/email").get_data(as_text=True)
    assert "stranger@elsewhere.example" in page and "No customer has the address" in page
    [inbound] = emails()
    assert inbound.order_id is None and db.session.execute(select(func.count(Order.id))).scalar_one() == 0
    refused = desk.post(f"/sales/emails/{inbound.id}/draft", {"customer_code": "ZZ999"}, htmx=False)
    assert refused.status_code == 422  # the message next to that email's code box, with what was typed
    page = refused.get_data(as_text=True)
    assert f'id="customer-code-{inbound.id}-error">No customer with the code “ZZ999”' in page
    assert f'aria-describedby="customer-code-{inbound.id}-error"' in page and 'value="ZZ999"' in page
    made = desk.post(f"/sales/emails/{inbound.id}/draft", {"customer_code": customer.code.lower()}, htmx=False)
    [inbound] = emails()
    order = db.session.get(Order, inbound.order_id)
    assert made.headers["Location"] == f"/sales/orders/{order.ref}/edit"
    assert order.customer_id == customer.id and [(x.sku, x.quantity) for x in order.lines] == [("SKU-T001", 2)]
    assert "stranger@elsewhere.example" not in desk.get("/sales/orders/email").get_data(as_text=True)


def test_uploading_nothing_is_refused_next_to_the_field(desk):
    response = desk.post("/sales/orders/email", {}, htmx=False, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose an .eml file to upload." in response.get_data(as_text=True)


def test_a_message_over_the_limit_is_refused_with_a_message(desk, runner, catalogue):
    big = eml("ann@shop.example", "Huge", "SKU-T001 1\n" + "x" * (6 * 1024 * 1024))
    response = upload(desk, big)
    assert response.status_code == 422
    assert "The message is larger than 5 MB." in response.get_data(as_text=True)
    result = runner.invoke(args=["intake-email", "-"], input=big)
    assert result.exit_code == 1 and "larger than 5 MB" in result.output
    assert emails() == []


def _nested():
    inner = eml("ann@shop.example", "inner", "SKU-T002 1\n", attachments=[("a.csv", b"sku,quantity\nSKU-T003,2\n", "text/csv")])
    outer = eml("ann@shop.example", "Fwd: PO 88", "see attached\nSKU-T001 1\n")
    boundary = b"==outer=="
    return (b"From: ann@shop.example\r\nSubject: nested PO 88\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\r\n\r\n--" + boundary +
            b"\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n--inner\r\n"
            b"Content-Type: text/plain\r\n\r\nSKU-T001 1\r\n--inner--\r\n--" + boundary +
            b"\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--" + boundary + b"--\r\n" + outer[:0])


HOSTILE = {
    "garbage-bytes": bytes(random.Random(7).randrange(256) for _ in range(20_000)),
    "nul-bytes-everywhere": b"From: ann@shop.example\nSubject: PO\x00 12\xff\xfe\n\nSKU-T001 2\x00\n\xff\xfe\x00\n",
    "no-headers-at-all": b"\n\nSKU-T001 1\n",
    "empty": b"",
    "broken-boundary": (b"From: ann@shop.example\nSubject: PO 1\nMIME-Version: 1.0\n"
                        b"Content-Type: multipart/mixed; boundary=\"abc\"\n\n--abd\nContent-Type: text/plain\n\nSKU-T001 1\n--abc"),
    "no-boundary-given": (b"From: ann@shop.example\nContent-Type: multipart/mixed\n\n--x\n\nSKU-T001 1\n"),
    "huge-line-count": eml("ann@shop.example", "PO 9", "SKU-T001 1\n" * 150_000),
    "html-only-with-script": (b"From: ann@shop.example\nSubject: <script>alert(1)</script>\nMIME-Version: 1.0\n"
                              b"Content-Type: text/html; charset=utf-8\n\n<p>SKU-T001 2</p><script>alert('pwned')</script>"
                              b"<img src=x onerror=alert(2)><p>bye</p>"),
    "latin-1": ("From: ann@shop.example\nSubject: =?iso-8859-1?q?Bestellung_f=FCr_M=FCller?=\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
                "Grüße\nSKU-T001 4\n").encode("latin-1"),
    "unknown-charset": (b"From: ann@shop.example\nSubject: PO 3\nContent-Type: text/plain; charset=x-klingon\n\n"
                        b"SKU-T001 1\n\xe9\xe9\n"),
    "bad-base64": (b"From: ann@shop.example\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!%%%==\n"),
    "nested-multiparts": _nested(),
    "deep-nesting": (b"From: ann@shop.example\nMIME-Version: 1.0\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (i, i) for i in range(60)) + b"\nSKU-T001 1\n"),
    "bad-csv": eml("ann@shop.example", "PO 4", "see csv", attachments=[
        ("o.csv", b"sku,quantity\nSKU-T001,\xb2\nSKU-T002,99999999\n\x00,\x00\n" + b"a," * 5000, "text/csv")]),
    "crlf-header-injection": b"From: ann@shop.example\r\nSubject: x\r\n\tBcc: a@b.c\r\n\r\nSKU-T001 1\r\n",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_mail_never_crashes_the_upload(desk, catalogue, name):
    response = upload(desk, HOSTILE[name])
    assert response.status_code in (302, 422), response.status_code
    [inbound] = emails()
    assert inbound.raw == HOSTILE[name]
    if response.status_code == 302:
        page = desk.get(response.headers["Location"]).get_data(as_text=True)
        assert "<script>alert" not in page and "onerror=" not in page
        if name == "html-only-with-script":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the subject, shown as text
            order = db.session.get(Order, inbound.order_id)
            assert [(x.sku, x.quantity) for x in order.lines] == [("SKU-T001", 2)]
        if name == "latin-1":
            assert "Grüße" in page and "Bestellung für Müller" in page


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_mail_never_crashes_the_cli(runner, catalogue, name):
    result = runner.invoke(args=["intake-email", "-"], input=HOSTILE[name])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert len(emails()) == 1


def test_cli_reads_a_file_and_says_what_it_made(runner, catalogue, tmp_path):
    path = tmp_path / "order.eml"
    path.write_bytes(eml("ann@shop.example", "PO-12", "SKU-T001 2\nSKU-ZZZ 1\n"))
    result = runner.invoke(args=["intake-email", str(path)])
    assert result.exit_code == 0
    [inbound] = emails()
    assert f"Draft DRAFT-{inbound.order_id} made" in result.output and "Unknown SKU SKU-ZZZ" in result.output
