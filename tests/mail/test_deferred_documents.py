"""Confirmations are rendered after commit: never an email for an order that did not commit,
one stored content however many first opens, and the PDF of the revision as it was issued."""

import hashlib

import pytest
from sqlalchemy import func, select

from app.bookkeeping import aside
from app.documents.deferred import keep_rendered, render_deferred
from app.documents.models import Document
from app.documents.store import find_document
from app.errors import Refusal
from app.extensions import db
from app.mail import relay
from app.mail.models import OutboxMessage
from app.orders.amendments import Amendment, amend_order
from app.sales import entry
from app.web import rendering
from tests.orders.helpers import pdf_text
from tests.sales.conftest import Desk, fresh


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_no_email_goes_out_for_a_submit_that_rolled_back(client, login, make_order, monkeypatch):
    order = make_order()
    desk = Desk(client, login("sales"))

    def refused(customer):  # fails after the confirmation was issued, in the same request
        raise Refusal("The line to the warehouse dropped; try again.")
    monkeypatch.setattr(entry, "_how_to_confirm", refused)
    response = desk.post(f"/sales/orders/{order.ref}/submit", order=order, htmx=False)

    assert response.status_code == 302 and "/review" in response.headers["Location"]
    assert fresh(order).status == "draft" and fresh(order).number is None
    assert (count(OutboxMessage), count(Document)) == (0, 0)
    assert relay.run_once().sent == 0


def test_a_confirmation_opened_before_the_relay_is_rendered_once_and_sent_as_stored(
        client, login, make_order, smtp_server, monkeypatch):
    renders = []

    def counted(template, context):
        renders.append(context["number"])
        return render_deferred(template, context)
    monkeypatch.setattr(rendering, "render_deferred", counted)
    monkeypatch.setattr(relay, "render_deferred", counted)
    order = make_order(submit=True)
    login("sales")

    first = client.get(f"/orders/{order.number}/confirmation.pdf")
    again = client.get(f"/orders/{order.number}/confirmation.pdf")
    document = find_document(order.id, "confirmation", 1)
    assert first.status_code == 200 and first.data[:5] == b"%PDF-"
    assert again.data == first.data == document.content and renders == [order.number]
    assert document.sha256 == hashlib.sha256(document.content).hexdigest() and document.context is None

    assert relay.run_once().sent == 1 and renders == [order.number]  # the relay sends the stored bytes
    [email] = smtp_server.mailbox.to(order.customer.email)
    [attachment] = email.iter_attachments()
    assert attachment.get_content() == document.content


def test_concurrent_first_opens_keep_one_content(make_order):
    order = make_order(submit=True)
    document_id = find_document(order.id, "confirmation", 1).id
    db.session.commit()  # as in a request: the request's own session is not writing

    def store(content):
        return aside(lambda connection: keep_rendered(connection, document_id, content))
    assert store(b"%PDF- first render") == (b"%PDF- first render", hashlib.sha256(b"%PDF- first render").hexdigest())
    assert store(b"%PDF- second render")[0] == b"%PDF- first render"  # the later render gets the stored bytes
    db.session.expire_all()
    assert db.session.get(Document, document_id).content == b"%PDF- first render"


@pytest.mark.real_pdf
def test_the_relay_renders_each_revision_as_it_was_issued_after_an_amendment(
        make_order, make_product, users, smtp_server):
    hinge = make_product(name="Brass hinge 75 mm")
    order = make_order(submit=True)
    amend_order(order, Amendment("phone", "Jane Buyer", "Read back", additions=[(hinge, 4)]), users["sales"])
    db.session.commit()
    order.customer.name = "Renamed Trading Ltd"  # the customer changes after both were issued
    db.session.commit()

    assert relay.run_once().sent == 2  # rendered by the relay, then sent
    first, second = (pdf_text(next(email.iter_attachments()).get_content())
                     for email in smtp_server.mailbox.to(order.customer.email))
    assert order.number in first and "Brass hinge 75 mm" not in first and "what changed" not in first.lower()
    assert "Brass hinge 75 mm" in second and "what changed in revision 2" in second.lower()
    assert "Renamed Trading Ltd" not in first + second
