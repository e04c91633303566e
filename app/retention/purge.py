"""Removing customers' personal data from closed orders past the retention period.

What goes (replaced by REMOVED, or by a placeholder where bytes are stored), for each order
delivered, collected or cancelled more than RETENTION_MONTHS ago:
  - the order's address snapshot and instructions (free text the customer dictates: names,
    phone numbers, "leave with the neighbour at no. 12");
  - special requests' text (gift messages, names on labels); the kind, team, decision,
    decision note (staff's words) and dates stay;
  - communications' contact and summary (call notes); direction, medium, date, who, the
    revision it confirmed and its document stay;
  - who collected a pickup;
  - order emails as received (sender, subject, text, the stored .eml, the problems found,
    which quote the sender's address);
  - sent and failed emails' recipient, body and last error (the subject names the order);
  - the bytes of the order's documents (confirmations, pick lists, packing slips all print
    the address) and of the files attached to it (a customer's PO, drawings): the row, its file
    name and the SHA-256 of what was issued stay, so the document's existence and a copy's
    authenticity can still be shown (a confirmation never rendered had no bytes yet: its frozen
    values go, and it stays without a SHA-256); an attachment's note;
  - the text of the notes between teams (they quote callers and addresses); who wrote
    each, when and the teams it told stay;
  - in revisions, the address and instructions of the snapshot and diff, who asked and how
    it was verified;
  - the bytes of a wave's pick list once no order on it still keeps its personal data.
And the customer's contact person, email, phone, notes, addresses and other contacts, but only when every
order of theirs is closed and past retention (a customer with an open or recent order keeps
everything). Numbers, lines, quantities, prices, dates, statuses, the customer's code and
name and the event log are not touched.
"""

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, delete, func, literal, not_, or_, select, true, update

from app.attachments.models import OrderAttachment
from app.customers.models import Address, Contact, Customer
from app.documents.models import Document
from app.events.services import record_event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.amendments import HEADER_LABELS
from app.orders.models import Communication, InboundEmail, Order, Revision, Shipment, SpecialRequest
from app.orders.notes import OrderNote
from app.orders.states import CLOSED_STATUSES
from app.orders.waves import PickWave, pick_wave_orders
from app.retention.placeholders import REMOVED, REMOVED_EML, REMOVED_PDF
from app.timeutil import utcnow

log = logging.getLogger(__name__)

MINIMUM_MONTHS = 12  # SOP §5: special requests, amendments and confirmations kept at least 12 months
BATCH_SIZE = 500
PERSONAL_HEADERS = ("address", "instructions")  # the parts of a revision that can name a person

ended = func.coalesce(Order.closed_at, Order.status_changed_at)


def removed(column):
    """The column's value replaced by REMOVED where it held anything (empty stays empty)."""
    return case((or_(column.is_(None), column == ""), column), else_=literal(REMOVED))


@dataclass(frozen=True)
class Scrub:
    """One kind of record hanging off an order, and what of it is personal data."""

    kind: str
    model: type
    values: dict
    only: object = true()  # a further condition: which of the order's rows hold personal data


SCRUBS = (
    Scrub("special requests", SpecialRequest, {"text": removed(SpecialRequest.text)}),
    Scrub("communications", Communication,
          {"summary": removed(Communication.summary), "contact": removed(Communication.contact)}),
    Scrub("collections", Shipment, {"collected_by": removed(Shipment.collected_by)}, Shipment.collected_by != ""),
    Scrub("order emails", InboundEmail,
          {"from_address": removed(InboundEmail.from_address), "subject": removed(InboundEmail.subject),
           "body_text": removed(InboundEmail.body_text), "problems": removed(InboundEmail.problems),
           "raw": REMOVED_EML}),
    Scrub("emails sent", OutboxMessage,
          {"to_address": REMOVED, "body_text": REMOVED, "body_html": removed(OutboxMessage.body_html),
           "last_error": removed(OutboxMessage.last_error)},
          OutboxMessage.status.in_(("sent", "failed"))),  # never one the relay may still send
    Scrub("documents", Document, {"content": REMOVED_PDF, "context": None}),  # attachments' bytes too (kind "attachment")
    Scrub("attachment notes", OrderAttachment, {"note": removed(OrderAttachment.note)}, OrderAttachment.note != ""),
    Scrub("notes between teams", OrderNote, {"body": removed(OrderNote.body)}),
)
KINDS = ("orders", *(s.kind for s in SCRUBS), "revisions", "wave pick lists", "customers", "customer addresses",
         "customer contacts")


@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove), counted per kind of record."""

    cutoff: datetime
    months: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        found = ", ".join(f"{n} {kind}" for kind, n in self.counts.items() if n) or "nothing"
        verb = "would remove personal data from" if self.dry_run else "removed personal data from"
        return (f"Retention {self.months} months, cut-off {self.cutoff:%Y-%m-%d %H:%M} UTC: "
                f"{verb} {found}.")


def retention_months() -> int:
    """RETENTION_MONTHS, never below the minimum: a lower setting is raised to it, with a warning."""
    configured = int(current_app.config["RETENTION_MONTHS"])
    if configured < MINIMUM_MONTHS:
        log.warning("RETENTION_MONTHS=%s is below the minimum; records are kept %s months.",
                    configured, MINIMUM_MONTHS)
        return MINIMUM_MONTHS
    return configured


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def closed_before(cutoff: datetime):
    """Delivered, collected or cancelled before `cutoff`."""
    return and_(Order.status.in_(CLOSED_STATUSES), ended < cutoff)


def orders_due(cutoff: datetime):
    """Closed orders that ended before `cutoff` and still hold personal data."""
    return and_(closed_before(cutoff), Order.personal_data_removed_at.is_(None))


def still_kept(cutoff: datetime):
    """Orders whose personal data stays: open, or closed within the retention period."""
    return and_(Order.personal_data_removed_at.is_(None), not_(closed_before(cutoff)))


def customers_due(cutoff: datetime):
    """Customers with orders, none of which is still kept; not yet anonymised."""
    orders = select(Order.id).where(Order.customer_id == Customer.id)
    return and_(Customer.personal_data_removed_at.is_(None), orders.exists(),
                ~orders.where(still_kept(cutoff)).exists())


def wave_pick_lists_due(cutoff: datetime):
    """Wave pick lists (several orders' addresses on one document) once no order on them is kept."""
    kept = (select(pick_wave_orders.c.order_id).join(Order, Order.id == pick_wave_orders.c.order_id)
            .where(pick_wave_orders.c.wave_id == PickWave.id, still_kept(cutoff)))
    waves = select(PickWave.document_id).where(PickWave.document_id.is_not(None), ~kept.exists())
    return and_(Document.id.in_(waves), Document.content != REMOVED_PDF)


def purge(now: datetime | None = None, dry_run: bool = False, after_batch=None) -> PurgeReport:
    """Remove the personal data past retention (see the module's docstring), in batches of
    set-based UPDATEs, and record one `retention.purged` event with the counts. A dry run
    only counts. Flushes, never commits: `after_batch` (the CLI passes a commit) is called
    after each batch so a long purge does not hold the database for its whole run."""
    now = now or utcnow()
    months = retention_months()
    report = PurgeReport(cutoff=months_before(now, months), months=months, dry_run=dry_run)
    if dry_run:
        _count(report)
        return report
    for ids in _batches(Order.id, orders_due(report.cutoff)):
        _remove_from_orders(ids, now, report.counts)
        if after_batch:
            after_batch()
    report.counts["wave pick lists"] = _update(Document, wave_pick_lists_due(report.cutoff), {"content": REMOVED_PDF})
    for ids in _batches(Customer.id, customers_due(report.cutoff)):
        _remove_from_customers(ids, now, report.counts)
        if after_batch:
            after_batch()
    record_event("retention.purged", report.summary(),
                 after={"cutoff": report.cutoff.isoformat(), "months": months, "counts": report.counts})
    db.session.flush()
    db.session.expire_all()  # the UPDATEs went around the session: read rows afresh
    return report


def _batches(key, condition):
    """The ids matching `condition`, BATCH_SIZE at a time, walking the primary key once."""
    last = 0
    while ids := db.session.scalars(
        select(key).where(condition, key > last).order_by(key).limit(BATCH_SIZE)
    ).all():
        yield ids
        last = ids[-1]


def _update(model, condition, values) -> int:
    result = db.session.execute(update(model).where(condition).values(values),
                                execution_options={"synchronize_session": False})
    return result.rowcount


def _remove_from_orders(ids, now, counts) -> None:
    for scrub in SCRUBS:
        counts[scrub.kind] += _update(scrub.model, and_(scrub.model.order_id.in_(ids), scrub.only),
                                      scrub.values)
    counts["revisions"] += _remove_from_revisions(ids)
    counts["orders"] += _update(Order, Order.id.in_(ids), {
        "address": removed(Order.address), "instructions": removed(Order.instructions),
        "personal_data_removed_at": now, "version": Order.version + 1,  # an open form of it is stale now
    })


def _remove_from_revisions(ids) -> int:
    """Revisions keep their snapshot and diff as JSON: scrubbed here, written back by key."""
    rows = db.session.execute(
        select(Revision.id, Revision.snapshot, Revision.diff, Revision.requested_by, Revision.verified_how)
        .where(Revision.order_id.in_(ids))
    ).all()
    if rows:
        db.session.execute(update(Revision), [
            {"id": row.id, "snapshot": _scrubbed_snapshot(row.snapshot), "diff": _scrubbed_diff(row.diff),
             "requested_by": REMOVED if row.requested_by else "", "verified_how": REMOVED if row.verified_how else ""}
            for row in rows
        ])
    return len(rows)


def _scrubbed_snapshot(snapshot: dict) -> dict:
    return snapshot | {name: REMOVED for name in PERSONAL_HEADERS if snapshot.get(name)}


def _scrubbed_diff(diff: list) -> list:
    return [change | {"before": REMOVED, "after": REMOVED, "text": f"{HEADER_LABELS[change['what']]}: {REMOVED}"}
            if change.get("what") in PERSONAL_HEADERS else change
            for change in diff or []]


def _remove_from_customers(ids, now, counts) -> None:
    # the orders keep their own copy of the address (already scrubbed); the link to the row goes
    db.session.execute(update(Order).where(Order.customer_id.in_(ids), Order.address_id.is_not(None))
                       .values(address_id=None), execution_options={"synchronize_session": False})
    counts["customer contacts"] += db.session.execute(
        delete(Contact).where(Contact.customer_id.in_(ids)), execution_options={"synchronize_session": False}
    ).rowcount
    counts["customer addresses"] += db.session.execute(
        delete(Address).where(Address.customer_id.in_(ids)), execution_options={"synchronize_session": False}
    ).rowcount
    counts["customers"] += _update(Customer, Customer.id.in_(ids), {
        "contact_name": removed(Customer.contact_name), "email": None, "phone": None,
        "notes": removed(Customer.notes), "personal_data_removed_at": now,
    })


def _count(report: PurgeReport) -> None:
    """The dry run: the same conditions as the UPDATEs, counted."""
    due = select(Order.id).where(orders_due(report.cutoff))
    counts = report.counts
    counts["orders"] = _rows(orders_due(report.cutoff))
    for scrub in SCRUBS:
        counts[scrub.kind] = _rows(and_(scrub.model.order_id.in_(due), scrub.only))
    counts["revisions"] = _rows(Revision.order_id.in_(due))
    counts["wave pick lists"] = _rows(wave_pick_lists_due(report.cutoff))
    customers = select(Customer.id).where(customers_due(report.cutoff))
    counts["customers"] = _rows(customers_due(report.cutoff))
    counts["customer addresses"] = _rows(Address.customer_id.in_(customers))
    counts["customer contacts"] = _rows(Contact.customer_id.in_(customers))


def _rows(condition) -> int:
    return db.session.scalar(select(func.count()).where(condition))
