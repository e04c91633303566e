"""Issue 5's hand-offs end to end: an amendment reaches the customer as revision 2 with what
changed, and a special request approved by its team is printed for the warehouse and the customer."""

import pytest
from sqlalchemy import select

from app.documents.deferred import render_now
from app.documents.printing import print_pick_list
from app.documents.store import find_document
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders import requests
from app.orders.amendments import Amendment, amend_order
from tests.orders.helpers import assert_reservations_match, pdf_text


@pytest.fixture(autouse=True)
def in_a_request(app):
    """Documents link to the order page, so they are made inside a request, as in the app."""
    with app.test_request_context():
        yield


@pytest.mark.real_pdf
def test_customer_receives_revision_2_with_what_changed(make_order, make_product, users):
    bolts, hinges = make_product(name="Steel bolt M8"), make_product(name="Brass hinge")
    order = make_order(lines=[(bolts, 3)], submit=True)
    line = order.lines[0]

    amend_order(order, Amendment("phone", "Jane Buyer", "Read back on the call",
                                 quantities={line.id: 5}, additions=[(hinges, 2)]), users["sales"])
    db.session.commit()

    document = render_now(find_document(order.id, "confirmation", 2))
    text = pdf_text(document.content)
    assert order.number in text and "what changed in revision 2" in text.lower()
    assert f"{bolts.sku} Steel bolt M8: quantity 3 → 5" in text
    assert f"Added {hinges.sku} Brass hinge × 2" in text
    emails = db.session.execute(select(OutboxMessage).where(OutboxMessage.order_id == order.id)
                                .order_by(OutboxMessage.id)).scalars().all()
    assert len(emails) == 2 and emails[1].document_id == document.id
    assert emails[1].to_address == order.customer.email and "revision 2" in emails[1].subject
    assert_reservations_match()


@pytest.mark.real_pdf
def test_request_approved_by_inventory_is_on_the_pick_list_and_the_confirmation(make_order, users):
    order = make_order()
    request = requests.add_request(order, "substitute", "Brass instead of steel if short", users["sales"])
    requests.decide_request(order, request.id, True, "Brass in stock", users["inventory"])
    from app.orders.services import submit_order

    submit_order(order, users["sales"])
    db.session.commit()

    confirmation = pdf_text(render_now(find_document(order.id, "confirmation", 1)).content)
    assert "Brass instead of steel if short" in confirmation
    pick_list = pdf_text(print_pick_list(order, users["fulfillment"], "http://orderdesk.local/orders/" + order.ref).content)
    assert "Brass instead of steel if short" in pick_list
