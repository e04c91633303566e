"""The communication log of an order: confirmation emails, calls and messages, in or out."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select

from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.models import Communication, Order
from app.orders.states import CLOSED_STATUSES

DIRECTIONS = {"out": "To the customer", "in": "From the customer"}
MEDIUMS = {"phone": "Phone call", "email": "Email", "message": "Message (text, chat, letter)"}


class CommunicationError(Refusal):
    """A log entry refused for a business reason; the message is for the user."""


def log_communication(order: Order, actor, *, direction: str, medium: str, summary: str,
                      contact: str = "", confirms: bool = False) -> Communication:
    """Record a call or message with the customer; with `confirms`, it confirmed the
    order's current revision to them (instead of, or as well as, the emailed PDF)."""
    if confirms and not order.number:
        raise CommunicationError("A draft cannot be confirmed to the customer; submit it first.")
    entry = Communication(order_id=order.id, direction=direction, medium=medium, summary=summary.strip(),
                          contact=contact.strip(), user_id=actor.id if actor else None,
                          confirms_revision=order.revision if confirms else None)
    db.session.add(entry)
    kind = "confirmation.logged" if confirms else "communication.logged"
    what = f"{MEDIUMS[medium].split(' (')[0]} {'to' if direction == 'out' else 'from'} the customer"
    record_event(kind, f"{what}{' confirmed revision ' + str(order.revision) if confirms else ''}: "
                 f"{entry.summary}", order=order, actor=actor)
    db.session.flush()
    return entry


def confirmation_sent():
    """SQL: the order's current revision has been confirmed to the customer (an email that
    went out, or a call or message a rep logged as the confirmation)."""
    email_sent = exists().where(OutboxMessage.id == Communication.outbox_id, OutboxMessage.status == "sent")
    return exists().where(
        Communication.order_id == Order.id,
        Communication.confirms_revision == Order.revision,
        or_(Communication.outbox_id.is_(None), email_sent),
    )


def confirmation_not_sent():
    """SQL: a confirmed, still open order whose customer has not had its confirmation."""
    return and_(Order.number.is_not(None), Order.status.not_in(CLOSED_STATUSES), ~confirmation_sent())


@dataclass(frozen=True)
class ConfirmationState:
    tone: str  # done | pending | problem | none
    text: str
    at: datetime | None = None


def _email_state(entry: Communication) -> ConfirmationState:
    message = entry.outbox
    if message.status == "sent":
        return ConfirmationState("done", f"Emailed to {message.to_address} with the PDF", message.sent_at)
    if message.status == "failed":
        return ConfirmationState("problem", f"Email to {message.to_address} failed: {message.last_error}")
    if message.attempts and message.last_error:
        return ConfirmationState("problem", f"Email to {message.to_address} not delivered yet "
                                 f"(attempt {message.attempts}: {message.last_error}); retrying")
    return ConfirmationState("pending", f"Email to {message.to_address} queued, waiting for the mail relay")


def confirmation_state(order: Order) -> ConfirmationState:
    """Whether and how the customer has had the confirmation of the current revision."""
    if not order.number:
        return ConfirmationState("none", "Not submitted yet: the customer is confirmed when it is.")
    entries = [c for c in order.communications if c.confirms_revision == order.revision]
    by_hand = [c for c in entries if c.outbox_id is None]
    if by_hand:
        last = by_hand[-1]
        who = last.user.display_name if last.user else "someone"
        return ConfirmationState("done", f"Confirmed by {MEDIUMS[last.medium].split(' (')[0].lower()} by {who}",
                                 last.created_at)
    states = [_email_state(c) for c in entries if c.outbox is not None]
    for tone in ("done", "problem", "pending"):
        found = [s for s in states if s.tone == tone]
        if found:
            return found[-1]
    return ConfirmationState("problem", f"Revision {order.revision} has not been confirmed to the customer. "
                             "Call them and log the call as the confirmation.")


def open_mail_problems(limit: int = 20) -> list[OutboxMessage]:
    """Emails that failed or are retrying after a failure, oldest first (manager's list)."""
    return db.session.execute(
        select(OutboxMessage)
        .where(or_(OutboxMessage.status == "failed",
                   and_(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)))
        .order_by(OutboxMessage.created_at).limit(limit)
    ).scalars().all()
