"""Telling the customer: every change they must hear about goes through `tell_customer`.

| kind           | when                                                              | what the email carries               |
|----------------|-------------------------------------------------------------------|--------------------------------------|
| confirmation   | a revision is confirmed (submit, amendment)                       | the confirmation PDF of the revision |
| reconfirmation | a special request is decided after confirmation (a new revision)  | the confirmation PDF of the revision |
| cancellation   | a confirmed order is cancelled (amendment or the cancel step)     | the confirmation marked CANCELLED    |
| date_moved     | the promised date moves later (a short pick backorders units)     | the old and the new date             |
| dispatch       | goods leave the building                                          | carrier and tracking number          |

The customer's preferred channel decides how. `email` (with an address on file): the email
is queued in the outbox in the caller's transaction. `phone` or `post` (or no address): no
email; the notice is owed, and the order waits in sales' "Confirmation not sent" queue until a
rep logs the call or letter that told them (`log_communication(..., confirms=True)`).
Either way the notice is a Communication row (`notice` = its kind) and an event. The
confirmation kinds owed by hand are tracked by their revision (`confirmation_sent`), so
they get their row when the rep logs the call, as before.
"""

from dataclasses import dataclass
from datetime import date

from app.events.services import record_event
from app.extensions import db
from app.formatting import day
from app.mail.outbox import queue_email
from app.orders.models import Communication
from app.settings.store import setting

NOTICES = {"confirmation": "Confirmation", "reconfirmation": "Re-confirmation", "cancellation": "Cancellation notice",
           "date_moved": "New promised date", "dispatch": "Dispatch notice"}
CONFIRMING = ("confirmation", "reconfirmation")  # owed until their revision is confirmed (confirmation_sent)
OWED_BY_ROW = ("cancellation", "date_moved", "dispatch")  # owed until their own row is told
BY_HAND = {"phone": "phone", "post": "message"}  # preferred channel → the medium the rep logs
# (queued, owed) event kinds; the confirmation and dispatch kinds keep the names they always had
EVENTS = {"confirmation": ("confirmation.queued", "confirmation.no_email"),
          "reconfirmation": ("confirmation.queued", "confirmation.no_email"),
          "dispatch": ("order.dispatch_email_queued", "order.dispatch_email_skipped")}


@dataclass(frozen=True)
class Notice:
    """What to tell the customer: the email's subject and text, and the PDF that goes with it."""

    kind: str
    subject: str
    text: str
    html: str = ""
    document: object = None  # a Document (rendered after commit at the latest), attached to the email
    confirms_revision: int | None = None  # the confirmation kinds: the revision they confirm
    after: dict | None = None  # extra facts for the event (the shipment, the dates)


def emailed(customer) -> bool:
    """Whether notices go to this customer by email: they prefer it and have an address."""
    return customer.preferred_channel == "email" and bool((customer.email or "").strip())


def how_to_tell(customer) -> str:
    """What the rep does for a notice that is not emailed, in words for the event and the page."""
    if customer.preferred_channel == "post":
        return "they prefer post: send it and log the letter"
    if customer.preferred_channel == "phone":
        return "they prefer a call: call them and log the call"
    return "no email address on file: call them and log the call"


def tell_customer(order, notice: Notice, actor) -> Communication | None:
    """Tell the customer by their preferred channel: queue the email, or record the notice as
    owed by phone or post. Flushes; the caller commits. The Communication row (None for a
    confirmation owed by hand, which its revision tracks)."""
    if emailed(order.customer):
        return _email(order, notice, actor)
    return _owed(order, notice, actor)


def _email(order, notice: Notice, actor) -> Communication:
    address = order.customer.email.strip()
    message = queue_email(address, notice.subject, notice.text, body_html=notice.html, order=order,
                          document=notice.document)
    label = NOTICES[notice.kind]
    entry = Communication(
        order_id=order.id, direction="out", medium="email", contact=address, notice=notice.kind,
        summary=(f"{label} of revision {notice.confirms_revision} emailed with the PDF."
                 if notice.kind in CONFIRMING and notice.confirms_revision
                 else f"{label} emailed{' with the PDF' if notice.document else ''}: {notice.subject}"),
        document_id=notice.document.id if notice.document else None, outbox_id=message.id,
        confirms_revision=notice.confirms_revision, user_id=actor.id if actor else None)
    db.session.add(entry)
    facts = {"notice": notice.kind, "outbox_id": message.id, "message_id": message.message_id}
    if notice.document is not None:  # a deferred document has its SHA-256 once rendered, after commit
        facts["document_id"] = notice.document.id
    record_event(EVENTS.get(notice.kind, ("notice.queued",))[0], f"{label} queued to {address}: {notice.subject}",
                 order=order, actor=actor, after=facts | (notice.after or {}))
    db.session.flush()
    return entry


def _owed(order, notice: Notice, actor) -> Communication | None:
    label, how = NOTICES[notice.kind], how_to_tell(order.customer)
    record_event(EVENTS.get(notice.kind, (None, "notice.owed"))[1], f"{label} not emailed ({notice.subject}): {how}.",
                 order=order, actor=actor, after={"notice": notice.kind} | (notice.after or {}))
    if notice.kind in CONFIRMING:
        return None
    entry = Communication(
        order_id=order.id, direction="out", medium=BY_HAND.get(order.customer.preferred_channel, "phone"),
        contact=order.customer.phone or "", notice=notice.kind,
        summary=f"{label} to give: {notice.subject}. {how[:1].upper()}{how[1:]}.",
        document_id=notice.document.id if notice.document else None, user_id=actor.id if actor else None)
    db.session.add(entry)
    db.session.flush()
    return entry


def signed() -> str:
    return f"Kind regards,\n{setting('BUSINESS_NAME')}\n"


def date_moved_notice(order, before: date, reason: str) -> Notice:
    """The notice that the promised date moved later, with both dates and why."""
    name = order.customer.contact_name or order.customer.name
    what = "ready for collection" if order.method == "pickup" else "delivered"
    text = (f"Dear {name},\n\nWe are sorry: your order {order.number}"
            f"{' (your reference ' + order.customer_reference + ')' if order.customer_reference else ''} "
            f"will now be {what} on {day(order.promised_date)} instead of {day(before)}.\n\n"
            f"Why: {reason}\n\nIf the new date does not suit you, call us or reply to this email quoting "
            f"{order.number}.\n\n{signed()}")
    return Notice("date_moved", f"Order {order.number}: new date {day(order.promised_date)} (was {day(before)})",
                  text, after={"before": before.isoformat(), "after": order.promised_date.isoformat()})


def tell_date_moved(order, before: date | None, reason: str, actor) -> Communication | None:
    """Tell the customer when the promised date moved later than `before`; nothing otherwise."""
    if before is None or order.promised_date is None or order.promised_date <= before:
        return None
    record_event("order.promise_moved", f"Promised date moved {day(before)} → {day(order.promised_date)}: {reason}",
                 order=order, actor=actor, before={"promised_date": before.isoformat()},
                 after={"promised_date": order.promised_date.isoformat()})
    return tell_customer(order, date_moved_notice(order, before, reason), actor)
