"""Looking after the catalogue: creating, changing, deactivating and deleting products, their
quantity breaks, and the pack-size rule every order quantity obeys.

Every price change (the list price, each quantity break) is a `PriceChange` row (who, when,
old, new) and every change of a product is an event with the fields before and after.
A product that has been ordered keeps its SKU and is never deleted (deactivate it instead).
"""

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select
from stdnum import ean
from stdnum.exceptions import InvalidChecksum, ValidationError

from app.catalog.models import (
    CustomerPrice,
    PriceBreak,
    PriceChange,
    PriceListItem,
    Product,
    StockMovement,
)
from app.catalog.models import record_price_change as _record_price_change
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders.models import OrderLine
from app.timeutil import utcnow

# the fields a person edits, in the order the screen shows them, with their names in words
FIELDS = {
    "sku": "SKU", "name": "name", "description": "description", "unit": "unit", "pack_size": "pack size",
    "bin_location": "bin", "unit_price": "list price", "tax_rate": "tax rate", "lead_time_days": "lead time",
    "reorder_point": "reorder point", "gtin": "GTIN",
}
SKU_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,39}$")
LIST_PRICE = "List price"


class ProductError(Refusal):
    """A product change refused; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class PackSizeError(Refusal):
    """A quantity that is not a whole number of packs; `sku` says which product."""

    def __init__(self, message: str, sku: str):
        super().__init__(message)
        self.sku = sku


# --- the pack-size rule ----------------------------------------------------------------------

def check_pack_quantity(product: Product, quantity: int) -> None:
    """Refuse a quantity that is not a whole number of the product's packs, naming the two
    nearest quantities that are."""
    pack = product.pack_size or 1
    if pack <= 1 or quantity % pack == 0:
        return
    below = quantity // pack * pack
    options = (below, below + pack) if below else (pack, 2 * pack)
    raise PackSizeError(f"{product.sku} is sold in packs of {pack}: order {options[0]} or {options[1]}, "
                        f"not {quantity}.", product.sku)


def check_orderable(product: Product, quantity: int) -> None:
    """A product may go on a new order or an amendment: it is active and `quantity` is whole packs."""
    if not product.active:
        raise Refusal(f"{product.sku} is no longer sold (deactivated); choose another product.")
    check_pack_quantity(product, quantity)


# --- reading ---------------------------------------------------------------------------------

def has_been_ordered(product: Product) -> bool:
    """True once any order (a draft included) has a line of the product."""
    return db.session.execute(
        select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)).first() is not None


def price_history(product: Product, limit: int = 50) -> list[PriceChange]:
    """The product's price changes, newest first."""
    return db.session.execute(
        select(PriceChange).where(PriceChange.product_id == product.id)
        .order_by(PriceChange.id.desc()).limit(limit)).scalars().all()


def breaks_of(product: Product) -> list[PriceBreak]:
    """The product's quantity breaks, smallest quantity first."""
    return db.session.execute(
        select(PriceBreak).where(PriceBreak.product_id == product.id).order_by(PriceBreak.min_quantity)
    ).scalars().all()


# --- products --------------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


def _fields(product: Product) -> dict:
    return {name: _plain(getattr(product, name)) for name in FIELDS}


def normalise(values: dict) -> dict:
    """The values as stored: SKU in capitals, text trimmed, no GTIN as None, money in pence."""
    values = dict(values)
    values["sku"] = (values.get("sku") or "").strip().upper()
    for name in ("name", "description", "unit", "bin_location"):
        values[name] = (values.get(name) or "").strip()
    values["bin_location"] = values["bin_location"].upper()
    values["gtin"] = (values.get("gtin") or "").replace(" ", "").strip() or None
    values["unit_price"] = Decimal(values["unit_price"]).quantize(Decimal("0.01"))
    values["tax_rate"] = Decimal(values["tax_rate"]).quantize(Decimal("0.01"))
    return values


def _check(values: dict, product: Product | None = None) -> None:
    """The rules the database cannot say in words: SKU form and uniqueness, the GTIN's check
    digit and uniqueness, and an ordered product's SKU staying as it is."""
    sku = values["sku"]
    if not SKU_RE.match(sku):
        raise ProductError("A SKU is letters, digits and . _ / - (up to 40), starting with a letter or digit.", "sku")
    if product is not None and sku != product.sku and has_been_ordered(product):
        raise ProductError(f"{product.sku} has been ordered, so its SKU cannot change. "
                           "Create a new product and deactivate this one instead.", "sku")
    clash = db.session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
    if clash is not None and clash is not product:
        raise ProductError(f"{sku} is already used by “{clash.name}”.", "sku")
    _check_gtin(values["gtin"], product)


def _check_gtin(gtin: str | None, product: Product | None) -> None:
    if gtin is None:
        return
    try:
        ean.validate(gtin)
    except InvalidChecksum:
        raise ProductError(f"“{gtin}” is not a valid GTIN: its check digit (the last one) is wrong. "
                           "Copy the number under the barcode again.", "gtin") from None
    except ValidationError:
        raise ProductError(f"“{gtin[:20]}” is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits.", "gtin") from None
    clash = db.session.execute(select(Product).where(Product.gtin == gtin)).scalar_one_or_none()
    if clash is not None and clash is not product:
        raise ProductError(f"GTIN {gtin} already belongs to {clash.sku} “{clash.name}”.", "gtin")


def create_product(values: dict, actor, source: str = "screen") -> Product:
    """A new, active product with its list price recorded as the first price change."""
    values = normalise(values)
    _check(values)
    product = Product(**values, updated_at=utcnow())
    db.session.add(product)
    db.session.flush()
    record_price_change(product, LIST_PRICE, None, product.unit_price, actor, source)
    record_event("product.created", f"Product {product.sku} “{product.name}” created", actor=actor,
                 after=_fields(product))
    return product


def update_product(product: Product, values: dict, actor, source: str = "screen") -> list[str]:
    """Change the product's fields; return the names (in words) of those that changed."""
    values = normalise(values)
    _check(values, product)
    before = _fields(product)
    old_price = product.unit_price
    for name in FIELDS:
        setattr(product, name, values[name])
    after = _fields(product)
    changed = [name for name in FIELDS if before[name] != after[name]]
    if not changed:
        return []
    product.updated_at = utcnow()
    db.session.flush()
    record_price_change(product, LIST_PRICE, old_price, product.unit_price, actor, source)
    record_event("product.changed", f"Product {product.sku}: " + ", ".join(FIELDS[n] for n in changed) + " changed",
                 actor=actor, before={n: before[n] for n in changed}, after={n: after[n] for n in changed})
    return [FIELDS[n] for n in changed]


def set_active(product: Product, active: bool, actor) -> None:
    """Deactivate (no longer sold: not on new orders or amendments) or reactivate a product."""
    if product.active == active:
        raise Refusal(f"{product.sku} is already {'active' if active else 'inactive'}.")
    product.active = active
    product.updated_at = utcnow()
    kind = "product.reactivated" if active else "product.deactivated"
    record_event(kind, f"Product {product.sku} {'reactivated' if active else 'deactivated'}", actor=actor,
                 before={"active": not active}, after={"active": active})


def kept_because(product: Product) -> str | None:
    """Why the product cannot be deleted (it has been ordered, or it is in the stock ledger), or None."""
    if has_been_ordered(product):
        return f"{product.sku} has been ordered, so it is kept for the orders' records. Deactivate it instead."
    moved = db.session.execute(select(StockMovement.id).where(StockMovement.product_id == product.id).limit(1)).first()
    if moved is not None:
        return f"{product.sku} has stock movements in the ledger, so it is kept. Deactivate it instead."
    return None


def delete_product(product: Product, actor) -> None:
    """Delete a product nobody ever ordered and that has no stock history, with its prices."""
    reason = kept_because(product)
    if reason:
        raise Refusal(reason)
    before = _fields(product)
    for model in (PriceBreak, PriceChange, CustomerPrice, PriceListItem):
        db.session.execute(delete(model).where(model.product_id == product.id))
    db.session.delete(product)
    db.session.flush()
    record_event("product.deleted", f"Product {before['sku']} “{before['name']}” deleted", actor=actor, before=before)


# --- quantity breaks -------------------------------------------------------------------------

def break_label(min_quantity: int) -> str:
    return f"Break from {min_quantity}"


def _break_fields(item: PriceBreak) -> dict:
    return {"min_quantity": item.min_quantity, "unit_price": _plain(item.unit_price),
            "valid_from": _plain(item.valid_from), "valid_to": _plain(item.valid_to)}


def _check_break(product: Product, min_quantity: int, valid_from, valid_to, item: PriceBreak | None = None) -> None:
    if min_quantity <= 1:
        raise ProductError("A quantity break starts above 1 (the list price covers 1).", "min_quantity")
    if valid_from and valid_to and valid_to < valid_from:
        raise ProductError("The last day cannot be before the first day.", "valid_to")
    clash = db.session.execute(select(PriceBreak).where(
        PriceBreak.product_id == product.id, PriceBreak.min_quantity == min_quantity)).scalar_one_or_none()
    if clash is not None and clash is not item:
        raise ProductError(f"There is already a break from {min_quantity}; change that one instead.", "min_quantity")


def add_break(product: Product, actor, *, min_quantity: int, unit_price, valid_from=None, valid_to=None) -> PriceBreak:
    """A lower unit price from `min_quantity` upwards (between the dates, when given)."""
    _check_break(product, min_quantity, valid_from, valid_to)
    item = PriceBreak(product_id=product.id, min_quantity=min_quantity, unit_price=Decimal(unit_price),
                      valid_from=valid_from, valid_to=valid_to)
    db.session.add(item)
    db.session.flush()
    record_price_change(product, break_label(min_quantity), None, item.unit_price, actor)
    _break_event(product, f"break from {min_quantity} added", actor, None, item)
    return item


def change_break(product: Product, break_id: int, actor, *, min_quantity: int, unit_price, valid_from=None,
                 valid_to=None) -> PriceBreak:
    """Change one of the product's breaks (its quantity, price or dates)."""
    item = _break(product, break_id)
    _check_break(product, min_quantity, valid_from, valid_to, item)
    before = _break_fields(item)
    old_quantity, old_price = item.min_quantity, item.unit_price
    item.min_quantity, item.unit_price = min_quantity, Decimal(unit_price)
    item.valid_from, item.valid_to = valid_from, valid_to
    db.session.flush()
    if old_quantity != min_quantity:  # a break moved to another quantity: one removed, one set
        record_price_change(product, break_label(old_quantity), old_price, None, actor)
        record_price_change(product, break_label(min_quantity), None, item.unit_price, actor)
    else:
        record_price_change(product, break_label(min_quantity), old_price, item.unit_price, actor)
    if before != _break_fields(item):
        _break_event(product, f"break from {old_quantity} changed", actor, before, item)
    return item


def remove_break(product: Product, break_id: int, actor) -> None:
    item = _break(product, break_id)
    before = _break_fields(item)
    record_price_change(product, break_label(item.min_quantity), item.unit_price, None, actor)
    db.session.delete(item)
    db.session.flush()
    _break_event(product, f"break from {before['min_quantity']} removed", actor, before, None)


def _break(product: Product, break_id: int) -> PriceBreak:
    item = db.session.get(PriceBreak, break_id)
    if item is None or item.product_id != product.id:
        raise Refusal("That quantity break is no longer there; the page has been refreshed.")
    return item


def _break_event(product: Product, what: str, actor, before: dict | None, item: PriceBreak | None) -> None:
    product.updated_at = utcnow()
    record_event("product.changed", f"Product {product.sku}: {what}", actor=actor,
                 before={"break": before} if before else None,
                 after={"break": _break_fields(item)} if item is not None else None)


def record_price_change(product: Product, what: str, old, new, actor, source: str = "screen") -> None:
    """The groundwork's `record_price_change` for a product and the person who changed it."""
    _record_price_change(product.id, what, old, new, actor.id if actor is not None else None, source)

