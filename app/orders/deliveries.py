"""Dispatched orders waiting to be marked delivered: by a person, several at once, or
automatically AUTO_DELIVER_AFTER_DAYS days after dispatch (0: never)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.orders import lifecycle
from app.orders.models import Order
from app.timeutil import business_today, local, utcnow

AUTO_BATCH = 500  # orders per housekeeping run; a backlog is worked off over the next runs


def awaiting_delivery():
    """SQL: out for delivery, not yet marked delivered."""
    return Order.status == "dispatched"


def days_since(moment) -> int:
    """Whole calendar days (business time) from `moment` (stored UTC) to today."""
    return (business_today() - local(moment).date()).days


def orders_to_deliver(ids) -> list[Order]:
    """The orders with these ids, oldest dispatch first."""
    return db.session.execute(
        select(Order).where(Order.id.in_(ids)).order_by(Order.status_changed_at, Order.id)
    ).scalars().all()


def mark_delivered(orders, actor, note: str = "") -> int:
    """Mark each order delivered through the lifecycle (one event each) and return how many.

    An order already delivered is left as it is (someone else marked it a moment ago); any
    other order that cannot be delivered refuses the whole batch, naming it."""
    marked = 0
    for order in orders:
        if order.status == "delivered":
            continue
        try:
            lifecycle.apply(order, "deliver", actor, note)
        except lifecycle.TransitionError as refused:
            raise type(refused)(f"{order.ref}: {refused}") from refused
        marked += 1
    db.session.flush()
    return marked


def deliver_automatically() -> str | None:
    """Housekeeping: mark delivered what has been out for delivery AUTO_DELIVER_AFTER_DAYS days
    (held orders wait). Idempotent: a delivered order is no longer picked up."""
    days = current_app.config["AUTO_DELIVER_AFTER_DAYS"]
    if days <= 0:
        return None
    due = db.session.execute(
        select(Order).where(awaiting_delivery(), Order.on_hold.is_(False),
                            Order.status_changed_at <= utcnow() - timedelta(days=days))
        .order_by(Order.status_changed_at, Order.id).limit(AUTO_BATCH)
    ).scalars().all()
    marked = mark_delivered(due, None, f"automatically after {days} days")
    return f"{marked} order{'s' if marked != 1 else ''} marked delivered automatically after {days} days" if marked else None
