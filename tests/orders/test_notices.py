"""Every change told to the customer (issue 13): a cancellation, a special request decided after
confirmation, a promised date that moves, each by the customer's preferred channel, and every
notice owed keeps the order in sales' "Confirmation not sent" queue (and the SLA rule) until it is
emailed or a rep logs telling them. Only the first test renders a PDF; the others store a stand-in."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.documents.deferred import render_now
from app.documents.store import find_document
from app.escalations.models import Escalation
from app.escalations.sla import raise_breaches
from app.extensions import db
from app.formatting import day
from app.mail import relay
from app.mail.models import OutboxMessage
from app.orders import picking, requests, services
from app.orders.amendments import Amendment, amend_order
from app.orders.communications import note_emailed_notices
from app.orders.models import Communication
from app.timeutil import frozen_clock, utcnow
from tests.conftest import csrf_from
from tests.mail.conftest import smtp_server  # noqa: F401  (the aiosmtpd fixture, used once below)
from tests.orders.helpers import pdf_text

STAND_IN = b"%PDF-1.4\n% stand-in\n"


@pytest.fixture
def stand_in_pdfs(monkeypatch):
    """Confirmations and cancellations are stored without rendering (tests that do not open them)."""
    monkeypatch.setattr(relay, "render_deferred", lambda template, context: STAND_IN)


@pytest.fixture
def file_mail(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))


def emails(order) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.order_id == order.id)
                              .order_by(OutboxMessage.id)).scalars().all()


def not_told(client) -> str:
    """The orders in sales' "Confirmation not sent" queue (its CSV: no notifications or messages around it)."""
    return client.get("/sales/?view=unconfirmed&format=csv").get_data(as_text=True)


def log_call(client, token, order, summary) -> str:
    """Log a call that told the customer; the order page it lands on (the message read there)."""
    response = client.post(f"/orders/{order.number}/communications", data={
        "csrf_token": token, "direction": "out", "medium": "phone", "contact": "Jo", "summary": summary,
        "confirms": "y"})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.real_pdf
def test_cancelled_order_emails_a_cancellation_marked_cancelled(make_order, users, client, login, file_mail):
    order = make_order(submit=True)
    relay.run_once()  # the confirmation of revision 1 went out
    amend_order(order, Amendment("phone", "Jane Buyer", "Read back on the call", cancel=True,
                                 cancel_reason="Project postponed"), users["sales"])
    db.session.commit()

    confirmation_email, cancellation = emails(order)
    document = find_document(order.id, "cancellation", 2)
    assert cancellation.document_id == document.id and cancellation.to_address == order.customer.email
    assert cancellation.subject == f"Order {order.number} cancelled"
    assert "CANCELLED" in cancellation.body_text and "Reason: Project postponed" in cancellation.body_text
    text = pdf_text(render_now(document).content)
    assert "CANCELLED" in text and order.number in text and "Reason: Project postponed" in text
    assert document.filename == f"{order.number}-cancellation-r2.pdf"
    login("sales")
    assert order.number in not_told(client)  # cancelled is closed, yet the customer is still owed the notice
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cancellation notice: Email to" in page and "queued" in page
    assert client.get(f"/orders/{order.number}/cancellation.pdf").data == document.content
    relay.run_once()
    assert order.number not in not_told(client)
    assert 'data-confirmation-state="done"' in client.get(f"/orders/{order.number}").get_data(as_text=True)


def test_phone_customer_is_never_emailed_and_waits_until_each_call_is_logged(
        make_order, make_customer, users, client, login, stand_in_pdfs):
    order = make_order(customer=make_customer(preferred_channel="phone", phone="01234 567890"), submit=True)
    draft = make_order(customer=order.customer)
    services.transition(draft, "cancel", users["sales"], reason="Started by mistake")  # a draft: nothing owed
    db.session.commit()
    assert emails(order) == [] and emails(draft) == []
    token = login("sales")
    assert order.number in not_told(client) and "they prefer a call" in client.get(f"/orders/{order.number}").get_data(as_text=True)
    log_call(client, token, order, "Read the order back")
    assert order.number not in not_told(client)

    services.transition(order, "cancel", users["manager"], reason="Out of budget")
    db.session.commit()
    assert emails(order) == []
    [owed] = db.session.execute(select(Communication).where(Communication.notice == "cancellation")).scalars().all()
    assert owed.medium == "phone" and owed.outbox_id is None and owed.told_at is None
    assert order.number in not_told(client)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="problem"' in page and "Cancellation notice owed, not emailed" in page
    assert "data-notice-owed" in page

    token = csrf_from(page)
    assert "data-notice-told" in log_call(client, token, order, "Told Jo the order is cancelled")
    assert order.number not in not_told(client)
    db.session.refresh(owed)
    assert owed.told_at is not None


def test_special_request_decided_after_confirmation_is_reconfirmed_as_a_new_revision(
        make_order, users, client, login, file_mail, stand_in_pdfs):
    order = make_order(submit=True)
    relay.run_once()
    request = requests.add_request(order, "gift_wrap", "Wrap each valve", users["sales"])
    requests.decide_request(order, request.id, True, "Paper in stock", users["fulfillment"])
    db.session.commit()

    assert order.revision == 2 and find_document(order.id, "confirmation", 2) is not None
    reconfirmation = emails(order)[-1]
    assert reconfirmation.subject == f"Order confirmation {order.number} (revision 2): special request decided"
    assert "What changed in revision 2" in reconfirmation.body_text
    assert "“Wrap each valve”: accepted — Paper in stock" in reconfirmation.body_text
    entry = db.session.execute(select(Communication).where(Communication.outbox_id == reconfirmation.id)).scalar_one()
    assert (entry.notice, entry.confirms_revision) == ("reconfirmation", 2)
    login("sales")
    assert order.number in not_told(client)
    relay.run_once()
    assert order.number not in not_told(client)
    assert note_emailed_notices() == "2 emailed notices noted as told."  # housekeeping: both confirmations
    assert note_emailed_notices() is None
    db.session.refresh(entry)
    assert entry.told_at == reconfirmation.sent_at


def test_short_pick_moves_the_date_later_and_the_notice_gives_both_dates(
        make_order, make_product, users, client, login, file_mail, stand_in_pdfs):
    valve = make_product(lead_time_days=10)
    order = make_order(lines=[(valve, 4)], submit=True)
    relay.run_once()
    promised = order.promised_date
    services.transition(order, "start_pick", users["fulfillment"])
    picking.set_picked(order, order.lines[0].id, 1, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])  # 3 not found: backordered, restocked in 10 business days
    db.session.commit()

    assert order.promised_date > promised
    notice = emails(order)[-1]
    assert notice.subject == f"Order {order.number}: new date {day(order.promised_date)} (was {day(promised)})"
    assert f"on {day(order.promised_date)} instead of {day(promised)}" in notice.body_text
    assert f"3 × {valve.sku} could not be found" in notice.body_text
    login("sales")
    assert order.number in not_told(client)
    assert "New promised date: Email to" in client.get(f"/orders/{order.number}").get_data(as_text=True)

    with frozen_clock(utcnow() + timedelta(hours=2)):  # the SLA rule raises the owed notice once
        assert raise_breaches()["confirmation_unsent"] == 1
        assert raise_breaches()["confirmation_unsent"] == 0
    escalation = db.session.execute(select(Escalation)).scalar_one()
    assert escalation.breach_key.startswith(f"confirmation_unsent:{order.id}:date_moved:")
    assert "new promised date" in escalation.reason
    relay.run_once()
    assert order.number not in not_told(client)


def test_amendment_that_moves_the_date_says_both_dates_in_the_reconfirmation(
        make_order, make_product, users, stand_in_pdfs):
    valve = make_product(on_hand=5, lead_time_days=10)
    order = make_order(lines=[(valve, 2)], submit=True)
    promised = order.promised_date
    amend_order(order, Amendment("phone", "Jane Buyer", "Read back", quantities={order.lines[0].id: 9}), users["sales"])
    db.session.commit()
    assert order.promised_date > promised
    assert f"Promised date: {day(promised)} → {day(order.promised_date)}" in emails(order)[-1].body_text


def test_cancellation_reaches_a_real_smtp_server(make_order, users, smtp_server, stand_in_pdfs):  # noqa: F811
    order = make_order(submit=True)
    services.transition(order, "cancel", users["manager"], reason="Duplicate order")
    db.session.commit()
    assert relay.run_once().sent == 2
    confirmation_mail, cancellation = smtp_server.mailbox.to(order.customer.email)
    assert cancellation["Subject"] == f"Order {order.number} cancelled"
    assert "Reason: Duplicate order" in cancellation.get_body(("plain",)).get_content()
    [attachment] = list(cancellation.iter_attachments())
    assert attachment.get_filename() == f"{order.number}-cancellation-r1.pdf"
    assert attachment.get_content() == STAND_IN
