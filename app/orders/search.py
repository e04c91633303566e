"""One search over every order: the filters a person can combine, the one statement they
build (used by the search page, its CSV export and the saved searches), and the rows of
an order list as CSV.

Every filter is answered by an index or a small table: number, PO and created date are
indexed on orders; a SKU is looked up among products (unique index) and matched to order
lines by product (indexed); dispatch dates come from shipments (indexed by order). There is
free text matches parts of the number, PO and customer name/code through the databases'
text indexes (app/textsearch.py).
"""

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import undefer

from app.catalog.models import Product
from app.extensions import db
from app.orders.lateness import late_orders
from app.orders.models import Order, OrderLine, Shipment
from app.orders.queries import Queue, queue_statement, search_filter
from app.orders.teams import with_team
from app.textsearch import indexed, rows_with_text, starts_with
from app.timeutil import local, utc_start_of

DATE_FIELDS = {"created": "Created", "promised": "Promised", "dispatched": "Dispatched"}
SORTS = {
    "newest": ("Newest first", (Order.created_at.desc(),)),
    "oldest": ("Oldest first", (Order.created_at.asc(),)),
    "promised": ("Promised date", (Order.promised_date.is_(None), Order.promised_date.asc())),
    "number": ("Order number", (Order.number.is_(None), Order.number.asc())),
}
CSV_HEADER = ("order", "status", "customer_code", "customer", "customer_reference", "channel", "method",
              "lines", "total", "promised", "late", "on_hold", "with_team", "created")
CSV_CHUNK = 500


@dataclass(frozen=True)
class OrderSearch:
    """What a person asked for; empty fields do not filter. Dates are business days, inclusive."""

    q: str = ""  # order number, DRAFT-id, customer name or code, customer PO
    sku: str = ""  # orders with a line of this SKU (or SKUs starting with it)
    dates: str = "created"  # which date `start`/`end` bound: a key of DATE_FIELDS
    start: date | None = None
    end: date | None = None
    status: tuple[str, ...] = ()
    channel: str = ""
    team: str = ""  # the team the order waits for now (app/orders/teams.py)
    late: bool = False
    sort: str = "newest"

    def as_args(self) -> dict:
        """The search as query arguments, empty ones and defaults left out (a bookmarkable URL)."""
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value and value != f.default:
                args[f.name] = value.isoformat() if isinstance(value, date) else list(value) if isinstance(value, tuple) \
                    else "y" if value is True else value
        if not (self.start or self.end):
            args.pop("dates", None)
        return args

    @property
    def active(self) -> bool:
        """Does it filter anything (the sort alone does not)?"""
        return bool({k: v for k, v in self.as_args().items() if k != "sort"})

    def replace(self, **changes) -> "OrderSearch":
        return OrderSearch(**{**asdict(self), **changes})


def has_sku(sku: str):
    """SQL: the order has a line of a product whose SKU has `sku` in it (any case; shorter than
    three characters: starts with it)."""
    sku = sku.strip()
    found = rows_with_text(Product, [Product.sku], [sku]) if indexed([sku]) else starts_with([Product.sku], sku)
    return exists().where(OrderLine.order_id == Order.id, OrderLine.product_id.in_(select(Product.id).where(found)))


def _between(column, start, end) -> list:
    return [*([column >= start] if start is not None else []), *([column < end] if end is not None else [])]


def date_conditions(s: OrderSearch) -> list:
    """SQL: the chosen date within [start, end] (business days; stored times are UTC)."""
    if not (s.start or s.end):
        return []
    if s.dates == "promised":
        return [*([Order.promised_date >= s.start] if s.start else []), *([Order.promised_date <= s.end] if s.end else [])]
    start = utc_start_of(s.start) if s.start else None
    end = utc_start_of(s.end + timedelta(days=1)) if s.end else None
    if s.dates == "dispatched":
        return [exists().where(Shipment.order_id == Order.id, *_between(Shipment.created_at, start, end))]
    return _between(Order.created_at, start, end)


def conditions(s: OrderSearch) -> list:
    """The WHERE conditions of the search."""
    where = []
    if s.q:
        where.append(search_filter(s.q))
    if s.sku:
        where.append(has_sku(s.sku))
    where += date_conditions(s)
    if s.status:
        where.append(Order.status.in_(s.status))
    if s.channel:
        where.append(Order.channel == s.channel)
    if s.team:
        where.append(with_team(s.team))
    if s.late:
        where.append(late_orders())
    return where


def search_statement(s: OrderSearch):
    """The orders the search finds, sorted as asked, with what the list shows (customer,
    totals, the team each waits for) loaded in the same query."""
    found = Queue("search", "Search", tuple(conditions(s)), SORTS.get(s.sort, SORTS["newest"])[1])
    return queue_statement(found).options(undefer(Order.owning_team))


def csv_row(o: Order) -> tuple:
    return (o.ref, o.status, o.customer.code, o.customer.name, o.customer_reference, o.channel, o.method,
            o.list_line_count, f"{o.list_total:.2f}", o.promised_date.isoformat() if o.promised_date else "",
            "yes" if o.is_late else "no", "yes" if o.on_hold else "no", o.owning_team or "",
            local(o.created_at).strftime("%Y-%m-%d %H:%M"))


def csv_rows(stmt) -> Iterator[tuple]:
    """Every order `stmt` finds as a CSV row, read CSV_CHUNK at a time (an export of a whole
    year holds one chunk in memory)."""
    stmt = stmt.options(undefer(Order.owning_team)).execution_options(yield_per=CSV_CHUNK)
    for o in db.session.execute(stmt).scalars():
        yield csv_row(o)
