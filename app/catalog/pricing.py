"""What a customer pays for a product: their agreed price, else the best quantity break,
else the list price."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from app.catalog.models import CustomerPrice, PriceBreak, Product
from app.extensions import db

SOURCE_LABELS = {"list": "List price", "customer": "Customer price", "break": "Quantity break"}


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    source: str  # list | customer | break
    list_price: Decimal

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


def price_for(customer_id: int | None, product: Product, quantity: int = 1) -> Price:
    """The unit price `customer_id` pays for `quantity` of `product`."""
    agreed = None
    if customer_id is not None:
        agreed = db.session.execute(
            select(CustomerPrice.unit_price).where(
                CustomerPrice.customer_id == customer_id, CustomerPrice.product_id == product.id)
        ).scalar_one_or_none()
    if agreed is not None:
        return Price(agreed, "customer", product.unit_price)
    best_break = db.session.execute(
        select(PriceBreak.unit_price)
        .where(PriceBreak.product_id == product.id, PriceBreak.min_quantity <= quantity)
        .order_by(PriceBreak.min_quantity.desc()).limit(1)
    ).scalar_one_or_none()
    if best_break is not None and best_break < product.unit_price:
        return Price(best_break, "break", product.unit_price)
    return Price(product.unit_price, "list", product.unit_price)


def prices_for(customer_id: int | None, wanted: list[tuple[Product, int]]) -> list[Price]:
    """Prices for several (product, quantity) pairs in two queries (a whole order's lines)."""
    ids = [product.id for product, _ in wanted]
    agreed = customer_prices(customer_id, ids)
    breaks: dict[int, list[tuple[int, Decimal]]] = {}
    for product_id, min_quantity, unit_price in db.session.execute(
        select(PriceBreak.product_id, PriceBreak.min_quantity, PriceBreak.unit_price)
        .where(PriceBreak.product_id.in_(ids)).order_by(PriceBreak.min_quantity.desc())
    ):
        breaks.setdefault(product_id, []).append((min_quantity, unit_price))
    result = []
    for product, quantity in wanted:
        if product.id in agreed:
            result.append(Price(agreed[product.id], "customer", product.unit_price))
            continue
        best = next((price for minimum, price in breaks.get(product.id, []) if minimum <= quantity), None)
        if best is not None and best < product.unit_price:
            result.append(Price(best, "break", product.unit_price))
        else:
            result.append(Price(product.unit_price, "list", product.unit_price))
    return result


def customer_prices(customer_id: int | None, product_ids: list[int]) -> dict[int, Decimal]:
    """Agreed prices of one customer for several products at once (for lookup lists)."""
    if customer_id is None or not product_ids:
        return {}
    rows = db.session.execute(
        select(CustomerPrice.product_id, CustomerPrice.unit_price).where(
            CustomerPrice.customer_id == customer_id, CustomerPrice.product_id.in_(product_ids))
    ).all()
    return dict(rows)


def floor_price(list_price: Decimal, floor_ratio: Decimal) -> Decimal:
    """The lowest price sales may give without a manager."""
    return (list_price * floor_ratio).quantize(Decimal("0.01"))
