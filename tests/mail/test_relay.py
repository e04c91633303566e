"""The relay against a real SMTP server: exactly once, across an outage, a killed relay and
two relays at once; failures visible and retried by hand; the file transport."""

import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db
from app.mail import relay
from app.mail.models import OutboxMessage
from app.mail.outbox import queue_email
from app.timeutil import frozen_clock, utcnow
from tests.conftest import csrf_from


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def later(seconds):
    return frozen_clock(utcnow() + timedelta(seconds=seconds))


def test_confirmation_reaches_the_mailbox_exactly_once(make_order, smtp_server):
    order = make_order(submit=True)
    assert str(relay.run_once()) == "1 sent, 0 to retry, 0 failed"
    assert relay.run_once().sent == 0
    received = smtp_server.mailbox.to(order.customer.email)
    assert len(received) == 1
    email, row = received[0], outbox()[0]
    assert email["Message-ID"] == row.message_id and order.number in email["Subject"]
    assert order.number in email.get_body(("plain",)).get_content()
    assert order.number in email.get_body(("html",)).get_content()
    [attachment] = list(email.iter_attachments())
    document = db.session.get(Document, row.document_id)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == document.filename and attachment.get_content() == document.content
    assert row.status == "sent" and row.sent_at and row.claimed_by and row.lease_until is None


def test_smtp_outage_retries_with_backoff_then_delivers_once(make_order, smtp_server, client, login):
    order = make_order(submit=True)
    smtp_server.stop()
    run = relay.run_once()
    assert (run.sent, run.retrying) == (0, 1)
    [row] = outbox()
    assert row.status == "queued" and row.attempts == 1 and "Connection refused" in row.last_error
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=25)
    token = login("manager")
    assert "Email problems" in (page := client.get("/manager/").get_data(as_text=True))
    assert row.subject in page and "Retry now" in page
    assert "not delivered yet" in client.get(f"/orders/{order.number}").get_data(as_text=True)
    with later(40):  # still down at the second attempt: the wait doubles
        relay.run_once()
    [row] = outbox()
    assert row.attempts == 2 and row.next_attempt_at >= utcnow() + timedelta(seconds=90)
    smtp_server.start()
    assert relay.run_once().sent == 0  # not due yet
    with later(200):
        assert relay.run_once().sent == 1
        assert relay.run_once().sent == 0
    assert len(smtp_server.mailbox.to(order.customer.email)) == 1
    assert outbox()[0].status == "sent"
    assert token


def test_relay_killed_mid_send_is_resent_after_the_lease(make_order, smtp_server, app):
    make_order(submit=True)
    relay.claim_batch(10)  # a relay claimed the message and died before sending it
    assert outbox()[0].status == "sending"
    assert relay.run_once().sent == 0  # the lease still holds
    with later(app.config["OUTBOX_LEASE_SECONDS"] + 1):
        assert relay.run_once().sent == 1
    assert len(smtp_server.mailbox.received) == 1


def test_two_relays_never_claim_the_same_message(app, make_customer):
    customer = make_customer()
    for n in range(30):
        queue_email(customer.email, f"Note {n}", "Hello")
    db.session.commit()
    claims, errors = [], []

    def claim():
        try:
            with app.app_context():
                claims.append(relay.claim_batch(20)[1])
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = [i for batch in claims for i in batch]
    assert len(claimed) == len(set(claimed)) and set(claimed) <= {m.id for m in outbox()}
    assert len(claimed) >= 20


def test_refused_recipient_fails_for_good_and_can_be_retried_by_hand(make_order, smtp_server, client, login):
    order = make_order(submit=True)
    smtp_server.mailbox.refuse.add(order.customer.email)
    assert relay.run_once().failed == 1
    [row] = outbox()
    assert row.status == "failed" and "550" in row.last_error
    token = login("sales")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "failed" in page and f"/mail/{row.id}/retry" in page
    assert client.post(f"/mail/{row.id}/retry").status_code == 400  # no CSRF token
    smtp_server.mailbox.refuse.clear()
    response = client.post(f"/mail/{row.id}/retry", data={"csrf_token": token, "next": f"/orders/{order.number}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.number}"
    assert outbox()[0].status == "queued"
    assert relay.run_once().sent == 1
    assert len(smtp_server.mailbox.to(order.customer.email)) == 1
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="done"' in page


def test_gives_up_after_the_last_attempt(app, make_order, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    make_order(submit=True)
    smtp_server.stop()
    relay.run_once()
    with later(3600):
        assert relay.run_once().failed == 1
    assert outbox()[0].status == "failed"


def test_backoff_doubles_up_to_the_cap(app):
    assert [relay.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert relay.backoff(20).total_seconds() == app.config["OUTBOX_BACKOFF_MAX_SECONDS"]


def test_file_transport_writes_one_eml_per_message(app, make_order, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "file")
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path / "mail"))
    order = make_order(submit=True)
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0 and "1 sent" in result.output
    [path] = list(Path(tmp_path / "mail").glob("*.eml"))
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert email["To"] == order.customer.email and order.number in email["Subject"]
    # A relay that wrote the file and died before marking it sent: the lease runs out, the
    # message goes again, and replaces the same file instead of making a second one.
    db.session.execute(OutboxMessage.__table__.update().values(status="sending", lease_until=utcnow()))
    db.session.commit()
    with later(1):
        assert relay.run_once().sent == 1
    assert list(Path(tmp_path / "mail").glob("*.eml")) == [path]


def test_mail_pages(client, login, make_order, smtp_server):
    order = make_order(submit=True)
    relay.run_once()
    row = outbox()[0]
    login("manager")
    listing = client.get("/mail/?view=sent").get_data(as_text=True)
    assert row.subject in listing and order.number in listing
    assert row.subject not in client.get("/mail/?view=problems").get_data(as_text=True)
    assert order.number in client.get(f"/mail/?q={order.number}").get_data(as_text=True)
    page = client.get(f"/mail/{row.id}").get_data(as_text=True)
    assert row.message_id.strip("<>") in page and order.number in page and ".pdf" in page
    eml = client.get(f"/mail/{row.id}.eml")
    assert eml.mimetype == "message/rfc822"
    assert message_from_bytes(eml.data, policy=policy.default)["Message-ID"] == row.message_id


def test_mail_pages_access(client, login, make_order, users):
    make_order(submit=True)
    row = outbox()[0]
    assert client.get("/mail/").status_code == 302  # not logged in: to /login
    login("inventory")
    for url in ("/mail/", f"/mail/{row.id}", f"/mail/{row.id}.eml"):
        assert client.get(url).status_code == 403
    token = csrf_from(client.get("/inventory/").get_data(as_text=True))
    assert client.post(f"/mail/{row.id}/retry", data={"csrf_token": token}).status_code == 403
    assert client.get("/mail/99999").status_code in (403, 404)
