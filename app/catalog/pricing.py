"""What a customer pays for a product on a day and at a quantity, and why.

The first that applies wins:
1. the customer's own price (CustomerPrice valid that day, from a quantity at most the one
   ordered: the one from the highest quantity);
2. the customer's price list (Customer.price_list_id, only while the list is active; same rule);
3. the best (cheapest) general quantity break reached, valid that day, if below the list price;
4. the list price.
A row is valid on a day from its valid_from (None: always) to its valid_to (None: until
changed; inclusive when set).
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm.util import identity_key

from app.catalog.models import CustomerPrice, PriceBreak, PriceList, PriceListItem, Product
from app.customers.models import Customer
from app.extensions import db
from app.formatting import entry_date
from app.timeutil import business_today

SOURCE_LABELS = {"list": "List price", "customer": "Customer price", "price_list": "Price list",
                 "break": "Quantity break"}


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    source: str  # list | customer | price_list | break
    list_price: Decimal
    reason: str = "List price"  # in words: which price applies and why

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


def valid_on(model, on: date):
    """The SQL condition: a row of `model` (valid_from/valid_to) applies on day `on`."""
    return (or_(model.valid_from.is_(None), model.valid_from <= on),
            or_(model.valid_to.is_(None), model.valid_to >= on))


def _until(valid_to: date | None) -> str:
    return f", until {entry_date(valid_to)}" if valid_to else ""


def list_title(name: str) -> str:
    """"Trade" → "Trade price list"; a name that already says it is kept."""
    return name if "list" in name.lower() else f"{name} price list"


def price_for(customer_id: int | None, product: Product, quantity: int = 1, on: date | None = None) -> Price:
    """The unit price `customer_id` pays for `quantity` of `product` on day `on` (default today)."""
    return prices_for(customer_id, [(product, quantity)], on)[0]


def prices_for(customer_id: int | None, wanted: list[tuple[Product, int]], on: date | None = None) -> list[Price]:
    """Prices for several (product, quantity) pairs on day `on` (default the business's today)
    in at most three queries whatever the number of lines (a whole order's lines)."""
    if not wanted:
        return []
    on = on or business_today()
    own, listed, breaks = _rows(customer_id, [product.id for product, _ in wanted], on)
    return [_resolve(product, quantity, own, listed, breaks) for product, quantity in wanted]


# The rows read so far inside `rows_remembered()`: {(customer_id, day): (own, listed, breaks, ids)}
_remembered: ContextVar[dict | None] = ContextVar("price_rows", default=None)


@contextmanager
def rows_remembered():
    """Inside the block, each product's price rows are read once (a request that prices the
    new line and then every line, such as adding a line to a draft). Only for work that
    changes no price."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def read_ahead(customer_id: int | None, product_ids, on: date | None = None) -> None:
    """Inside `rows_remembered()`: read the rows of all these products now, in one go."""
    if _remembered.get() is not None and product_ids:
        _rows(customer_id, list(product_ids), on or business_today())


def _rows(customer_id: int | None, ids: list[int], on: date) -> tuple[dict, dict, dict]:
    """The customer's own, price-list and quantity-break rows of these products on day `on`."""
    memo = _remembered.get()
    if memo is None:
        return _read_rows(customer_id, list(dict.fromkeys(ids)), on)
    own, listed, breaks, known = memo.setdefault((customer_id, on), ({}, {}, {}, set()))
    missing = [i for i in dict.fromkeys(ids) if i not in known]
    if missing:
        for kept, read in zip((own, listed, breaks), _read_rows(customer_id, missing, on), strict=True):
            kept.update(read)
        known.update(missing)
    return own, listed, breaks


def _read_rows(customer_id: int | None, ids: list[int], on: date) -> tuple[dict, dict, dict]:
    own = _customer_rows(customer_id, ids, on)
    listed = _price_list_rows(customer_id, ids, on)
    breaks: dict[int, list[tuple]] = {}
    for row in db.session.execute(
        select(PriceBreak.product_id, PriceBreak.min_quantity, PriceBreak.unit_price, PriceBreak.valid_to)
        .where(PriceBreak.product_id.in_(ids), *valid_on(PriceBreak, on))
        .order_by(PriceBreak.min_quantity.desc(), PriceBreak.unit_price)
    ):
        breaks.setdefault(row.product_id, []).append(row)
    return own, listed, breaks


def _first(rows, quantity):
    return next((row for row in rows if row.min_quantity <= quantity), None)


def _resolve(product: Product, quantity: int, own: dict, listed: dict, breaks: dict) -> Price:
    mine = _first(own.get(product.id, []), quantity)
    if mine is not None:
        return Price(mine.unit_price, "customer", product.unit_price,
                     f"Customer price for {mine.code} (from {mine.min_quantity}{_until(mine.valid_to)})")
    item = _first(listed.get(product.id, []), quantity)
    if item is not None:
        return Price(item.unit_price, "price_list", product.unit_price,
                     f"{list_title(item.name)} (from {item.min_quantity}{_until(item.valid_to)})")
    best = min((row for row in breaks.get(product.id, []) if row.min_quantity <= quantity),
               key=lambda row: row.unit_price, default=None)
    if best is not None and best.unit_price < product.unit_price:
        return Price(best.unit_price, "break", product.unit_price,
                     f"Quantity break from {best.min_quantity}{_until(best.valid_to)}")
    return Price(product.unit_price, "list", product.unit_price, "List price")


def _customer_rows(customer_id: int | None, ids: list[int], on: date) -> dict[int, list]:
    """The customer's prices valid on `on`, per product, highest minimum quantity first (the
    latest start first between two of the same minimum)."""
    if customer_id is None:
        return {}
    rows: dict[int, list] = {}
    for row in db.session.execute(
        select(CustomerPrice.product_id, CustomerPrice.min_quantity, CustomerPrice.unit_price,
               CustomerPrice.valid_to, Customer.code)
        .join(Customer, Customer.id == CustomerPrice.customer_id)
        .where(CustomerPrice.customer_id == customer_id, CustomerPrice.product_id.in_(ids),
               *valid_on(CustomerPrice, on))
        .order_by(CustomerPrice.min_quantity.desc(), CustomerPrice.valid_from.desc().nulls_last())
    ):
        rows.setdefault(row.product_id, []).append(row)
    return rows


def _price_list_rows(customer_id: int | None, ids: list[int], on: date) -> dict[int, list]:
    """The items of the customer's active price list valid on `on`, per product, like above."""
    if customer_id is None:
        return {}
    loaded = db.session.identity_map.get(identity_key(Customer, customer_id))
    if loaded is not None and "price_list_id" in loaded.__dict__ and loaded.price_list_id is None:
        return {}  # the customer is at hand and has no price list: nothing to ask the database
    rows: dict[int, list] = {}
    for row in db.session.execute(
        select(PriceListItem.product_id, PriceListItem.min_quantity, PriceListItem.unit_price,
               PriceListItem.valid_to, PriceList.name)
        .join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .join(Customer, Customer.price_list_id == PriceList.id)
        .where(Customer.id == customer_id, PriceList.active.is_(True), PriceListItem.product_id.in_(ids),
               *valid_on(PriceListItem, on))
        .order_by(PriceListItem.min_quantity.desc(), PriceListItem.valid_from.desc().nulls_last())
    ):
        rows.setdefault(row.product_id, []).append(row)
    return rows


def customer_prices(customer_id: int | None, product_ids: list[int]) -> dict[int, Decimal]:
    """Agreed prices of one customer for several products at once (for lookup lists): the
    price from one piece valid today."""
    if customer_id is None or not product_ids:
        return {}
    rows = db.session.execute(
        select(CustomerPrice.product_id, CustomerPrice.unit_price).where(
            CustomerPrice.customer_id == customer_id, CustomerPrice.product_id.in_(product_ids),
            CustomerPrice.min_quantity == 1, *valid_on(CustomerPrice, business_today()))
        .order_by(CustomerPrice.valid_from.asc().nulls_first())
    ).all()
    return dict(rows)


def active_price_lists() -> list[PriceList]:
    """The price lists a customer can be put on (for the customer form's select), by name."""
    return list(db.session.execute(
        select(PriceList).where(PriceList.active.is_(True)).order_by(PriceList.name)).scalars())


def floor_price(list_price: Decimal, floor_ratio: Decimal) -> Decimal:
    """The lowest price sales may give without a manager."""
    return (list_price * floor_ratio).quantize(Decimal("0.01"))
