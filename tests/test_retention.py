"""Retention: records are kept RETENTION_MONTHS (12 at least); past that, the purge removes
the customer's personal data from closed orders and keeps the business record."""

import logging
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.customers.models import Address, Customer
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import Communication, InboundEmail, Order, Revision, SpecialRequest
from app.orders.notes import OrderNote
from app.orders.waves import PickWave, pick_wave_orders
from app.retention import purge
from app.retention.placeholders import REMOVED, REMOVED_PDF
from app.retention.purge import months_before
from app.timeutil import utcnow
from tests.conftest import order_paperwork

PHONE = "07700 900123"
NOW = datetime(2026, 12, 8, 10, 0)


@pytest.fixture
def closed_order(order_in, users):
    """A committed order closed `months_ago`, with personal data on every record that hangs
    off it: instructions, a special request, a call note, the order email, the confirmation
    email and document, and a revision that changed the address."""
    def make(months_ago, status="delivered", customer=None):
        with confirmations_suppressed():
            order = order_in(status, customer=customer)
        order.closed_at = months_before(NOW, months_ago)
        order.instructions = f"Ring Jane Doe on {PHONE}"
        db.session.add_all([
            SpecialRequest(order_id=order.id, kind="gift_wrap", text="Card: happy birthday Jane",
                           owner_team="fulfillment", status="done", decision_note="Wrapped in blue"),
            Communication(order_id=order.id, direction="out", medium="phone", contact=f"Jane Doe {PHONE}",
                          summary=f"Read the order back to Jane on {PHONE}", user_id=users["sales"].id),
            OrderNote(order_id=order.id, author_id=users["sales"].id, mentions=["fulfillment"],
                      body=f"@fulfillment Jane ({PHONE}) wants it left at no. 12"),
            Revision(order_id=order.id, number=2, channel="phone", requested_by="Jane Doe",
                     verified_how=f"called back on {PHONE}", created_by_id=users["sales"].id,
                     snapshot={"number": order.number, "address": "9 New Road", "instructions": "",
                               "lines": [{"sku": order.lines[0].sku, "quantity": 3}]},
                     diff=[{"what": "address", "before": "1 Test Street", "after": "9 New Road",
                            "text": "Delivery address: 1 Test Street → 9 New Road"},
                           {"what": "line", "sku": order.lines[0].sku, "before": 2, "after": 3,
                            "text": f"{order.lines[0].sku}: quantity 2 → 3"}]),
        ])
        order_paperwork(order)
        db.session.execute(update(OutboxMessage).where(OutboxMessage.order_id == order.id).values(status="sent"))
        db.session.commit()
        return order
    return make


def personal_data(order) -> dict:
    """Everything personal about `order` as stored, read afresh from the database."""
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    revision = db.session.scalar(select(Revision).where(Revision.order_id == order.id, Revision.number == 2))
    return {
        "address": order.address, "instructions": order.instructions,
        "requests": [r.text for r in order.special_requests],
        "calls": [(c.contact, c.summary) for c in order.communications],
        "notes": [(n.body, n.mentions) for n in db.session.scalars(select(OrderNote).where(OrderNote.order_id == order.id))],
        "emails in": [(m.from_address, m.subject, m.raw) for m in order.inbound_emails],
        "emails out": [(m.to_address, m.body_text) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.order_id == order.id))],
        "documents": [d.content for d in db.session.scalars(select(Document).where(Document.order_id == order.id))],
        "revision": (revision.requested_by, revision.verified_how, revision.snapshot["address"],
                     revision.diff[0]["text"]),
    }


def customer_details(customer) -> tuple:
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    return customer.contact_name, customer.email, customer.phone, [a.text for a in customer.addresses]


def test_an_order_closed_13_months_ago_keeps_its_record_and_loses_the_personal_data(closed_order):
    order = closed_order(13)
    number, lines, total = order.number, [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines], order.total
    report = purge(now=NOW)
    db.session.commit()

    data = personal_data(order)
    assert data["address"] == data["instructions"] == REMOVED
    assert data["requests"] == [REMOVED]
    assert (REMOVED, REMOVED) in data["calls"] and {summary for _, summary in data["calls"]} == {REMOVED}
    assert [(frm, subject) for frm, subject, _ in data["emails in"]] == [(REMOVED, REMOVED)]
    assert PHONE.encode() not in data["emails in"][0][2] and b"removed" in data["emails in"][0][2]
    assert set(data["emails out"]) == {(REMOVED, REMOVED)}
    assert data["notes"] == [(REMOVED, ["fulfillment"])]  # who was told stays, not what was said
    assert data["documents"] == [REMOVED_PDF]
    assert data["revision"] == (REMOVED, REMOVED, REMOVED, f"Delivery address: {REMOVED}")

    order = db.session.get(Order, order.id)
    assert (order.number, order.status, order.total) == (number, "delivered", total)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == lines
    assert order.special_requests[0].decision_note == "Wrapped in blue"  # staff's words stay
    assert {c.medium for c in order.communications} == {"phone", "email"}
    revision = order.revisions[-1]
    assert revision.diff[1]["text"].endswith("quantity 2 → 3")  # the business change stays readable
    document = db.session.scalar(select(Document).where(Document.order_id == order.id))
    assert document.filename.endswith("confirmation-r1.pdf") and len(document.sha256) == 64  # what was issued
    assert order.personal_data_removed_at == NOW
    assert report.counts == {
        "orders": 1, "special requests": 1, "communications": 2, "collections": 0, "order emails": 1,
        "emails sent": 2, "documents": 1, "attachment notes": 0, "notes between teams": 1, "revisions": 2, "wave pick lists": 0, "customers": 1,
        "customer addresses": 1, "customer contacts": 0}


def test_an_order_closed_11_months_ago_is_untouched(closed_order):
    order = closed_order(11, status="cancelled")
    before = personal_data(order)
    report = purge(now=NOW)
    db.session.commit()
    assert report.total == 0
    assert personal_data(order) == before
    assert customer_details(order.customer)[1] is not None


def test_a_collected_order_loses_who_collected_it(closed_order):
    order = closed_order(13, status="collected")
    order.shipments[0].collected_by = "Jane Doe"
    db.session.commit()
    report = purge(now=NOW)
    db.session.commit()
    assert report.counts["collections"] == 1
    assert db.session.get(Order, order.id).shipments[0].collected_by == REMOVED


def test_a_customer_with_an_open_or_recent_order_keeps_their_details(closed_order, order_in, make_customer):
    busy, recent, gone = make_customer(phone="0113 496 0001"), make_customer(), make_customer(phone="0113 496 0002")
    old_of_busy, old_of_recent, old_of_gone = closed_order(14, customer=busy), closed_order(13, customer=recent), \
        closed_order(25, customer=gone)
    with confirmations_suppressed():
        order_in("confirmed", customer=busy)
    closed_order(3, customer=recent)
    kept = customer_details(busy), customer_details(recent)

    report = purge(now=NOW)
    db.session.commit()

    assert (customer_details(busy), customer_details(recent)) == kept
    assert all(personal_data(o)["address"] == REMOVED for o in (old_of_busy, old_of_recent, old_of_gone))
    assert customer_details(gone) == ("", None, None, [])
    gone = db.session.get(Customer, gone.id)
    assert (gone.code, gone.name) != ("", "") and gone.personal_data_removed_at == NOW
    assert report.counts["customers"] == 1 and report.counts["orders"] == 3


def test_a_dry_run_changes_nothing_and_counts_what_the_purge_then_does(closed_order, make_customer):
    customer = make_customer(contact_name="Jane Doe")
    orders = [closed_order(13, customer=customer), closed_order(20, status="cancelled"), closed_order(2)]
    before = [personal_data(o) for o in orders], customer_details(customer)
    events = db.session.scalar(select(func.count(Event.id)))

    dry = purge(now=NOW, dry_run=True)
    db.session.commit()

    assert ([personal_data(o) for o in orders], customer_details(customer)) == before
    assert db.session.scalar(select(func.count(Event.id))) == events
    assert dry.dry_run and dry.counts["orders"] == 2 and dry.counts["customers"] == 2
    assert "would remove" in dry.summary()
    done = purge(now=NOW)
    assert done.counts == dry.counts and dry.total > 0


def test_a_second_purge_finds_nothing_new(closed_order):
    closed_order(13)
    first = purge(now=NOW)
    db.session.commit()
    second = purge(now=NOW)
    db.session.commit()
    assert first.total > 0 and second.total == 0
    assert purge(now=NOW, dry_run=True).total == 0


def test_the_purge_is_recorded_as_one_event_with_its_counts(closed_order):
    closed_order(13)
    closed_order(15, status="cancelled")
    report = purge(now=NOW)
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.kind == "retention.purged"))
    assert event.after["counts"] == report.counts and event.after["counts"]["orders"] == 2
    assert event.after["months"] == 12 and event.after["cutoff"].startswith("2025-12-08")
    assert "2 orders" in event.summary and event.order_id is None


@pytest.mark.parametrize("configured", [0, 6, 11])
def test_retention_below_12_months_is_raised_to_12(app, closed_order, monkeypatch, caplog, configured):
    monkeypatch.setitem(app.config, "RETENTION_MONTHS", configured)
    young, old = closed_order(8), closed_order(13)
    with caplog.at_level(logging.WARNING, logger="app.retention.purge"):
        report = purge(now=NOW)
    db.session.commit()
    assert report.months == 12 and report.counts["orders"] == 1
    assert personal_data(young)["instructions"] != REMOVED and personal_data(old)["instructions"] == REMOVED
    assert "below the minimum" in caplog.text


def test_a_longer_retention_is_honoured(app, closed_order, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_MONTHS", 24)
    order = closed_order(13)
    assert purge(now=NOW).total == 0 and personal_data(order)["instructions"] != REMOVED


def test_the_page_of_a_purged_order_shows_its_record_and_the_details_as_removed(client, login, closed_order):
    order = closed_order(13)
    number, sku = order.number, order.lines[0].sku
    email = order.inbound_emails[0]
    purge(now=NOW)
    db.session.commit()
    login("sales")
    page = client.get(f"/orders/{number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert number in html and sku in html and "30.00" in html, html
    assert REMOVED in html and PHONE not in html and "Test Street" not in html and "Jane" not in html
    pdf = client.get(f"/orders/{number}/confirmation.pdf")
    assert pdf.status_code == 200 and pdf.data == REMOVED_PDF
    eml = client.get(f"/orders/{number}/emails/{email.id}.eml")
    assert eml.status_code == 200 and b"removed after the retention period" in eml.data


def test_the_command_reports_a_dry_run_and_then_purges(runner, closed_order):
    order = closed_order(14)
    order.closed_at = months_before(utcnow(), 14)  # the command purges as of now
    db.session.commit()

    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove personal data from 1 orders" in dry.output and "cut-off" in dry.output
    assert personal_data(order)["address"] != REMOVED

    done = runner.invoke(args=["retention", "purge"])
    assert done.exit_code == 0, done.output
    assert "removed personal data from 1 orders" in done.output and "  documents: 1" in done.output
    assert personal_data(order)["address"] == REMOVED
    again = runner.invoke(args=["retention", "purge"])
    assert "removed personal data from nothing" in again.output


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime(2026, 3, 31, 9), 1, datetime(2026, 2, 28, 9)),
    (datetime(2028, 3, 31), 13, datetime(2027, 2, 28)),
    (datetime(2026, 1, 15), 12, datetime(2025, 1, 15)),
    (datetime(2026, 1, 15), 14, datetime(2024, 11, 15)),
])
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


def test_a_wave_pick_list_goes_when_no_order_on_it_keeps_its_personal_data(closed_order, users):
    old, recent = closed_order(13), closed_order(3)
    wave = PickWave(created_by_id=users["fulfillment"].id)
    db.session.add(wave)
    db.session.flush()
    db.session.execute(pick_wave_orders.insert(), [{"wave_id": wave.id, "order_id": o.id} for o in (old, recent)])
    document = Document(order_id=None, kind="wave_pick_list", revision=wave.id, filename=f"wave-{wave.id}.pdf",
                        sha256="0" * 64, content=b"%PDF-1.4 1 Test Street")
    db.session.add(document)
    db.session.flush()
    wave.document_id = document.id
    db.session.commit()

    assert purge(now=NOW).counts["wave pick lists"] == 0
    db.session.commit()
    later = months_before(NOW, -11)
    assert purge(now=later, dry_run=True).counts["wave pick lists"] == 1
    assert purge(now=later).counts["wave pick lists"] == 1
    db.session.commit()
    assert db.session.get(Document, document.id).content == REMOVED_PDF
    assert purge(now=later).total == 0


def test_amounts_stay_exact(closed_order):
    order = closed_order(13)
    purge(now=NOW)
    db.session.commit()
    assert db.session.get(Order, order.id).lines[0].unit_price == Decimal("10.00")
    assert db.session.scalar(select(func.count(Address.id))) == 0
    assert db.session.scalar(select(func.count(InboundEmail.id))) == 1
