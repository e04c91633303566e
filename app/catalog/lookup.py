"""Finding products as a rep types: by SKU prefix first, then by name."""

from sqlalchemy import or_, select

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
    pattern = f"%{_escape_like(term)}%"
    by_name = db.session.execute(
        select(Product).where(Product.active.is_(True), or_(Product.name.ilike(pattern, escape="\\")),
                              Product.id.not_in([p.id for p in by_sku]) if by_sku else True)
        .order_by(Product.name).limit(limit - len(by_sku))
    ).scalars().all()
    return list(by_sku) + list(by_name)


def product_by_sku(sku: str) -> Product | None:
    return db.session.execute(select(Product).where(Product.sku == sku.strip().upper())).scalar_one_or_none()
