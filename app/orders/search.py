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

from flask import current_app
from sqlalchemy import exists, select, union_all
from sqlalchemy.orm import undefer

from app.catalog.models import Product
from app.extensions import db
from app.orders.lateness import late_orders
from app.orders.models import Order, OrderLine, Shipment
from app.orders.queries import Queue, queue_statement, search_filter, word_branches
from app.orders.refs import parse_ref
from app.orders.teams import with_team
from app.pagination import paginate
from app.textsearch import (
    MIN_WORD,
    either,
    finds_many,
    indexed,
    rows_with_text,
    starts_with,
    words_of,
)
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
    products = select(Product.id).where(found)
    if finds_many(products):  # most orders have such a line: check each order as the list is read
        return exists().where(OrderLine.order_id == Order.id, OrderLine.product_id.in_(products))
    # a few products: the orders of their lines (a correlated EXISTS made SQLite look into every
    # order's lines, 200 ms over a year, for a SKU on 40 orders)
    return Order.id.in_(select(OrderLine.order_id).where(OrderLine.product_id.in_(products)))


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


def conditions(s: OrderSearch, filters: list | None = None) -> list:
    """The WHERE conditions of the search: its free text's, then `filters` (default: worked
    out here)."""
    return ([search_filter(s.q)] if s.q else []) + (filter_conditions(s) if filters is None else filters)


def filter_conditions(s: OrderSearch) -> list:
    """The WHERE conditions of the search's filters (all but its free text)."""
    where = []
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


def search_statement(s: OrderSearch, where: list | None = None):
    """The orders the search finds (`where`: its conditions, if already worked out), sorted as
    asked, with what the list shows (customer, totals, the team each waits for) loaded in the
    same query."""
    where = conditions(s) if where is None else where
    found = Queue("search", "Search", tuple(where), SORTS.get(s.sort, SORTS["newest"])[1])
    return queue_statement(found).options(undefer(Order.owning_team))


def first_orders(s: OrderSearch, count: int, filters: list):
    """SQL: the ids of the search's first `count` orders in its sort (or a few more), read
    without the columns the list shows, so that only the page's rows work those out (SQLite
    computes every column of every row it sorts: a status that 70,000 orders share took
    300 ms). A search with a word the text indexes answer is taken apart through each way the
    word can match (the orders' own text, their customers', a DRAFT-id), each way sorted with
    the limit: a surname that 250 customers share finds 5,000 orders, and each index is then
    read only for what the pages up to `count` show. `filters`: `filter_conditions(s)`."""
    sort = (*SORTS.get(s.sort, SORTS["newest"])[1], Order.id.desc())
    words = words_of(s.q)
    if not s.q.strip() or not indexed(words):
        return select(Order.id).where(*conditions(s, filters)).order_by(*sort).limit(count)
    first = next(i for i, w in enumerate(words) if len(w) >= MIN_WORD)
    rest = [either(Order, *word_branches(w)) for i, w in enumerate(words) if i != first] + filters
    ways = list(word_branches(words[first]))
    parsed = parse_ref(s.q)
    if parsed is not None and parsed.draft_id is not None:
        ways.append(Order.id == parsed.draft_id)
    firsts = [select(Order.id).where(way, *rest).order_by(*sort).limit(count).subquery() for way in ways]
    return union_all(*(select(f.c.id) for f in firsts))


def search_page(s: OrderSearch, page: int):
    """Page `page` of the search: its rows read among its first orders (`first_orders`), its
    count from the whole search's conditions (capped). The filters are worked out once (a
    SKU's asks how many products it finds)."""
    filters = filter_conditions(s)
    where = conditions(s, filters)
    first = first_orders(s, max(page, 1) * current_app.config["PAGE_SIZE"], filters)
    counted = select(Order.id).where(*where)  # what the list counts needs no customer row
    return paginate(search_statement(s, where).where(Order.id.in_(first)), page, count_of=counted)


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
