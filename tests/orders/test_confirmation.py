"""The confirmation: PDF content, stored once per revision, served from the store, same transaction
as the order, and a renderer that fetches nothing outside static/."""

import socket
import threading

import pytest
from sqlalchemy import func, select

from app.documents.deferred import render_now
from app.documents.models import Document
from app.documents.pdf import html_to_pdf
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders import services as orders
from app.orders.confirmation import issue_confirmation
from app.orders.models import Communication
from app.timeutil import frozen_clock
from tests.orders.helpers import add_request, london, pdf_pages, pdf_text


@pytest.fixture
def ten_line_order(make_order, make_product, make_customer):
    products = [make_product(name=f"Brass valve {n} in", price=f"{n + 3}.25") for n in range(10)]
    customer = make_customer(name="Calder Plumbing Ltd", contact_name="Mei Shaw")
    order = make_order(lines=[(p, n + 1) for n, p in enumerate(products)], customer=customer)
    order.instructions = "Deliver to goods-in at the rear."
    order.customer_reference = "PO-4411"
    add_request(order, "gift_wrap", "Wrap the valves in pairs", "approved")
    add_request(order, "delivery_slot", "Before 10:00 please", "pending").not_promised = True
    add_request(order, "other", "Invoice in euros", "rejected")
    db.session.commit()
    return order


def submit(order, actor, when="2026-12-01 09:00"):
    with frozen_clock(london(when)):
        orders.submit_order(order, actor)
    db.session.commit()
    return order


def stored(order, revision=None) -> Document:
    """The confirmation issued, rendered (as the relay or the first open would)."""
    return render_now(issued(order, revision))


def issued(order, revision=None) -> Document:
    return db.session.execute(select(Document).where(
        Document.order_id == order.id, Document.kind == "confirmation",
        Document.revision == (revision or order.revision))).scalar_one()


@pytest.mark.real_pdf
def test_pdf_holds_number_lines_totals_promised_date_and_requests(ten_line_order, users):
    order = submit(ten_line_order, users["sales"])
    document = stored(order)
    text = " ".join(pdf_text(document.content).split())  # lines wrap in narrow boxes
    assert order.number in text and "Revision" in text
    for line in order.lines:
        assert line.sku in text and line.description in text
    assert "3.25" in text and "12.25" in text  # unit prices of the first and last lines
    assert "122.50" in text  # line 10: 10 x 12.25
    assert str(order.total) == "508.75" and "508.75" in text
    assert "Thursday 03 December 2026" in text  # Tue before the cut-off + 2 business days
    assert "Wrap the valves in pairs" in text and "Accepted" in text
    assert "Before 10:00 please" in text and "Not promised" in text
    assert "Invoice in euros" in text and "Not possible" in text
    assert "Deliver to goods-in at the rear." in text and "PO-4411" in text
    assert "Calder Plumbing Ltd" in text and "Attn: Mei Shaw" in text
    assert "NEED TO CHANGE THIS ORDER?" in text.upper() and "Call us on" in text
    assert pdf_pages(document.content) == 1


def test_confirming_writes_pdf_email_log_and_event_in_one_transaction(make_order, users):
    order = make_order()
    with frozen_clock(london("2026-12-01 09:00")):
        orders.submit_order(order, users["sales"])
    document = issued(order)  # what the PDF will show, frozen; rendered after commit
    assert document.content is None and document.context["number"] == order.number
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.to_address == order.customer.email and message.document_id == document.id
    assert message.status == "queued" and message.body_html and order.number in message.body_text
    assert message.message_id.startswith("<") and message.message_id.endswith("@example.com>")
    entry = db.session.execute(select(Communication)).scalar_one()
    assert (entry.medium, entry.direction, entry.confirms_revision, entry.outbox_id) == ("email", "out", 1, message.id)
    assert db.session.execute(select(Event).where(Event.kind == "confirmation.queued")).scalar_one()
    db.session.rollback()  # the request failed after all: nothing of the confirmation remains
    for model in (Document, OutboxMessage, Communication):
        assert db.session.execute(select(func.count()).select_from(model)).scalar() == 0


def test_each_message_id_is_unique(make_order):
    for _ in range(3):
        make_order(submit=True)
    ids = db.session.execute(select(OutboxMessage.message_id)).scalars().all()
    assert len(ids) == len(set(ids)) == 3


def test_customer_without_email_gets_pdf_but_no_email(make_order, make_customer, users):
    order = make_order(customer=make_customer(email=None), submit=True)
    assert stored(order)
    assert db.session.execute(select(func.count(OutboxMessage.id))).scalar() == 0
    assert db.session.execute(select(Event).where(Event.kind == "confirmation.no_email")).scalar_one()


def test_download_serves_the_stored_bytes_of_each_revision(client, login, make_order, users):
    order = make_order(submit=True)
    first = stored(order)
    order.revision = 2  # as an amendment would: a new revision, confirmed again
    issue_confirmation(order, users["sales"])
    db.session.commit()
    second = stored(order, 2)
    login("inventory")
    latest = client.get(f"/orders/{order.number}/confirmation.pdf")
    assert latest.status_code == 200 and latest.mimetype == "application/pdf"
    assert latest.data == second.content and latest.headers["ETag"] == f'"{second.sha256}"'
    assert client.get(f"/orders/{order.number}/confirmation.pdf?revision=1").data == first.content
    assert client.get(f"/orders/{order.number}/confirmation.pdf?revision=3").status_code == 404
    again = client.get(f"/orders/{order.number}/confirmation.pdf",
                       headers={"If-None-Match": f'"{second.sha256}"'})
    assert again.status_code == 304


def test_issuing_a_revision_twice_keeps_the_first_pdf(make_order, users):
    order = make_order(submit=True)
    first = stored(order)
    issue_confirmation(order, users["sales"])
    db.session.commit()
    assert db.session.execute(select(func.count(Document.id))).scalar() == 1
    assert stored(order).sha256 == first.sha256


def test_draft_has_no_confirmation(client, login, make_order):
    order = make_order()
    login("sales")
    assert client.get(f"/orders/{order.ref}/confirmation.pdf").status_code == 404


@pytest.mark.parametrize("role, status", [("sales", 200), ("inventory", 200), ("fulfillment", 200),
                                          ("manager", 200), ("admin", 403)])
def test_pdf_access_by_role(client, login, make_order, role, status):
    order = make_order(submit=True)
    login(role)
    assert client.get(f"/orders/{order.number}/confirmation.pdf").status_code == status


def test_pdf_needs_login(client, make_order):
    order = make_order(submit=True)
    response = client.get(f"/orders/{order.number}/confirmation.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


class Listener:
    """A TCP port that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    spy = Listener()
    yield spy
    spy.close()


@pytest.mark.real_pdf
def test_order_fields_with_markup_render_as_text_and_fetch_nothing(make_order, make_product, users, listener):
    product = make_product(name=f'Valve <img src="http://127.0.0.1:{listener.port}/x">')
    order = make_order(lines=[(product, 1)])
    order.instructions = f'<img src="http://127.0.0.1:{listener.port}/x"> file:///etc/passwd'
    order.customer_reference = '<link rel="stylesheet" href="file:///etc/passwd">'[:60]
    add_request(order, "note", f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{listener.port}/y">')
    submit(order, users["sales"])
    text = pdf_text(stored(order).content).replace("\n", "")  # long text wraps
    assert f'Valve <img src="http://127.0.0.1:{listener.port}/x">' in text
    assert f'<img src="http://127.0.0.1:{listener.port}/x"> file:///etc/passwd' in text
    assert '<img src="file:///etc/passwd">' in text and "root:" not in text
    assert listener.connections == 0


@pytest.mark.real_pdf
def test_renderer_refuses_network_and_files_outside_static(app, listener):
    html = (f'<p>Hello</p><img src="http://127.0.0.1:{listener.port}/x">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css">'
            '<img src="file:///etc/passwd"><img src="../app/config.py">'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')
    pdf = html_to_pdf(html)
    assert "Hello" in pdf_text(pdf)
    assert listener.connections == 0
