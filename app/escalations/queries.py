"""Reading escalations: the manager's list, an order's open ones, the dashboard tile."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.customers.models import Customer
from app.escalations.models import Escalation
from app.extensions import db
from app.orders.models import Order
from app.orders.queries import search_filter
from app.pagination import paginate

OPEN = Escalation.status == "open"
# The list's tabs: label, filter (given the viewer) and order.
VIEWS = {
    "open": ("Open", lambda user: (OPEN,), (Escalation.created_at.asc(),)),
    "mine": ("Mine", lambda user: (OPEN, Escalation.assignee_id == user.id), (Escalation.created_at.asc(),)),
    "resolved": ("Resolved", lambda user: (Escalation.status == "resolved",), (Escalation.resolved_at.desc(),)),
}


def escalation_page(view: str, user, q: str = "", page: int = 1):
    """One page of a tab of escalations (open: oldest first), searchable by order number or customer."""
    return paginate(escalation_list(view, user, q), page)


def escalation_list(view: str, user, q: str = ""):
    """A tab of escalations as a statement (every row: to page, or to export)."""
    _label, where, order_by = VIEWS[view]
    stmt = (select(Escalation).join(Order, Order.id == Escalation.order_id)
            .join(Customer, Customer.id == Order.customer_id)
            .options(contains_eager(Escalation.order).contains_eager(Order.customer),
                     joinedload(Escalation.raised_by), joinedload(Escalation.assignee))
            .where(*where(user)).order_by(*order_by, Escalation.id))
    if q:
        stmt = stmt.where(search_filter(q))
    return stmt


def open_for_order(order) -> list[Escalation]:
    """The order's open escalations, oldest first."""
    return db.session.execute(
        select(Escalation).where(Escalation.order_id == order.id, OPEN).order_by(Escalation.id)
    ).scalars().all()


@dataclass(frozen=True)
class Tile:
    open: int
    oldest: datetime | None
    unassigned: int


def tile() -> Tile:
    """Open escalations in figures: how many, since when the oldest waits, how many nobody has."""
    count, oldest, unassigned = db.session.execute(
        select(func.count(Escalation.id), func.min(Escalation.created_at),
               func.count(Escalation.id).filter(Escalation.assignee_id.is_(None))).where(OPEN)
    ).one()
    return Tile(count, oldest, unassigned)
