"""Writing to the append-only event log."""

from app.events.models import Event
from app.extensions import db


def record_event(kind, summary, *, order=None, actor=None, before=None, after=None) -> Event:
    """Append one event (who, when, what, before/after) to the log and return it."""
    event = Event(
        kind=kind,
        summary=summary[:300],
        order_id=order.id if order is not None else None,
        actor_id=actor.id if actor is not None else None,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
