"""Writing to the append-only event log.

The log is also the live feed. On PostgreSQL writers run in parallel, so event ids (from
a sequence, at INSERT) do not become visible in id order; each event therefore keeps the
id of the transaction that wrote it (`txid`, a column default), and the feed reads by
transaction, never past one still running (app/live/feed.py). On SQLite one writer
commits at a time (BEGIN IMMEDIATE), so ids are in commit order anyway.
"""

from blinker import Namespace

from app.events.models import Event
from app.extensions import db
from app.timeutil import utcnow

signals = Namespace()
# Sent in the writer's transaction for every event recorded, with `event` and `order`:
# other capabilities react here (notifications reach the teams that must act).
event_recorded = signals.signal("event-recorded")


def record_event(kind, summary, *, order=None, actor=None, before=None, after=None, customer=None) -> Event:
    """Append one event (who, when, what, before/after) to the log and return it.

    An order's event belongs to the order's customer too; `customer` ties an event that has
    no order to a customer (the audit log finds it under the customer).

    Whoever listens to `event_recorded` reacts in the same transaction (the notifications
    for the teams that must act: app/notifications/routing.py).
    """
    event = Event(
        created_at=utcnow(),  # when it happened, not when the session happens to flush
        kind=kind,
        summary=summary[:300],
        order_id=order.id if order is not None else None,
        customer_id=_customer_id(order, customer),
        actor_id=actor.id if actor is not None else None,
        before=before,
        after=after,
    )
    db.session.add(event)
    event_recorded.send(event, order=order)
    return event


def _customer_id(order, customer) -> int | None:
    if customer is not None:
        return customer.id
    return order.customer_id if order is not None else None
