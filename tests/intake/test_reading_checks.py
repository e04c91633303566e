"""What email intake could not read is never dropped: every line that looks like an order
line but could not be read is a check on the draft that the rep acknowledges before the
order can be submitted; hostile bodies are read quickly and what was cut is said."""

import time
from pathlib import Path

import pytest

from app.extensions import db
from app.orders.intake import parse_email
from app.orders.models import InboundEmail, Order
from app.orders.verification import open_flags, refresh_flags
from tests.sales.conftest import eml, fresh
from tests.sales.test_email_intake import upload

BODY = ("Hi,\n\n3 x SKU-T001\nSKU-NOPE - 5 boxes\nSKU-T002 and SKU-T003 x 3 each\n\n"
        "On Mon, 30 Nov 2026 at 09:00, Order Desk <orders@example.com> wrote:\n> SKU-T003 x 40\n\n"
        "Kind regards\nAnn\nTel: 0113 496 0123 ext 22\nVAT No GB123456789\n")


def test_unread_lines_are_checks_the_rep_must_acknowledge_before_submitting(desk, make_product, make_customer):
    for _ in range(3):
        make_product(on_hand=50)  # SKU-T001..T003
    make_customer(email="ann@shop.example")
    response = upload(desk, eml("ann@shop.example", "Order", BODY))
    inbound = db.session.query(InboundEmail).one()
    order = db.session.get(Order, inbound.order_id)
    assert [(x.sku, x.quantity) for x in order.lines] == [("SKU-T001", 3)]  # not the quoted SKU-T003 x 40
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("Email line not read") == 2
    assert "Unknown SKU SKU-NOPE (quantity 5)" in page and "SKU-T002 and SKU-T003 x 3 each" in page
    assert "GB123456789" not in "".join(f.message for f in refresh_flags(order))  # the signature raised nothing
    refused = desk.post(f"/sales/orders/{order.ref}/submit", {}, order=order, htmx=False, follow_redirects=True)
    assert "Acknowledge the 2 open check(s)" in refused.get_data(as_text=True) and fresh(order).status == "draft"
    keys = [f.key for f in open_flags(fresh(order))]
    desk.post(f"/sales/orders/{order.ref}/flags/acknowledge-all", {"key": keys}, order=order)
    assert open_flags(fresh(order)) == [] and len(fresh(order).flags) == 2


HOSTILE = {
    "ten-thousand-lines": eml("a@b.example", "PO 1", "".join(f"SKU-T001 x {n % 9 + 1} item {n}\n"
                                                            for n in range(10_000))),
    "one-huge-line": eml("a@b.example", "PO 2", "SKU-T001 " + "9 x " * 500_000),
    "deeply-nested-html": (b"From: a@b.example\nSubject: PO 3\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
                           + b"<table><tr><td><div><blockquote>" * 4_000 + b"SKU-T001 x 2"),
    "huge-html-table": (b"From: a@b.example\nSubject: PO 4\nMIME-Version: 1.0\nContent-Type: text/html\n\n<table>"
                        b"<tr><td>SKU</td><td>Qty</td></tr>" + b"<tr><td>SKU-T001</td><td>2</td></tr>" * 4_000),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bodies_are_read_quickly_and_what_was_cut_is_a_check(app, make_product, name):
    make_product(on_hand=0)
    started = time.perf_counter()
    parsed = parse_email(HOSTILE[name])
    assert time.perf_counter() - started < 5
    assert len(parsed.lines) <= 200 and len(parsed.checks) <= 41
    if name != "one-huge-line":
        assert any("too long" in c or "first 200 lines" in c for c in parsed.checks), parsed.checks


def test_a_body_without_or_with_an_unknown_charset_is_decoded_not_dropped(app):
    corpus = Path(__file__).parent / "corpus"
    windows = parse_email((corpus / "19-windows1252-no-charset.eml").read_bytes())
    assert "Preis £2.40 ‘wie besprochen’" in windows.text and "Jürgen Müller" in windows.text
    unknown = parse_email((corpus / "20-unknown-charset.eml").read_bytes())
    assert "Zoë’s café" in unknown.text
