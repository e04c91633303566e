from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.documents import printing
from app.errors import Refusal
from app.extensions import db
from app.fulfillment.forms import (
    SHIP_STEPS,
    NextWaveForm,
    PickedForm,
    ScanForm,
    StartWaveForm,
    ship_step_of,
)
from app.order_page.routes import order_url
from app.orders import picking, waves
from app.orders.models import Order
from app.orders.permissions import can
from app.orders.pick_list import walk_key
from app.orders.queries import Queue, queue_statement
from app.orders.requests import pending_for
from app.orders.services import find_order, transition
from app.orders.waves import PickWave
from app.pagination import paginate
from app.web.csv_stream import orders_csv, wants_csv
from app.web.inputs import queue_args
from app.web.messages import outcome
from app.web.rendering import document_response, pdf_response, render
from app.web.transaction import on_refusal

bp = Blueprint("fulfillment", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["fulfillment"])


QUEUES = {
    q.key: q
    for q in (
        Queue("to_pick", "Ready to pick", waves.ready_to_pick(), waves.READY_ORDER,
              "Nothing to pick. Confirmed orders appear here as sales submits them."),
        Queue("in_progress", "Picking & packed", (Order.status.in_(("picking", "packed")),),
              (Order.promised_date.asc(),), "No order is being picked or packed."),
        Queue("pickup", "Awaiting collection", (Order.status == "ready_for_pickup",),
              (Order.status_changed_at.asc(),), "No order waits for collection."),
        Queue("dispatched", "Out for delivery", (Order.status == "dispatched",),
              (Order.status_changed_at.asc(),), "No order is out for delivery."),
    )
}


def _queue_page(queue, q, page):
    stmt = queue_statement(queue, q).options(selectinload(Order.special_requests), selectinload(Order.shipments))
    return paginate(stmt, page)


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    if wants_csv():
        return orders_csv(queue_statement(queue, q), f"fulfillment-{queue.key}.csv")
    recent = db.session.execute(select(PickWave).order_by(PickWave.id.desc()).limit(5)).scalars().all()
    return render("fulfillment/index.html", queues=QUEUES, queue=queue, q=q, pagination=_queue_page(queue, q, page),
                  waves=recent, requests=pending_for("fulfillment"), wave_size=waves.wave_size_for(current_user), max_wave_size=waves.MAX_WAVE_SIZE)


def get_order(ref):
    return find_order(ref) or abort(404)


@bp.post("/waves")
def start_wave():
    """Start picking the ticked orders: one order opens its picking screen, several make a wave."""
    on_refusal(back=url_for("fulfillment.index"))
    form = StartWaveForm()
    if not form.validate():
        raise Refusal(" ".join(form.order.errors))
    ids = set(form.order.data)
    orders = db.session.execute(select(Order).where(Order.id.in_(ids)).order_by(Order.promised_date)).scalars().all()
    if len(orders) == 1:
        picking.start_picking(orders[0], current_user)
    else:
        wave = picking.start_wave(orders, current_user)
    if len(orders) == 1:
        return redirect(url_for("fulfillment.pick", ref=orders[0].ref))
    flash(outcome(f"Wave {wave.ref}", f"started with {len(orders)} orders", "print its pick list and walk the summary"),
          "success")
    return redirect(url_for("fulfillment.wave", wave_id=wave.id))


@bp.post("/waves/next")
def start_next_wave():
    """Start a wave of the oldest ready orders (as many as asked, remembered for next time)
    and open it, its print button ready."""
    on_refusal(back=url_for("fulfillment.index"))
    form = NextWaveForm()
    if not form.validate():
        raise Refusal(" ".join(form.size.errors))
    wave = picking.start_next_wave(current_user, form.size.data)
    count, last = len(wave.orders), waves.tote_slot(len(wave.orders) - 1)
    totes = "tote A" if count == 1 else f"totes A–{last}"
    flash(f"Wave {wave.ref} started: {count} ready order{'s' if count > 1 else ''}, earliest promised first, "
          f"in {totes}. Print its pick list now.", "success")
    return redirect(url_for("fulfillment.wave", wave_id=wave.id))


@bp.post("/orders/<ref>/start")
def start(ref):
    order = get_order(ref)
    on_refusal(back=url_for("fulfillment.index"))
    picking.start_picking(order, current_user)
    return redirect(url_for("fulfillment.pick", ref=order.ref))


def get_wave(wave_id):
    return db.session.get(PickWave, wave_id) or abort(404)


@bp.get("/waves/<int:wave_id>")
def wave(wave_id):
    return render("fulfillment/wave.html", wave=get_wave(wave_id))


@bp.get("/waves/<int:wave_id>/pick-list.pdf")
def wave_pick_list(wave_id):
    """The wave's pick list as printed, or a preview if not printed yet (writes nothing)."""
    wave = get_wave(wave_id)
    document = printing.wave_document(wave)
    if document is not None:
        return document_response(document)
    return pdf_response(printing.render_wave_pick_list(wave, current_user, order_url),
                        f"pick-list-{wave.ref}-preview.pdf")


@bp.post("/waves/<int:wave_id>/pick-list.pdf")
def print_wave_pick_list(wave_id):
    """Record a print of the wave's pick list (stored at the first print), then show it."""
    wave = get_wave(wave_id)
    printing.print_wave_pick_list(wave, current_user, order_url)
    return redirect(url_for("fulfillment.wave_pick_list", wave_id=wave.id), 303)


def _pick_page(order, block=None, status=200, scan_form=None, **extra):
    """The picking page, or its lines (`block`); `extra` carries the last scan's message or a
    line's typed quantity being corrected (picked_form, picked_line)."""
    lines = sorted(order.lines, key=lambda ln: (walk_key(ln.product.bin_location), ln.sku))
    return render("fulfillment/pick.html", block=block, status=status, order=order, lines=lines,
                  picked_now=picking.picked_now, still_to_pick=picking.still_to_pick,
                  scan_form=scan_form or ScanForm(formdata=None), **_wave_nav(order), **extra)


def _wave_nav(order) -> dict:
    """The order's wave, its tote and the wave's next order to pick or ship (pick and ship pages)."""
    wave = waves.wave_of(order)
    return {"wave": wave, "next_in_wave": waves.next_in_wave(wave, order) if wave else None}


@bp.get("/orders/<ref>/pick")
def pick(ref):
    order = get_order(ref)
    if not can(current_user, "record_pick", order):
        return redirect(url_for("fulfillment.ship", ref=order.ref) if can(current_user, "ship", order)
                        else url_for("orders.detail", ref=order.ref))
    return _pick_page(order)


@bp.post("/orders/<ref>/scan")
def scan(ref):
    order = get_order(ref)
    form = ScanForm()
    if not form.validate():
        return _scan_typed_wrong(order, form)
    last = (form.last_sku.data, form.last_count.data or 0)
    if picking.is_count(order, form.sku.data, last[0]):  # a number right after a scan: how many that scan was
        on_refusal(lambda exc: _picked(get_order(ref), str(exc), "error", last=last))
        counted = int(form.sku.data)
        line = picking.count_scan(order, last[0], last[1], counted, current_user)
        return _picked(order, f"{_picked_so_far(line)} (that scan counted {counted}).", last=(line.sku, counted))
    on_refusal(lambda exc: _picked(get_order(ref), str(exc), "error"))
    line = picking.scan(order, form.sku.data, form.quantity.data, current_user)
    more = " More in hand? Type how many, then Enter." if picking.still_to_pick(line) else ""
    return _picked(order, f"{_picked_so_far(line)}.{more}", last=(line.sku, form.quantity.data))


def _picked_so_far(line) -> str:
    return f"{line.sku}: {picking.picked_now(line)} of {line.qty_reserved} picked"


def _scan_typed_wrong(order, form):
    """The scan form again with its messages and what was typed: in place (htmx), or the page."""
    if request.htmx:
        return render("fulfillment/pick.html", block="scan_form", status=422, order=order, scan_form=form,
                      retarget="#scan-form", reswap="outerHTML")
    return _pick_page(order, status=422, scan_form=form)


@bp.post("/orders/<ref>/lines/<int:line_id>")
def set_picked(ref, line_id):
    order = get_order(ref)
    form = PickedForm()
    if not form.validate():
        typed = {"picked_form": form, "picked_line": line_id}
        return _pick_page(order, block="pick_lines" if request.htmx else None, status=422, **typed)
    on_refusal(lambda exc: _picked(get_order(ref), str(exc), "error"))
    line = picking.set_picked(order, line_id, form.picked.data, current_user)
    return _picked(order, f"{_picked_so_far(line)}.")


def _picked(order, message, category="success", last=(None, None)):
    """After a scan or a typed quantity: the lines again (htmx), or the page with a message.
    `last` is the scan a number typed next counts for (SKU, units it added), kept in the page."""
    if request.htmx:
        db.session.flush()
        return _pick_page(order, block="pick_lines", oob=("scan_last",), message=message, category=category,
                          last_sku=last[0], last_count=last[1])
    flash(message, category)
    return redirect(url_for("fulfillment.pick", ref=order.ref))


@bp.post("/orders/<ref>/finish")
def finish(ref):
    order = get_order(ref)
    on_refusal(back=url_for("fulfillment.pick", ref=order.ref))
    shorts = picking.finish_pick(order, current_user)
    printing.print_packing_slip(order, current_user)
    backordered = ", ".join(f"{n} × {sku}" for sku, n in shorts.items())
    flash(outcome(order.ref, "packed, packing slip printed",
                  f"backordered {backordered} (sales and inventory are told)" if shorts else "",
                  "ready to dispatch" if order.method == "delivery" else "ready to hand over for pickup"), "success")
    return redirect(url_for("fulfillment.ship", ref=order.ref))


@bp.get("/orders/<ref>/ship")
def ship(ref):
    return _ship_page(get_order(ref))


def _ship_page(order, posted=None, refusal: str | None = None):
    """The shipping page with the form of the step the order is ready for: the posted one
    (what was typed and its messages) if it is for that step, else an empty one."""
    step = ship_step_of(order)
    form = posted
    if step is None:
        form = None
    elif type(posted) is not SHIP_STEPS[step]:
        form = SHIP_STEPS[step](formdata=None)
    return render("fulfillment/ship.html", order=order, form=form, refusal=refusal, picked_now=picking.picked_now,
                  status=200 if posted is None else 422, **_wave_nav(order))


@bp.post("/orders/<ref>/ship/<step>")
def ship_step(ref, step):
    order = get_order(ref)
    if step not in SHIP_STEPS:
        abort(404)
    form = SHIP_STEPS[step]()
    if not form.validate():
        return _ship_page(order, form)
    on_refusal(lambda exc: _ship_page(get_order(ref), form, str(exc)))
    transition(order, step, current_user, **form.detail_values())
    flash(outcome(order.ref, order.status_label.lower(), "dispatch email queued for the customer" if step == "dispatch" else ""),
          "success")
    return redirect(url_for("fulfillment.index"))


from app.fulfillment import deliveries  # noqa: E402,F401  (views on this blueprint)
