"""Read-side helpers for order lists: search, queues and paging."""

from dataclasses import dataclass, field

from flask import current_app, request
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager, undefer

from app.customers.models import Customer
from app.extensions import db
from app.orders.models import Order, OrderLine
from app.timeutil import business_today


@dataclass(frozen=True)
class Queue:
    """A named list of orders on a dashboard: a filter and a sort order.

    A filter that depends on the day (like `late`) is given as a function, called per request.
    """

    key: str
    label: str
    where: tuple = ()
    order_by: tuple = (Order.status_changed_at.asc(),)
    empty: str = "Nothing here."
    columns: tuple = field(default=("promised",))


def search_filter(q: str):
    """Match an order by number, DRAFT-id, customer name or code, or customer reference."""
    term = f"%{q.strip()}%"
    clauses = [Order.number.ilike(term), Customer.name.ilike(term), Customer.code.ilike(term),
               Order.customer_reference.ilike(term)]
    ref = q.strip().upper()
    if ref.startswith("DRAFT-") and ref[6:].isdigit():
        clauses.append(Order.id == int(ref[6:]))
    return or_(*clauses)


def order_page(queue: Queue, q: str = "", page: int = 1):
    """One page of a queue's orders, with customer and totals loaded in the same query."""
    stmt = (
        select(Order)
        .join(Customer, Order.customer_id == Customer.id)
        .options(contains_eager(Order.customer), undefer(Order.list_total), undefer(Order.list_line_count))
        .where(*(clause() if callable(clause) else clause for clause in queue.where))
        .order_by(*queue.order_by, Order.id.desc())
    )
    if q.strip():
        stmt = stmt.where(search_filter(q))
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def late():
    """Promised for a day that has passed (in the business's time zone)."""
    return Order.promised_date < business_today()


def has_backorder():
    return exists().where(OrderLine.order_id == Order.id, OrderLine.qty_backordered > 0)


def list_args(queues: dict[str, Queue]) -> tuple[Queue, str, int]:
    """The queue, search text and page number asked for in the query string."""
    queue = queues.get(request.args.get("view", ""), next(iter(queues.values())))
    q = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int) or 1
    return queue, q, max(page, 1)
