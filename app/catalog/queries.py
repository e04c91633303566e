"""Reading the catalogue: finding products (as a rep types, or in the inventory list),
stock that needs attention, and the ledger."""

from sqlalchemy import select, true
from sqlalchemy.orm import joinedload

from app.catalog.models import Product, StockMovement
from app.extensions import db
from app.textsearch import either, indexed, rows_with_text, starts_with, words_of

PRODUCT_TEXT = [Product.sku, Product.name, Product.gtin]


def product_text(q: str):
    """SQL: products whose SKU, name or GTIN has every word of `q` (the text index answers);
    a query shorter than three characters: SKUs starting with it."""
    words = words_of(q)
    return rows_with_text(Product, PRODUCT_TEXT, words) if indexed(words) else starts_with([Product.sku], q.strip())


def find_products(term: str, limit: int = 8) -> list[Product]:
    """Active products whose SKU starts with `term` (uses the SKU index), then those whose
    SKU, name or GTIN has its words; exact SKU first."""
    term = term.strip()
    if not term:
        return []
    upper = term.upper()
    by_sku = db.session.execute(
        select(Product).where(Product.active.is_(True), Product.sku >= upper, Product.sku < upper + "\uffff")
        .order_by(Product.sku).limit(limit)
    ).scalars().all()
    if len(by_sku) >= limit:
        return list(by_sku)
    by_text = db.session.execute(
        select(Product).where(Product.active.is_(True), product_text(term),
                              Product.id.not_in([p.id for p in by_sku]) if by_sku else true())
        .order_by(Product.name).limit(limit - len(by_sku))
    ).scalars().all()
    return list(by_sku) + list(by_text)


def product_by_sku(sku: str | None) -> Product | None:
    """The product with this SKU (as typed: spaces and case do not matter), active or not."""
    return db.session.execute(select(Product).where(Product.sku == (sku or "").strip().upper())).scalar_one_or_none()


def products_named(term: str | None) -> list[Product]:
    """The product a person typed: the one with this SKU, else the active products whose SKU or
    name matches (at most two: one is the answer, two means the term is ambiguous)."""
    exact = product_by_sku(term)
    return [exact] if exact is not None else find_products(term or "", limit=2)


def product_list(q: str = ""):
    """Every product by SKU (a statement to page), narrowed to those whose SKU or bin starts
    with `q` or whose SKU, name or GTIN has its words."""
    stmt = select(Product).order_by(Product.sku)
    if q.strip():
        stmt = stmt.where(either(Product, product_text(q), starts_with([Product.bin_location], q.strip())))
    return stmt


def low_stock(limit: int = 10) -> list[Product]:
    """Active products at or below their reorder point, the furthest below first."""
    return db.session.execute(
        select(Product).where(Product.active.is_(True), Product.on_hand - Product.reserved <= Product.reorder_point)
        .order_by((Product.on_hand - Product.reserved - Product.reorder_point).asc()).limit(limit)
    ).scalars().all()


def recent_movements(limit: int = 10) -> list[StockMovement]:
    return db.session.execute(select(StockMovement).options(joinedload(StockMovement.product))
                              .order_by(StockMovement.id.desc()).limit(limit)).scalars().all()


def movements_of(product):
    """The product's ledger, newest first (a statement to page)."""
    return (select(StockMovement).where(StockMovement.product_id == product.id)
            .options(joinedload(StockMovement.order), joinedload(StockMovement.user))
            .order_by(StockMovement.id.desc()))
