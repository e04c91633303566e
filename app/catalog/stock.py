"""Inventory operations on the ledger: receiving, adjusting, and the reconciliation check.

Every change goes through `services.move_stock`, so `on_hand` always equals the sum of
the ledger; `reserved` always equals the units held on lines of open orders.
"""

from datetime import timedelta
from time import perf_counter

from sqlalchemy import delete, func, select

from app.catalog.models import Product, StockCheck, StockMovement
from app.catalog.services import StockError, move_stock
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow

STOCK_CHECK_SECONDS = 900  # how often housekeeping reconciles (a manager can run it sooner)
MISMATCHES_KEPT = 50  # products named in a stored check (the count is always complete)
CHECKS_KEPT_DAYS = 30  # older stored checks are removed by the next check


def receive_stock(product: Product, quantity: int, reference: str, actor) -> StockMovement:
    """Book goods in: a receipt on the ledger with its delivery note / PO reference."""
    if quantity <= 0:
        raise StockError("Received quantity must be at least 1.")
    reason = f"Received: {reference.strip()}" if reference.strip() else "Received"
    movement = move_stock(product.id, "receipt", quantity, reason, actor=actor)
    record_event("stock.receipt", f"{product.sku}: received {quantity} ({reason})", actor=actor,
                 after={"sku": product.sku, "quantity": quantity})
    return movement


def adjust_stock(product: Product, change: int, reason: str, actor) -> StockMovement:
    """Correct the count (found, damaged, miscounted): a signed ledger entry with a reason."""
    if change == 0:
        raise StockError("An adjustment must change the quantity (use + or −).")
    if not reason.strip():
        raise StockError("Say why the stock is adjusted (e.g. damaged, stock count).")
    movement = move_stock(product.id, "adjustment", change, reason, actor=actor)
    record_event("stock.adjustment", f"{product.sku}: adjusted {change:+d} ({reason.strip()})", actor=actor,
                 after={"sku": product.sku, "quantity": change, "reason": reason.strip()})
    return movement


def _ledger_sums() -> dict[int, int]:
    rows = db.session.execute(
        select(StockMovement.product_id, func.sum(StockMovement.quantity)).group_by(StockMovement.product_id)
    )
    return {pid: int(total) for pid, total in rows}


_reservation_sources = []  # functions giving {product_id: units reserved}, registered by who reserves


def reservations_held_by(source):
    """Register `source()` → {product_id: units} as a holder of reservations (orders do)."""
    _reservation_sources.append(source)
    return source


def _open_reservations() -> dict[int, int]:
    held: dict[int, int] = {}
    for source in _reservation_sources:
        for pid, units in source().items():
            held[pid] = held.get(pid, 0) + units
    return held


def stock_mismatches() -> list[dict]:
    """Products whose on-hand differs from the ledger or whose reserved differs from the
    reservations held by open orders. An empty list means stock reconciles."""
    ledger, held = _ledger_sums(), _open_reservations()
    found = []
    for pid, sku, on_hand, reserved in db.session.execute(
        select(Product.id, Product.sku, Product.on_hand, Product.reserved).order_by(Product.sku)
    ):
        if on_hand != ledger.get(pid, 0) or reserved != held.get(pid, 0):
            found.append({"sku": sku, "on_hand": on_hand, "ledger": ledger.get(pid, 0),
                          "reserved": reserved, "held_by_orders": held.get(pid, 0)})
    return found


def check_stock() -> StockCheck:
    """Reconcile every product now and store the result (what dashboards show as the last
    check). Flushes; the caller commits."""
    started = perf_counter()
    return record_stock_check(stock_mismatches(), started)


def record_stock_check(found: list[dict], started: float) -> StockCheck:
    """Store `found` (stock_mismatches' answer, computed since perf_counter() was `started`)
    as the latest check; checks older than CHECKS_KEPT_DAYS go."""
    check = StockCheck(products_checked=db.session.scalar(select(func.count(Product.id))),
                       mismatch_count=len(found), mismatches=found[:MISMATCHES_KEPT],
                       took_ms=round((perf_counter() - started) * 1000))
    db.session.add(check)
    db.session.execute(delete(StockCheck).where(StockCheck.checked_at < utcnow() - timedelta(days=CHECKS_KEPT_DAYS)))
    db.session.flush()
    return check


def last_stock_check() -> StockCheck | None:
    """The latest stored reconciliation (None before the first)."""
    return db.session.execute(select(StockCheck).order_by(StockCheck.id.desc()).limit(1)).scalar_one_or_none()


def is_overdue(check: StockCheck | None) -> bool:
    """The last check is older than two intervals: the housekeeping loop may not be running."""
    return check is not None and utcnow() - check.checked_at > timedelta(seconds=2 * STOCK_CHECK_SECONDS)


def stock_check_task() -> str | None:
    """Housekeeping: reconcile and store the result; a summary line only when stock is off."""
    check = check_stock()
    if check.mismatch_count:
        return f"{check.mismatch_count} product(s) do not reconcile (first: {check.mismatches[0]['sku']})"
    return None
