"""Pick waves: several confirmed orders picked in one walk of the warehouse.

Each order of a wave has a tote slot (A, B, C, …) on the picking cart, given by its place
in the wave when the wave started (stored, so the printed list and the screens agree even
if a promised date moves later). "Start next wave" takes the oldest ready orders, as many
as the person last asked for.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Table, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.orders.models import Order, OrderLine
from app.timeutil import utcnow

DEFAULT_WAVE_SIZE = 5
MAX_WAVE_SIZE = 50

pick_wave_orders = Table(
    "pick_wave_orders",
    db.metadata,
    Column("wave_id", ForeignKey("pick_waves.id", ondelete="CASCADE"), primary_key=True),
    Column("order_id", ForeignKey("orders.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=True),  # 0 = tote A; empty on waves started before slots
)


class PickWave(db.Model):
    """A batch of orders started together, with one pick list summarised by bin."""

    __tablename__ = "pick_waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    printed_at: Mapped[datetime | None] = mapped_column()

    orders = relationship("Order", secondary=pick_wave_orders, viewonly=True,
                          order_by=(pick_wave_orders.c.position, Order.promised_date, Order.id))
    created_by = relationship("User")

    @property
    def ref(self) -> str:
        return f"W-{self.id:05d}"

    def slot_of(self, order) -> str:
        """The tote slot letter of one of the wave's orders."""
        return tote_slot(next(i for i, o in enumerate(self.orders) if o.id == order.id))


class WavePreference(db.Model):
    """How many orders a person's "Start next wave" takes (what they last asked for)."""

    __tablename__ = "wave_preferences"
    __table_args__ = (CheckConstraint(f"wave_size BETWEEN 1 AND {MAX_WAVE_SIZE}", name="wave_size_in_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    wave_size: Mapped[int] = mapped_column()


def tote_slot(position: int) -> str:
    """A, B, … Z, then AA, AB, … (spreadsheet-style) for the tote at `position` (0-based)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- ready to pick --------------------------------------------------------------------

def ready_to_pick() -> tuple:
    """Confirmed, not on hold, and at least one line has reserved stock to pick."""
    has_stock = exists().where(OrderLine.order_id == Order.id, OrderLine.qty_reserved > 0)
    return (Order.status == "confirmed", Order.on_hold.is_(False), has_stock)


READY_ORDER = (Order.promised_date.asc(), Order.confirmed_at.asc())  # oldest promise first, then age


def next_wave_orders(size: int) -> list[Order]:
    """The `size` ready orders that should be picked next: earliest promised date, then oldest."""
    stmt = select(Order).where(*ready_to_pick()).order_by(*READY_ORDER, Order.id.asc()).limit(size)
    return list(db.session.execute(stmt).scalars())


# --- per-person wave size ---------------------------------------------------------------

def wave_size_for(user) -> int:
    preference = db.session.get(WavePreference, user.id) if user is not None else None
    return preference.wave_size if preference else DEFAULT_WAVE_SIZE


def remember_wave_size(user, size: int) -> None:
    """Keep `size` as the person's next-wave size (written only when it changed)."""
    preference = db.session.get(WavePreference, user.id)
    if preference is None:
        db.session.add(WavePreference(user_id=user.id, wave_size=size))
    elif preference.wave_size != size:
        preference.wave_size = size
    db.session.flush()


# --- an order's wave ----------------------------------------------------------------------

def add_orders(wave: PickWave, orders) -> None:
    """Put `orders` in the wave in this order: the first goes in tote A."""
    db.session.execute(pick_wave_orders.insert(), [
        {"wave_id": wave.id, "order_id": order.id, "position": i} for i, order in enumerate(orders)])
    db.session.expire(wave, ["orders"])


def wave_of(order) -> PickWave | None:
    """The latest wave the order was started in, if any."""
    stmt = (select(PickWave).join(pick_wave_orders, pick_wave_orders.c.wave_id == PickWave.id)
            .where(pick_wave_orders.c.order_id == order.id).order_by(PickWave.id.desc()).limit(1))
    return db.session.execute(stmt).scalar_one_or_none()


WAREHOUSE_OPEN = ("picking", "packed")  # still on the floor: to pick, or packed and to ship


def next_in_wave(wave: PickWave, order) -> Order | None:
    """The next order of the wave after `order` (by tote, wrapping round) still to pick or ship."""
    orders = wave.orders
    at = next((i for i, o in enumerate(orders) if o.id == order.id), -1)
    after = orders[at + 1:] + orders[:max(at, 0)]
    return next((o for o in after if o.status in WAREHOUSE_OPEN and o.id != order.id), None)
