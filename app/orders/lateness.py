"""Why an order is late, or at risk of being late, in the business's words.

- Late: promised for a day that has passed and not yet out of the building (confirmed,
  picking, packed or ready for pickup): `Order.late_on`, the one rule, in Python and SQL.
- Days late are business days (the calendar of app/orders/promising.py: weekends and
  public holidays do not count): the business days from the promised date up to today
  that ended without the order going out. Promised Friday, today Tuesday: Friday and
  Monday, 2 business days late.
- At risk: not late yet, promised within AT_RISK_BUSINESS_DAYS business days (today
  included) and not yet picked (confirmed or picking).

The reasons come from the order's state, most blocking first: on hold, a special request
nobody has decided, stock it waits for, where it stands in the warehouse, a confirmation
the customer has not had. `lateness_of` works on a page of orders in three queries,
whatever the number of orders.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from app.catalog.models import Product
from app.extensions import db
from app.formatting import day
from app.orders.communications import confirmation_sent
from app.orders.models import Order, OrderLine, SpecialRequest
from app.orders.promising import add_business_days, is_business_day
from app.orders.requests import kind_label
from app.orders.states import OPEN_STATUSES
from app.timeutil import business_today, local

AT_RISK_STATUSES = ("confirmed", "picking")  # not yet picked
MOST_SKUS = 3  # a stock reason names this many products, then "and N more"


@dataclass(frozen=True)
class Reason:
    kind: str  # hold | request | stock | stage | confirmation (most blocking first)
    text: str


@dataclass(frozen=True)
class Lateness:
    days_late: int  # business days past the promised date; 0 while not late
    at_risk: bool
    reasons: tuple[Reason, ...]
    days_left: int = 0  # at risk: business days before the promised date (0: due today)

    @property
    def late(self) -> bool:
        return self.days_late > 0


def risk_horizon(today: date) -> date:
    """The last promised date that counts as at risk today."""
    return add_business_days(today, current_app.config["AT_RISK_BUSINESS_DAYS"])


def late_orders():
    """SQL: the orders that are late today."""
    return Order.late_on(business_today())


def at_risk_orders():
    """SQL: the orders at risk today (not late yet, promised soon, not yet picked)."""
    today = business_today()
    return and_(Order.status.in_(AT_RISK_STATUSES), Order.promised_date >= today,
                Order.promised_date <= risk_horizon(today))


def late_and_at_risk_counts() -> tuple[int, int]:
    """(late, at risk) order counts, in one query over the open orders only."""
    row = db.session.execute(select(
        func.count(Order.id).filter(late_orders()), func.count(Order.id).filter(at_risk_orders()),
    ).where(Order.status.in_(OPEN_STATUSES))).one()
    return int(row[0]), int(row[1])


def business_days_late(promised: date, today: date) -> int:
    """Business days from `promised` (included) to `today` (excluded); at least 1 once past."""
    if promised >= today:
        return 0
    return max(_business_days_between(promised, today), 1)


def _business_days_between(first: date, end: date) -> int:
    """Business days from `first` (included) to `end` (excluded)."""
    return sum(1 for n in range((end - first).days) if is_business_day(first + timedelta(n)))


def lateness_of(orders, today: date | None = None) -> dict[int, Lateness]:
    """For each late or at-risk order among `orders`: its days late and its reasons (by order id).
    Other orders are left out. Three queries, however many orders."""
    today = today or business_today()
    horizon = risk_horizon(today)
    watched = [o for o in orders if _is_late(o, today) or _is_at_risk(o, today, horizon)]
    if not watched:
        return {}
    ids = [o.id for o in watched]
    lines, undecided, confirmed = _lines(ids), _undecided_requests(ids), _confirmed_to_customer(ids)
    return {
        o.id: Lateness(business_days_late(o.promised_date, today), not _is_late(o, today),
                       _reasons(o, today, lines.get(o.id, []), undecided.get(o.id, []), o.id in confirmed),
                       _business_days_between(today, o.promised_date))
        for o in watched
    }


def order_lateness(order) -> Lateness | None:
    """The lateness of one order, or None while it is neither late nor at risk."""
    return lateness_of([order]).get(order.id)


def _is_late(order, today: date) -> bool:
    return order.late_on(today)


def _is_at_risk(order, today: date, horizon: date) -> bool:
    return bool(order.promised_date) and order.status in AT_RISK_STATUSES and today <= order.promised_date <= horizon


def _lines(ids) -> dict[int, list]:
    """The orders' lines with their products: {order id: [(line, product)]}. The products are
    read by id apart: joined, PostgreSQL hashes all 20,000 of a year's catalogue for 200 lines."""
    lines = db.session.execute(
        select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.order_id, OrderLine.position)
    ).scalars().all()
    wanted = {line.product_id for line in lines}
    products = {p.id: p for p in db.session.execute(select(Product).where(Product.id.in_(wanted))).scalars()} \
        if wanted else {}
    return _by_order([(line, products[line.product_id]) for line in lines], lambda row: row[0].order_id)


def _undecided_requests(ids) -> dict[int, list]:
    rows = db.session.execute(
        select(SpecialRequest).where(SpecialRequest.order_id.in_(ids), SpecialRequest.status == "pending",
                                     SpecialRequest.not_promised.is_(False)).order_by(SpecialRequest.id)
    ).scalars().all()
    return _by_order(rows, lambda r: r.order_id)


def _confirmed_to_customer(ids) -> set[int]:
    return set(db.session.execute(select(Order.id).where(Order.id.in_(ids), confirmation_sent())).scalars())


def _by_order(rows, order_id) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(order_id(row), []).append(row)
    return grouped


def _reasons(order, today, lines, undecided, confirmed) -> tuple[Reason, ...]:
    short = [(line, product) for line, product in lines if line.qty_backordered]
    reasons = []
    if order.on_hold:
        reasons.append(Reason("hold", f"On hold: {order.hold_reason or 'no reason given'}"))
    if undecided:
        kinds = ", ".join(dict.fromkeys(kind_label(r.kind) for r in undecided))
        reasons.append(Reason("request", f"Special request undecided: {kinds}"))
    if short:
        reasons.append(Reason("stock", _waiting_for_stock(order, short, today)))
    stage = _stage(order, today, short and not any(line.qty_reserved for line, _ in lines))
    if stage:
        reasons.append(Reason("stage", stage))
    if not confirmed:
        reasons.append(Reason("confirmation", "Confirmation not sent"))
    return tuple(reasons)


def _waiting_for_stock(order, short, today) -> str:
    parts = [_shortage(order, line, product, today) for line, product in short[:MOST_SKUS]]
    more = f" and {len(short) - MOST_SKUS} more" if len(short) > MOST_SKUS else ""
    return f"Waiting for stock: {'; '.join(parts)}{more}"


def _shortage(order, line, product, today) -> str:
    """`SKU (3 short; …)`: stock already in the building that could be allocated, or the receipt
    the product's lead time expects (counted from confirmation), while that is still ahead."""
    detail = f"{line.qty_backordered} short"
    available = product.on_hand - product.reserved
    if available > 0:
        detail += f"; {available} in stock now, not yet allocated"
    elif order.confirmed_at is not None:
        expected = add_business_days(local(order.confirmed_at).date(), product.lead_time_days)
        if expected >= today:
            detail += f"; expected {day(expected)} by its {product.lead_time_days}-day lead time"
    return f"{line.sku} ({detail})"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _stage(order, today, nothing_to_pick: bool) -> str | None:
    """Where the order stands in the warehouse, and for how long (calendar days)."""
    since = (today - local(order.status_changed_at).date()).days
    if order.status == "confirmed":
        if nothing_to_pick:
            return None  # every unit waits for stock: the stock reason says it all
        return f"Not picked yet: confirmed {_ago(since)}"
    if order.status == "picking":
        return f"In picking for {_days(since)}" if since else "In picking since today"
    if order.status == "packed":
        then = "not dispatched" if order.method == "delivery" else "not yet ready for pickup"
        return f"Packed {_ago(since)}, {then}"
    if order.status == "ready_for_pickup":
        return f"Ready for pickup {'for ' + _days(since) if since else 'since today'}, awaiting collection"
    return None


def _ago(n: int) -> str:
    return f"{_days(n)} ago" if n else "today"
