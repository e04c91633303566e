"""Stock operations. Every change of `on_hand` is a ledger entry; reservations are
taken with a conditional UPDATE so that two sellers can never take the same units."""

from sqlalchemy import select, update

from app.catalog.models import Product, StockMovement
from app.errors import Refusal
from app.extensions import db


class StockError(Refusal):
    """A stock operation that would break the ledger; the message is for the user."""


def _expire(product_id: int) -> None:
    """Forget cached stock figures of a product after a direct UPDATE."""
    product = db.session.identity_map.get((Product, (product_id,), None))
    if product is not None:
        db.session.expire(product, ["on_hand", "reserved"])


def _update_stock(product_id: int, *conditions, **values) -> bool:
    # A Core UPDATE on the session's connection: one statement, no ORM flush around it.
    result = db.session.connection().execute(
        update(Product.__table__).where(Product.id == product_id, *conditions).values(**values)
    )
    _expire(product_id)
    return result.rowcount == 1


def available(product_id: int) -> int:
    return db.session.execute(
        select(Product.on_hand - Product.reserved).where(Product.id == product_id)
    ).scalar_one()


def reserve_stock(product_id: int, quantity: int) -> bool:
    """Reserve exactly `quantity` units if they are available; False if not."""
    if quantity <= 0:
        return quantity == 0
    return _update_stock(
        product_id,
        Product.on_hand - Product.reserved >= quantity,
        reserved=Product.reserved + quantity,
    )


def reserve_up_to(product_id: int, quantity: int) -> int:
    """Reserve as many of `quantity` units as are available; return how many."""
    for _ in range(5):  # another seller may take units between the read and the update
        take = min(quantity, available(product_id))
        if take <= 0:
            return 0
        if reserve_stock(product_id, take):
            return take
    return 0


def release_stock(product_id: int, quantity: int) -> None:
    """Give back `quantity` reserved units."""
    if quantity > 0 and not _update_stock(
        product_id, Product.reserved >= quantity, reserved=Product.reserved - quantity
    ):
        raise StockError("Cannot release more stock than is reserved.")


def move_stock(product_id, kind, quantity, reason, *, actor=None, order=None, reserved_too=False):
    """Write a ledger entry and change `on_hand` by `quantity` (signed).

    With `reserved_too`, the same units also leave the reservation (a shipment).
    """
    if not reason.strip():
        raise StockError("A stock movement needs a reason.")
    values = {"on_hand": Product.on_hand + quantity}
    conditions = [Product.on_hand + quantity >= 0]
    if reserved_too:
        values["reserved"] = Product.reserved + quantity
        conditions.append(Product.reserved + quantity >= 0)
    else:
        conditions.append(Product.on_hand + quantity >= Product.reserved)
    if not _update_stock(product_id, *conditions, **values):
        raise StockError("Not enough stock for that movement (on hand cannot go below reserved or zero).")
    movement = StockMovement(
        product_id=product_id, kind=kind, quantity=quantity, reason=reason.strip(),
        user_id=actor.id if actor else None, order_id=order.id if order else None,
    )
    db.session.add(movement)
    return movement
