"""The communication log of an order: confirmation emails, calls and messages, in or out."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.models import Communication, Order
from app.orders.notices import NOTICES, OWED_BY_ROW, how_to_tell
from app.orders.states import CLOSED_STATUSES
from app.timeutil import utcnow

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
    if confirms:
        told = mark_told(order)
        if told:  # the call or letter is that notice, given
            entry.notice, entry.told_at = told[-1].notice, told[-1].told_at
    kind = "confirmation.logged" if confirms else "communication.logged"
    what = f"{MEDIUMS[medium].split(' (')[0]} {'to' if direction == 'out' else 'from'} the customer"
    record_event(kind, f"{what}{' confirmed revision ' + str(order.revision) if confirms else ''}: "
                 f"{entry.summary}", order=order, actor=actor)
    db.session.flush()
    return entry


def mark_told(order: Order) -> list[Communication]:
    """A rep told the customer where things stand (a call or letter logged as the confirmation):
    every notice of the order not yet known to have reached them is told now."""
    now = utcnow()
    owed = [c for c in order.communications if c.notice and c.told_at is None and not _emailed(c)]
    for notice in owed:
        notice.told_at = now
    return owed


def _emailed(entry: Communication) -> bool:
    return entry.outbox is not None and entry.outbox.status == "sent"


def _email_sent():
    return exists().where(OutboxMessage.id == Communication.outbox_id, OutboxMessage.status == "sent")


def owed_notices():
    """SQL: the notices (cancellation, new date, dispatch) the customer has not had: not emailed
    yet (or the email failed) nor logged as told by a rep, and still their order's latest notice
    (a later one told the customer where things stand). Found by the (notice, told_at) index."""
    later = aliased(Communication)
    return select(Communication.id, Communication.order_id).where(
        Communication.notice.in_(OWED_BY_ROW), Communication.told_at.is_(None), ~_email_sent(),
        ~exists().where(later.order_id == Communication.order_id, later.notice.is_not(None), later.id > Communication.id))


def notice_owed():
    """SQL: the order owes its customer a notice (even a cancelled one: until they are told)."""
    return Order.id.in_(owed_notices().with_only_columns(Communication.order_id))


def note_emailed_notices() -> str | None:
    """Housekeeping: notices whose email went out are told as of its sending, so the owed-notice
    queries only ever look at the few not known told (idempotent on any number of hosts)."""
    sent_at = select(OutboxMessage.sent_at).where(OutboxMessage.id == Communication.outbox_id).scalar_subquery()
    done = db.session.execute(
        update(Communication).where(Communication.notice.is_not(None), Communication.told_at.is_(None), _email_sent())
        .values(told_at=sent_at).execution_options(synchronize_session=False)
    ).rowcount
    return f"{done} emailed notice{'s' if done != 1 else ''} noted as told." if done else None


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
    """SQL: a confirmed order whose customer has not been told: a still open order without the
    confirmation of its current revision, or any order owing a notice (cancellation, new date,
    dispatch) until it is emailed or a rep logs telling them."""
    return or_(revision_unconfirmed(), and_(Order.number.is_not(None), notice_owed()))


def revision_unconfirmed():
    """SQL: a confirmed, still open order whose customer has not had its current revision."""
    return and_(Order.number.is_not(None), Order.status.not_in(CLOSED_STATUSES), ~confirmation_sent())


@dataclass(frozen=True)
class ConfirmationState:
    tone: str  # done | pending | problem | none
    text: str
    at: datetime | None = None


def _email_state(entry: Communication) -> ConfirmationState:
    message = entry.outbox
    what = "" if entry.notice in (None, "confirmation") else f"{NOTICES[entry.notice]}: "
    if message.status == "sent":
        return ConfirmationState("done", f"{what}Emailed to {message.to_address} with the PDF"
                                 if entry.document_id else f"{what}Emailed to {message.to_address}", message.sent_at)
    if message.status == "failed":
        return ConfirmationState("problem", f"{what}Email to {message.to_address} failed: {message.last_error}")
    if message.attempts and message.last_error:
        return ConfirmationState("problem", f"{what}Email to {message.to_address} not delivered yet "
                                 f"(attempt {message.attempts}: {message.last_error}); retrying")
    return ConfirmationState("pending", f"{what}Email to {message.to_address} queued, waiting for the mail relay")


def owed_notice(order: Order) -> Communication | None:
    """The notice (cancellation, new date, dispatch) the customer is still owed, if any: the
    order's latest notice, not emailed yet nor logged as told (what `owed_notices` finds in SQL)."""
    latest = max((c for c in order.communications if c.notice), key=lambda c: c.id, default=None)
    if latest is None or latest.notice not in OWED_BY_ROW or latest.told_at or _emailed(latest):
        return None
    return latest


def _owed_state(order: Order, notice: Communication) -> ConfirmationState:
    if notice.outbox is not None:
        return _email_state(notice)
    return ConfirmationState("problem", f"{NOTICES[notice.notice]} owed, not emailed — {how_to_tell(order.customer)} "
                             "(tick “This confirmed the order to the customer”).")


def confirmation_state(order: Order) -> ConfirmationState:
    """Whether and how the customer has had the confirmation of the current revision."""
    if not order.number:
        return ConfirmationState("none", "Not submitted yet: the customer is confirmed when it is.")
    owed = owed_notice(order)
    if owed is not None:
        return _owed_state(order, owed)
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
    how = ("Call them and log the call as the confirmation." if order.customer.preferred_channel == "email"
           else f"Not emailed: {how_to_tell(order.customer)} as the confirmation.")
    return ConfirmationState("problem", f"Revision {order.revision} has not been confirmed to the customer. {how}")


def open_mail_problems(limit: int = 20) -> list[OutboxMessage]:
    """Emails that failed or are retrying after a failure, oldest first (manager's list)."""
    return db.session.execute(
        select(OutboxMessage)
        .where(or_(OutboxMessage.status == "failed",
                   and_(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)))
        .order_by(OutboxMessage.created_at).limit(limit)
    ).scalars().all()
