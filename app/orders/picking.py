"""Picking: start one order or a wave, record what was picked, turn shortages into backorders.

On a line, `qty_reserved` is what this round must pick (reserved, not yet shipped) and
`qty_picked - qty_shipped` is what has been picked of it so far.
"""

from app.catalog import services as stock
from app.events.services import record_event
from app.extensions import db
from app.orders import lifecycle, waves
from app.orders.notices import tell_date_moved
from app.orders.promising import apply_promise, promise_for
from app.orders.services import OrderError, by_product, transition
from app.orders.waves import PickWave


def picked_now(line) -> int:
    return line.qty_picked - line.qty_shipped


def still_to_pick(line) -> int:
    return line.qty_reserved - picked_now(line)


def has_something_to_pick(order) -> bool:
    return any(line.qty_reserved > 0 for line in order.lines)


def start_picking(order, actor):
    """Move a confirmed order to Picking; refused if no line has reserved stock to pick."""
    lifecycle.check(order, "start_pick", actor)
    if not has_something_to_pick(order):
        raise OrderError(f"{order.ref} has nothing in stock to pick yet: every line is backordered.")
    return transition(order, "start_pick", actor)


def start_wave(orders, actor) -> PickWave:
    """Start picking several orders together as one wave (one walk, one pick list)."""
    if not orders:
        raise OrderError("Tick at least one order to start a wave.")
    for order in orders:
        start_picking(order, actor)
    wave = PickWave(created_by_id=actor.id if actor else None)
    db.session.add(wave)
    db.session.flush()
    waves.add_orders(wave, orders)
    for order in orders:
        record_event("order.wave_started", f"Picking in wave {wave.ref}", order=order, actor=actor,
                     after={"wave_id": wave.id})
    return wave


def start_next_wave(actor, size: int) -> PickWave:
    """Start a wave of the `size` oldest ready orders (earliest promise, then age) and
    remember `size` as the person's next-wave size."""
    if not 1 <= size <= waves.MAX_WAVE_SIZE:
        raise OrderError(f"A wave takes 1 to {waves.MAX_WAVE_SIZE} orders.")
    waves.remember_wave_size(actor, size)
    orders = waves.next_wave_orders(size)
    if not orders:
        raise OrderError("No order is ready to pick, so no wave was started. "
                         "Confirmed orders with stock appear here as sales submits them.")
    return start_wave(orders, actor)


def _check_picking(order, actor) -> None:
    lifecycle.check(order, "pack", actor)  # picking, not held, and the actor may pick


def scan(order, code: str, quantity: int, actor):
    """A scanned (or typed) SKU: add `quantity` picked units to the first line that still needs it."""
    _check_picking(order, actor)
    code = (code or "").strip().upper()
    if quantity <= 0:
        raise OrderError("Quantity must be at least 1.")
    lines = [line for line in order.lines if line.sku.upper() == code]
    if not lines:
        raise OrderError(f"{code or 'That'} is not on {order.ref}. Check the item and scan again.")
    line = next((ln for ln in lines if still_to_pick(ln) > 0), None)
    if line is None or still_to_pick(line) < quantity:
        left = sum(still_to_pick(ln) for ln in lines)
        raise OrderError(f"{code}: only {left} more to pick; {quantity} scanned. Put the extra back.")
    line.qty_picked += quantity
    db.session.flush()
    return line


def is_count(order, typed: str, last_sku: str | None) -> bool:
    """Whether what reached the scan field is a number for the last scan rather than a SKU:
    digits only, right after a scan, and no SKU on the order reads like it."""
    typed = (typed or "").strip()
    return bool(last_sku) and typed.isascii() and typed.isdigit() and not any(ln.sku.upper() == typed for ln in order.lines)


def count_scan(order, code: str, counted: int, quantity: int, actor):
    """The last scan of `code` (which added `counted` units) counts as `quantity` units:
    scan, type how many are in hand, Enter. Over-picking is refused as for a scan."""
    _check_picking(order, actor)
    if not 1 <= quantity <= 100_000:
        raise OrderError("Type a quantity from 1 to 100,000 after the scan.")
    code = code.strip().upper()
    lines = [ln for ln in order.lines if ln.sku.upper() == code]
    change = quantity - counted
    if change >= 0:
        line = next((ln for ln in lines if still_to_pick(ln) >= change), None)
    else:
        line = next((ln for ln in lines if picked_now(ln) >= -change), None)
    if line is None:
        left = sum(still_to_pick(ln) for ln in lines)
        raise OrderError(f"{code}: only {left + counted} to pick for that scan; {quantity} typed. Put the extra back."
                         if lines else f"{code} is not on {order.ref}.")
    line.qty_picked += change
    db.session.flush()
    return line


def set_picked(order, line_id: int, quantity: int, actor):
    """Record how many units of a line have been picked (typed in rather than scanned)."""
    _check_picking(order, actor)
    line = next((ln for ln in order.lines if ln.id == line_id), None)
    if line is None:
        raise OrderError("That line is not on this order.")
    if not 0 <= quantity <= line.qty_reserved:
        raise OrderError(f"{line.sku}: picked must be between 0 and {line.qty_reserved}.")
    line.qty_picked = line.qty_shipped + quantity
    db.session.flush()
    return line


def _short_pick(order, line, actor) -> int:
    """The units not found become a backorder: their reservation is released."""
    missing = still_to_pick(line)
    stock.release_stock(line.product_id, missing)
    line.qty_reserved -= missing
    line.qty_backordered += missing
    record_event("order.short_pick",
                 f"Short pick {line.sku}: {missing} of {line.qty_reserved + missing} not found, now backordered",
                 order=order, actor=actor,
                 after={"sku": line.sku, "missing": missing, "backordered": line.qty_backordered})
    return missing


def finish_pick(order, actor) -> dict[str, int]:
    """Close the pick and pack: any line picked short becomes a backorder (sales and
    inventory see the `order.short_pick` event). Returns {sku: units short}."""
    _check_picking(order, actor)
    if not any(picked_now(line) > 0 for line in order.lines):
        raise OrderError("Nothing has been picked yet. Scan the items, or release the pick if none can be found.")
    short = {line.id: _short_pick(order, line, actor) for line in by_product(order.lines) if still_to_pick(line) > 0}
    shorts = {line.sku: short[line.id] for line in order.lines if line.id in short}
    transition(order, "pack", actor)
    if shorts:
        _repromise_short(order, actor, shorts)
    return shorts


def _repromise_short(order, actor, shorts: dict[str, int]) -> None:
    """Units picked short wait for stock now: when that makes the promise later, the promised
    date moves and the customer is told (never earlier: what was promised stands)."""
    before = order.promised_date
    promise = promise_for(order)
    if promise is None or before is None or promise.date <= before:
        return
    apply_promise(order)
    missing = ", ".join(f"{n} × {sku}" for sku, n in shorts.items())
    tell_date_moved(order, before, f"{missing} could not be found in our stock and must be restocked first.", actor)
