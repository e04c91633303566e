"""The order mailbox (`flask --app wsgi intake poll`) against a real IMAP server: a new
message becomes a draft after one poll and is never taken twice, not by a second poll, not
after a crash between commit and flag, not by two pollers at once; a reply quoting an
order number goes to that order, not into a new draft; what cannot be read is kept with
its problem; a mailbox that is down is said, with a non-zero exit for --once."""

import io
import threading

from sqlalchemy import func, select

from app.customers.models import Contact
from app.extensions import db
from app.notifications.models import Notification
from app.orders.change_requests import open_requests
from app.orders.confirmation import confirmations_suppressed
from app.orders.mailbox import MailboxSettings, poll_forever, poll_once
from app.orders.models import ChangeRequest, Communication, InboundEmail, Order
from tests.intake.conftest import free_port
from tests.sales.conftest import eml


def inbound_emails():
    db.session.expire_all()
    return db.session.execute(select(InboundEmail).order_by(InboundEmail.id)).scalars().all()


def orders_count():
    return db.session.execute(select(func.count(Order.id))).scalar_one()


def poll(runner):
    result = runner.invoke(args=["intake", "poll", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_message_becomes_one_draft_and_is_never_taken_again(runner, mailbox, make_product, make_customer):
    make_product(on_hand=50)  # SKU-T001
    customer = make_customer(email="ann@shop.example")
    mailbox.deliver(b"Message-ID: <po88@shop.example>\r\n"
                    + eml("Ann Lee <ann@shop.example>", "Order PO-88", "Please send:\nSKU-T001 4\n\nAnn\n"))

    output = poll(runner)
    assert "1 new message(s): 1 draft(s)" in output
    [inbound] = inbound_emails()
    order = db.session.get(Order, inbound.order_id)
    assert order.status == "draft" and order.customer_id == customer.id and order.channel == "email"
    assert [(line.sku, line.quantity) for line in order.lines] == [("SKU-T001", 4)]
    assert inbound.source == "imap" and inbound.message_id == "<po88@shop.example>"
    assert inbound.mailbox_uid.startswith("INBOX:") and inbound.mailbox_uid.endswith(":1")
    assert b"SKU-T001 4" in inbound.raw  # the original is kept
    assert mailbox.uids("UNSEEN") == []  # flagged \Seen after the commit

    assert "0 new message(s)" in poll(runner)  # a second poll takes nothing
    mailbox.mark_unseen("1")  # as if the poller died between its commit and the flag
    output = poll(runner)
    assert "0 new message(s)" in output and "1 already taken" in output
    assert len(inbound_emails()) == 1 and orders_count() == 1
    assert mailbox.uids("UNSEEN") == []


def test_two_pollers_at_once_take_each_message_exactly_once(app, mailbox, make_product, make_customer):
    make_product(on_hand=500)
    make_customer(email="ann@shop.example")
    mailbox.deliver(*[eml("ann@shop.example", f"Order PO-{n}", f"SKU-T001 {n}\n") for n in range(1, 11)])
    settings = MailboxSettings.from_config(app.config)
    start, results, errors = threading.Barrier(2), [], []

    def poller():
        try:
            with app.app_context():  # a session of its own, like a second process
                start.wait()
                results.append(poll_once(settings, db.session.commit))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001  reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(results) == 2
    emails = inbound_emails()
    assert len(emails) == 10 and len({e.mailbox_uid for e in emails}) == 10
    assert orders_count() == 10 and sorted(e.subject for e in emails) == sorted(f"Order PO-{n}" for n in range(1, 11))
    assert sum(r.drafts for r in results) == 10  # between them, each message once
    assert mailbox.uids("UNSEEN") == []


def test_a_reply_quoting_an_order_goes_to_that_order(runner, mailbox, users, order_in, make_customer):
    customer = make_customer(email="ann@shop.example")
    db.session.add(Contact(customer_id=customer.id, name="Bob", email="bob@shop.example"))
    db.session.commit()
    with confirmations_suppressed():  # no PDF rendered: this test does not look at one
        confirmed = order_in("confirmed", customer=customer)
        dispatched = order_in("dispatched", customer=customer)
    mailbox.deliver(
        eml("Ann <ann@shop.example>", f"Re: Order confirmation {confirmed.number}",
            "Could we have 5 instead of 3, please?\n\nAnn\n\nOn Tue, 1 Dec 2026 at 10:00, Orders wrote:\n"
            "> Thank you for your order.\n> SKU-T001 3\n"),
        eml("bob@shop.example", f"About {dispatched.number}", "Has it left yet?\n"),
        eml("stranger@elsewhere.example", f"Re: Order confirmation {confirmed.number}", "Cancel it.\n"),
    )
    before = orders_count()

    output = poll(runner)
    assert "2 about an existing order, 1 waiting for a rep" in output
    assert orders_count() == before  # no new draft
    ann, bob, stranger = inbound_emails()

    [request] = open_requests(confirmed)  # what sales decides on
    assert request.source == "email" and request.channel == "email" and request.requested_by == "ann@shop.example"
    assert request.text == "Could we have 5 instead of 3, please?\n\nAnn"  # the quoted original left out
    assert request.inbound_email_id == ann.id and ann.order_id == confirmed.id
    told = db.session.execute(select(Notification).where(Notification.kind == "order.change_requested",
                                                         Notification.user_id == users["sales"].id)).scalars().all()
    assert [n.order_id for n in told] == [confirmed.id]

    [note] = db.session.execute(select(Communication).where(Communication.order_id == dispatched.id,
                                                            Communication.direction == "in")).scalars().all()
    assert note.medium == "email" and note.contact == "bob@shop.example" and "Has it left yet?" in note.summary
    assert bob.order_id == dispatched.id

    assert stranger.order_id is None and "not an address of that order's customer" in stranger.problems
    assert db.session.execute(select(func.count(ChangeRequest.id))).scalar_one() == 1


def test_what_cannot_be_read_is_kept_with_its_problem_and_not_retried(runner, app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_EMAIL_BYTES", 4000)
    big = eml("ann@shop.example", "Scans of our order", "x" * 100, attachments=[("scan.bin", b"\x00" * 8000,
                                                                                    "application/octet-stream")])
    mailbox.deliver(big, b"\x00\xff\xfe garbage that is no email at all \x80\x81\r\n")

    assert "2 new message(s)" in poll(runner)
    large, garbage = inbound_emails()
    assert large.order_id is None and "is 12 KB, larger than the 4 KB limit" in large.problems and large.subject == "Scans of our order"
    assert len(large.raw) < 4000  # its headers only
    assert garbage.order_id is None and garbage.problems and b"garbage that is no email" in garbage.raw
    assert mailbox.uids("UNSEEN") == []
    assert "0 new message(s)" in poll(runner)  # never retried
    assert len(inbound_emails()) == 2


def test_a_mailbox_that_is_down_is_said_and_exits_non_zero(runner, app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_PORT", free_port())  # nothing listens there
    result = runner.invoke(args=["intake", "poll", "--once"])
    assert result.exit_code == 1 and "cannot be reached" in result.output
    said = []  # the loop says so and keeps trying, round after round
    poll_forever(MailboxSettings.from_config(app.config), 0, db.session.commit, lambda: len(said) >= 2, said.append)
    assert len(said) == 2 and all("cannot be reached" in line and "trying again" in line for line in said)
    monkeypatch.setitem(app.config, "IMAP_HOST", "")
    result = runner.invoke(args=["intake", "poll", "--once"])
    assert result.exit_code == 1 and "IMAP_HOST is not set" in result.output


def test_an_uploaded_reply_quoting_an_order_opens_that_order(client, login, order_in, make_customer):
    customer = make_customer(email="ann@shop.example")
    with confirmations_suppressed():
        confirmed = order_in("confirmed", customer=customer)
    token = login("sales")
    raw = eml("ann@shop.example", f"Re: Order confirmation {confirmed.number}", "Please deliver on Friday instead.\n")
    response = client.post("/sales/orders/email", data={"csrf_token": token, "message": (io.BytesIO(raw), "re.eml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{confirmed.number}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is about this order" in page and "change request waits for sales" in page
    [request] = open_requests(confirmed)
    assert request.text == "Please deliver on Friday instead."
