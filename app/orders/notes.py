"""Internal notes on an order (SOP 4.7, communication between teams): a thread anyone who can
see the order may add to. Writing `@inventory`, `@fulfillment`, `@sales` or `@manager` in a
note tells that team (the `order.note` event carries the mentioned teams; the notification
routing reads them). Functions flush; the request layer commits."""

import re
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders.models import Order
from app.timeutil import utcnow

NOTE_MAX = 2000
MENTIONABLE = ("sales", "inventory", "fulfillment", "manager")
_MENTION = re.compile(r"(?<![\w@.])@(" + "|".join(MENTIONABLE) + r")\b", re.IGNORECASE)


class OrderNote(db.Model):
    """One note in an order's internal thread; `mentions`: the teams it told."""

    __tablename__ = "order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class NoteError(Refusal):
    """A note refused; the message is for the user."""


def mentioned_teams(body: str) -> list[str]:
    """The teams `@named` in `body`, in the order of MENTIONABLE, each once."""
    found = {m.lower() for m in _MENTION.findall(body)}
    return [team for team in MENTIONABLE if team in found]


def notes_of(order: Order) -> list[OrderNote]:
    """The order's thread, oldest first (the newest note is shown last)."""
    return list(db.session.execute(
        select(OrderNote).where(OrderNote.order_id == order.id).order_by(OrderNote.id)
    ).scalars())


def add_note(order: Order, actor, body: str) -> OrderNote:
    """Add a note to the order's thread; the teams it mentions are notified through the event."""
    body = (body or "").strip()
    if not body:
        raise NoteError("Write the note first.")
    if len(body) > NOTE_MAX:
        raise NoteError(f"Keep the note to {NOTE_MAX:,} characters or fewer.")
    mentions = mentioned_teams(body)
    note = OrderNote(order_id=order.id, author_id=actor.id if actor else None, body=body, mentions=mentions,
                     created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    told = f" (for {', '.join(mentions)})" if mentions else ""
    record_event("order.note", f"Note{told}: {body}", order=order, actor=actor,
                 after={"note": note.id, "mentions": mentions})
    return note
