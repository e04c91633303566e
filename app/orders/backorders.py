"""Backorders: units ordered but not reserved, waiting for stock, and their allocation."""

from sqlalchemy import select

from app.catalog import services as stock
from app.events.services import record_event
from app.extensions import db
from app.orders.models import Order, OrderLine
from app.orders.queries import with_order_and_customer
from app.orders.states import OPEN_STATUSES
from app.timeutil import utcnow

_WAITING = (OrderLine.qty_backordered > 0, Order.status.in_(OPEN_STATUSES))


def waiting_lines(product_id: int, *, locked: bool = False, limit: int | None = None) -> list[OrderLine]:
    """Open order lines waiting for `product_id`, oldest promised date first (the first
    `limit`), with their order and customer.

    `locked`: first lock their orders' rows (in id order, so two allocations never wait
    for each other in a circle) and read the lines as they are once the locks are held: on
    PostgreSQL an order's other writers may be at work at the same moment."""
    if locked:
        db.session.execute(select(Order).join(OrderLine, OrderLine.order_id == Order.id)
                           .where(OrderLine.product_id == product_id, *_WAITING).order_by(Order.id)
                           .with_for_update(of=Order).execution_options(populate_existing=True)).all()
    return list(db.session.execute(with_order_and_customer(
        select(OrderLine).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id == product_id, *_WAITING)
        .order_by(Order.promised_date.is_(None), Order.promised_date, Order.confirmed_at, Order.id)
        .limit(limit).execution_options(populate_existing=locked)
    )).scalars())


def allocate_backorders(product, actor) -> list[tuple[OrderLine, int]]:
    """Reserve available units of `product` for waiting orders, oldest promise first.

    Each reservation is a conditional UPDATE, so a seller taking the same units at the
    same moment cannot oversell; what is reserved comes off the line's backorder. The
    orders are locked while their lines are read and changed, and each one changed takes a
    new version, so a form opened on it before is refused as a conflict, never saved over it.
    """
    allocated = []
    for line in waiting_lines(product.id, locked=True):
        taken = stock.reserve_up_to(product.id, line.qty_backordered)
        if taken == 0:
            break
        line.qty_reserved += taken
        line.qty_backordered -= taken
        line.order.updated_at = utcnow()  # a new version: a stale form cannot undo this allocation
        allocated.append((line, taken))
        record_event("order.backorder_allocated",
                     f"{line.sku}: {taken} received unit(s) reserved for the backorder"
                     f"{f' ({line.qty_backordered} still waiting)' if line.qty_backordered else ''}",
                     order=line.order, actor=actor,
                     after={"sku": line.sku, "reserved": taken, "still_backordered": line.qty_backordered})
    db.session.flush()
    return allocated
