"""Keeping agreed prices: price lists and their items, and each customer's own prices.

Every change of a price is written to the product's price history (`record_price_change`)
and to the event log as "price.changed". Services flush; the request (or command) commits.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from app.catalog.models import CustomerPrice, PriceList, PriceListItem, Product, record_price_change
from app.catalog.pricing import list_title
from app.customers.models import Customer
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.formatting import entry_date
from app.timeutil import business_today, utcnow

CENT = Decimal("0.01")
PRICE_MAX = Decimal("1000000")


class PriceRefused(Refusal):
    """A price that cannot be saved; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- price lists ------------------------------------------------------------------------------

def price_list_by_code(code: str) -> PriceList | None:
    return db.session.execute(
        select(PriceList).where(func.upper(PriceList.code) == (code or "").strip().upper())).scalar_one_or_none()


def create_price_list(code: str, name: str, actor) -> PriceList:
    code, name = code.strip().upper(), name.strip()
    if not code or not name:
        raise PriceRefused("Give the list a code and a name.", "code" if not code else "name")
    if price_list_by_code(code) is not None:
        raise PriceRefused(f"There is already a price list {code}.", "code")
    price_list = PriceList(code=code, name=name, active=True)
    db.session.add(price_list)
    db.session.flush()
    record_event("price_list.created", f"Price list {code} created: {name}", actor=actor, after={"code": code, "name": name})
    return price_list


def rename_price_list(price_list: PriceList, name: str, actor) -> None:
    name = name.strip()
    if not name:
        raise PriceRefused("Give the list a name.", "name")
    if name == price_list.name:
        return
    before, price_list.name = price_list.name, name
    record_event("price_list.renamed", f"Price list {price_list.code} renamed from {before} to {name}",
                 actor=actor, before={"name": before}, after={"name": name})


def set_price_list_active(price_list: PriceList, active: bool, actor) -> None:
    """Deactivate (its customers pay their own, break or list prices) or reactivate a list."""
    if price_list.active == active:
        return
    price_list.active = active
    record_event("price_list." + ("activated" if active else "deactivated"),
                 f"Price list {price_list.code} {'active again' if active else 'deactivated'}",
                 actor=actor, before={"active": not active}, after={"active": active})


def customers_on(price_list: PriceList) -> list[Customer]:
    return list(db.session.execute(
        select(Customer).where(Customer.price_list_id == price_list.id).order_by(Customer.code)).scalars())


# --- checks shared by list items and customer prices ------------------------------------------

def product_for_sku(sku: str) -> Product:
    product = db.session.execute(
        select(Product).where(func.upper(Product.sku) == (sku or "").strip().upper())).scalar_one_or_none()
    if product is None:
        raise PriceRefused(f"There is no product {sku.strip()[:40]}.", "sku")
    return product


def _check(unit_price: Decimal, min_quantity: int, valid_from: date | None, valid_to: date | None) -> Decimal:
    if unit_price is None or not unit_price.is_finite() or unit_price < 0 or unit_price > PRICE_MAX:
        raise PriceRefused("The price must be from 0 to 1,000,000.", "unit_price")
    if unit_price != unit_price.quantize(CENT):
        raise PriceRefused("Give the price with at most 2 decimals, like 12.50.", "unit_price")
    if min_quantity is None or min_quantity < 1:
        raise PriceRefused("The price applies from a quantity of 1 or more.", "min_quantity")
    if valid_from and valid_to and valid_to < valid_from:
        raise PriceRefused("The last day cannot be before the first day.", "valid_to")
    return unit_price.quantize(CENT)


def _overlapping(model, owner, row_id, product_id, min_quantity, valid_from, valid_to):
    """Another row of the same owner, product and minimum quantity whose days overlap these."""
    stmt = select(model).where(owner, model.product_id == product_id, model.min_quantity == min_quantity)
    if row_id is not None:
        stmt = stmt.where(model.id != row_id)
    if valid_to is not None:
        stmt = stmt.where(or_(model.valid_from.is_(None), model.valid_from <= valid_to))
    if valid_from is not None:
        stmt = stmt.where(or_(model.valid_to.is_(None), model.valid_to >= valid_from))
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def _window(valid_from, valid_to) -> str:
    if not valid_from and not valid_to:
        return "always"
    return " to ".join([entry_date(valid_from) if valid_from else "the start",
                        entry_date(valid_to) if valid_to else "further notice"])


def _changed(product: Product, what: str, old, new, actor, detail: str, customer=None) -> None:
    record_price_change(product.id, what, old, new, actor.id if actor else None)
    product.updated_at = utcnow()
    record_event("price.changed", f"{product.sku}: {what}: {_money(old)} → {_money(new)} ({detail})",
                 actor=actor, customer=customer,
                 before={"sku": product.sku, "what": what, "price": _plain(old)},
                 after={"sku": product.sku, "what": what, "price": _plain(new), "valid": detail})


def _money(value) -> str:
    return "none" if value is None else f"{Decimal(value):.2f}"


def _plain(value):
    return None if value is None else f"{Decimal(value):.2f}"


# --- price list items -------------------------------------------------------------------------

def save_list_item(price_list: PriceList, sku: str, min_quantity: int, unit_price: Decimal,
                   valid_from: date | None, valid_to: date | None, actor, item: PriceListItem | None = None
                   ) -> PriceListItem:
    """Add an item to the list, or change `item`."""
    product = product_for_sku(sku)
    unit_price = _check(unit_price, min_quantity, valid_from, valid_to)
    if _overlapping(PriceListItem, PriceListItem.price_list_id == price_list.id, item.id if item else None,
                    product.id, min_quantity, valid_from, valid_to):
        raise PriceRefused(f"{list_title(price_list.name)} already has a price for {product.sku} from "
                           f"{min_quantity} on some of these days; change or end that one.", "valid_from")
    old = None
    if item is None:
        item = PriceListItem(price_list=price_list, product=product)
        db.session.add(item)
    else:
        old = item.unit_price if item.product_id == product.id and item.min_quantity == min_quantity else None
    item.product, item.product_id, item.min_quantity, item.unit_price = product, product.id, min_quantity, unit_price
    item.valid_from, item.valid_to = valid_from, valid_to
    db.session.flush()
    _changed(product, f"Price list {price_list.code} from {min_quantity}", old, unit_price, actor,
             _window(valid_from, valid_to))
    return item


def remove_list_item(item: PriceListItem, actor) -> None:
    product, price_list = item.product, item.price_list
    _changed(product, f"Price list {price_list.code} from {item.min_quantity}", item.unit_price, None, actor, "removed")
    price_list.items.remove(item)
    db.session.flush()


# --- customer prices --------------------------------------------------------------------------

def customer_price_rows(customer: Customer) -> list[tuple[CustomerPrice, Product]]:
    return list(db.session.execute(
        select(CustomerPrice, Product).join(Product, Product.id == CustomerPrice.product_id)
        .where(CustomerPrice.customer_id == customer.id)
        .order_by(Product.sku, CustomerPrice.min_quantity, CustomerPrice.valid_from.asc().nulls_first())).all())


def save_customer_price(customer: Customer, sku: str, min_quantity: int, unit_price: Decimal,
                        valid_from: date | None, valid_to: date | None, actor, row: CustomerPrice | None = None
                        ) -> CustomerPrice:
    """Agree a price with the customer, or change the agreed price `row`."""
    product = product_for_sku(sku)
    unit_price = _check(unit_price, min_quantity, valid_from, valid_to)
    if _overlapping(CustomerPrice, CustomerPrice.customer_id == customer.id, row.id if row else None,
                    product.id, min_quantity, valid_from, valid_to):
        raise PriceRefused(f"{customer.code} already has a price for {product.sku} from {min_quantity} on some "
                           "of these days; change or end that one.", "valid_from")
    old = None
    if row is None:
        row = CustomerPrice(customer_id=customer.id)
        db.session.add(row)
    elif row.product_id == product.id and row.min_quantity == min_quantity:
        old = row.unit_price
    row.product_id, row.min_quantity, row.unit_price = product.id, min_quantity, unit_price
    row.valid_from, row.valid_to = valid_from, valid_to
    db.session.flush()
    _changed(product, f"Customer {customer.code} from {min_quantity}", old, unit_price, actor,
             _window(valid_from, valid_to), customer=customer)
    return row


def end_customer_price(customer: Customer, row: CustomerPrice, actor, last_day: date | None = None) -> None:
    """The agreed price stops after `last_day` (default today); the row stays as a record."""
    last_day = last_day or business_today()
    if row.valid_from and last_day < row.valid_from:
        raise PriceRefused("It has not started yet; remove it instead.")
    if row.valid_to and row.valid_to <= last_day:
        raise PriceRefused(f"It already ended on {entry_date(row.valid_to)}.")
    row.valid_to = last_day
    product = db.session.get(Product, row.product_id)
    _changed(product, f"Customer {customer.code} from {row.min_quantity} until {entry_date(last_day)}",
             row.unit_price, None, actor, f"ends after {entry_date(last_day)}", customer=customer)


def remove_customer_price(customer: Customer, row: CustomerPrice, actor) -> None:
    product = db.session.get(Product, row.product_id)
    _changed(product, f"Customer {customer.code} from {row.min_quantity}", row.unit_price, None, actor, "removed",
             customer=customer)
    db.session.delete(row)
    db.session.flush()
