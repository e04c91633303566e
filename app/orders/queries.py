"""Read-side helpers for order lists: search, queues and paging."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, exists, func, null, or_, select, union_all
from sqlalchemy.orm import contains_eager, undefer

from app.catalog.models import Product
from app.catalog.stock import reservations_held_by
from app.customers.models import Customer
from app.extensions import db
from app.orders.models import Order, OrderLine
from app.orders.refs import parse_ref
from app.orders.states import CLOSED_STATUSES, OPEN_STATUSES, STATUSES
from app.pagination import paginate
from app.textsearch import either, indexed, rows_with_text, starts_with, unindexed, words_of
from app.timeutil import utcnow

CLOSED_COUNT_DAYS = 30  # a closed status counts the orders that reached it in these last days
ORDER_TEXT = [Order.number, Order.customer_reference]
CUSTOMER_TEXT = [Customer.code, Customer.name]  # what an order search looks for in its customer


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
    """Match an order by number, DRAFT-id, customer name or code, or customer reference: every
    word of `q` in one of them (the text indexes answer, app/textsearch.py); a query shorter
    than three characters matches the start of the order number or customer code."""
    words = words_of(q)
    if indexed(words):
        clauses = [and_(*(either(Order, *word_branches(w)) for w in words))]
    else:  # two characters match most orders: read the list in its order, keep those that start so
        clauses = [starts_with([Order.number + ""], q.strip()),
                   unindexed(Order.customer_id).in_(select(Customer.id).where(starts_with([Customer.code], q.strip())))]
    parsed = parse_ref(q)
    if parsed is not None and parsed.draft_id is not None:
        clauses.append(Order.id == parsed.draft_id)
    return or_(*clauses)


def word_branches(word: str) -> tuple:
    """SQL: the two ways an order has a word of a search: in its own text (number, PO), or in
    its customer's (name, code). Each is answered by its own text index."""
    return (rows_with_text(Order, ORDER_TEXT, [word]),
            rows_with_text(Customer, CUSTOMER_TEXT, [word], key=Order.customer_id))


def queue_statement(queue: Queue, q: str = ""):
    """A queue's orders (searched for `q`), with customer and totals loaded in the same query:
    what its page shows and its CSV export lists."""
    stmt = (
        select(Order)
        .join(Customer, Order.customer_id == Customer.id)
        .options(contains_eager(Order.customer), undefer(Order.list_total), undefer(Order.list_line_count))
        .where(*(clause() if callable(clause) else clause for clause in queue.where))
        .order_by(*queue.order_by, Order.id.desc())
    )
    return stmt.where(search_filter(q)) if q.strip() else stmt


def order_page(queue: Queue, q: str = "", page: int = 1):
    """One page of a queue's orders."""
    return paginate(queue_statement(queue, q), page)


def has_backorder():
    return exists().where(OrderLine.order_id == Order.id, OrderLine.qty_backordered > 0)



@reservations_held_by
def reserved_by_open_orders() -> dict[int, int]:
    """Units of each product reserved by open orders (what stock checks reconcile against)."""
    rows = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.qty_reserved))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(OPEN_STATUSES))
        .group_by(OrderLine.product_id)
    )
    return {pid: int(total or 0) for pid, total in rows}


def with_order_and_customer(stmt):
    """Order lines (`stmt` joins their order) with the order and its customer loaded at once."""
    return stmt.options(contains_eager(OrderLine.order).joinedload(Order.customer))


def reservations_of(product, limit: int | None = None) -> list[OrderLine]:
    """The open orders' lines holding stock of `product`, soonest promised first (the first `limit`)."""
    return db.session.execute(with_order_and_customer(
        select(OrderLine).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id == product.id, OrderLine.qty_reserved > 0, Order.status.in_(OPEN_STATUSES))
        .order_by(Order.promised_date.is_(None), Order.promised_date, Order.id).limit(limit)
    )).scalars().all()


def open_lines_summary(product) -> dict:
    """How many open orders' lines hold stock of `product` and wait for it, and the units waiting."""
    reserving, waiting, backordered = db.session.execute(
        select(func.count(case((OrderLine.qty_reserved > 0, 1))), func.count(case((OrderLine.qty_backordered > 0, 1))),
               func.coalesce(func.sum(OrderLine.qty_backordered), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id == product.id, Order.status.in_(OPEN_STATUSES))
    ).one()
    return {"reserving": reserving, "waiting": waiting, "backordered": int(backordered)}


def products_waiting_for_stock(limit: int = 10) -> list:
    """(product, units on backorder, orders waiting) for the products open orders wait for most."""
    return db.session.execute(
        select(Product, func.sum(OrderLine.qty_backordered), func.count(func.distinct(OrderLine.order_id)))
        .join(OrderLine, OrderLine.product_id == Product.id).join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.qty_backordered > 0, Order.status.in_(OPEN_STATUSES))
        .group_by(Product.id).order_by(func.sum(OrderLine.qty_backordered).desc(), Product.sku).limit(limit)
    ).all()


def status_counts() -> list[dict]:
    """Per status: how many orders, and since when the oldest has waited in it. A closed status
    counts the orders that reached it in the last CLOSED_COUNT_DAYS days: a year of closed
    orders is history, not work, and counting it all would read the whole table each refresh."""
    waiting = [s for s in STATUSES if s not in CLOSED_STATUSES]
    since = utcnow() - timedelta(days=CLOSED_COUNT_DAYS)
    rows = db.session.execute(union_all(
        select(Order.status, func.count(Order.id), func.min(Order.status_changed_at))
        .where(Order.status.in_(waiting)).group_by(Order.status),
        select(Order.status, func.count(Order.id), null())
        .where(Order.status.in_(CLOSED_STATUSES), Order.status_changed_at >= since).group_by(Order.status),
    )).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    return [
        {"status": s, "count": found.get(s, (0, None))[0], "oldest": found.get(s, (0, None))[1],
         "recent_days": CLOSED_COUNT_DAYS if s in CLOSED_STATUSES else None}
        for s in STATUSES
    ]


def last_order_dates(customer_ids) -> dict:
    """When each of these customers last ordered (drafts left out), by customer id."""
    if not customer_ids:
        return {}
    return dict(db.session.execute(
        select(Order.customer_id, func.max(Order.created_at))
        .where(Order.customer_id.in_(customer_ids), Order.status != "draft").group_by(Order.customer_id)).all())
