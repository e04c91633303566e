"""Finding products as a rep types: by SKU prefix first, then by name."""

from sqlalchemy import select, true

from app.catalog.models import Product
from app.extensions import db


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_products(term: str, limit: int = 8) -> list[Product]:
    """Active products whose SKU starts with `term` (uses the SKU index), then whose name
    contains it; exact SKU first."""
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
    by_name = db.session.execute(
        select(Product).where(Product.active.is_(True), *_name_has_words(term),
                              Product.id.not_in([p.id for p in by_sku]) if by_sku else true())
        .order_by(Product.name).limit(limit - len(by_sku))
    ).scalars().all()
    return list(by_sku) + list(by_name)


def _name_has_words(term: str) -> list:
    """Every word typed appears in the name, in any order, ignoring case.

    SQLite's LIKE already ignores ASCII case and is much cheaper than lower(...) LIKE.
    """
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    clauses = []
    for word in term.split()[:5]:
        pattern = f"%{_escape_like(word)}%"
        clauses.append(Product.name.like(pattern, escape="\\") if sqlite else Product.name.ilike(pattern, escape="\\"))
    return clauses


def product_by_sku(sku: str) -> Product | None:
    return db.session.execute(select(Product).where(Product.sku == sku.strip().upper())).scalar_one_or_none()
