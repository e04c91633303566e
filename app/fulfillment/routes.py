from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, selectinload, undefer

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.customers.models import Customer
from app.documents import printing
from app.extensions import db
from app.orders import picking
from app.orders.models import Order, OrderLine
from app.orders.permissions import can
from app.orders.pick_list import walk_key
from app.orders.queries import Queue, search_filter
from app.orders.requests import pending_for
from app.orders.routes import order_url
from app.orders.services import find_order, transition
from app.orders.waves import PickWave
from app.pagination import paginate
from app.web.inputs import int_arg, page_arg, parse_int, search_arg
from app.web.rendering import document_response, pdf_response, render_list
from app.web.transaction import on_refusal

bp = Blueprint("fulfillment", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["fulfillment"])


def _has_stock_to_pick():
    return exists().where(OrderLine.order_id == Order.id, OrderLine.qty_reserved > 0)


QUEUES = {
    q.key: q
    for q in (
        Queue("to_pick", "Ready to pick",
              (Order.status == "confirmed", Order.on_hold.is_(False), _has_stock_to_pick()),
              (Order.promised_date.asc(), Order.confirmed_at.asc()),
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
    stmt = (
        select(Order).join(Customer, Order.customer_id == Customer.id)
        .options(contains_eager(Order.customer), undefer(Order.list_total), undefer(Order.list_line_count),
                 selectinload(Order.special_requests), selectinload(Order.shipments))
        .where(*queue.where).order_by(*queue.order_by, Order.id.desc())
    )
    if q:
        stmt = stmt.where(search_filter(q))
    return paginate(stmt, page)


@bp.route("/")
def index():
    queue, q, page = QUEUES.get(request.args.get("view", ""), QUEUES["to_pick"]), search_arg(), page_arg()
    waves = db.session.execute(select(PickWave).order_by(PickWave.id.desc()).limit(5)).scalars().all()
    return render_list("fulfillment/index.html", "fulfillment/_queue.html", queues=QUEUES, queue=queue, q=q,
                       pagination=_queue_page(queue, q, page), waves=waves, requests=pending_for("fulfillment"))


def get_order(ref):
    return find_order(ref) or abort(404)


@bp.post("/waves")
def start_wave():
    """Start picking the ticked orders: one order opens its picking screen, several make a wave."""
    on_refusal(back=url_for("fulfillment.index"))
    ids = {i for i in (parse_int(raw) for raw in request.form.getlist("order")[:500]) if i is not None}
    orders = db.session.execute(select(Order).where(Order.id.in_(ids)).order_by(Order.promised_date)).scalars().all()
    if len(orders) == 1:
        picking.start_picking(orders[0], current_user)
    else:
        wave = picking.start_wave(orders, current_user)
    if len(orders) == 1:
        return redirect(url_for("fulfillment.pick", ref=orders[0].ref))
    flash(f"Wave {wave.ref} started with {len(orders)} orders. Print the pick list and walk the summary.", "success")
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
    return render_template("fulfillment/wave.html", wave=get_wave(wave_id))


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


def _pick_context(order, status=200):
    lines = sorted(order.lines, key=lambda ln: (walk_key(ln.product.bin_location), ln.sku))
    return render_list("fulfillment/pick.html", "fulfillment/_pick_lines.html", order=order, lines=lines,
                       picked_now=picking.picked_now, still_to_pick=picking.still_to_pick), status


@bp.get("/orders/<ref>/pick")
def pick(ref):
    order = get_order(ref)
    if not can(current_user, "record_pick", order):
        return redirect(url_for("fulfillment.ship", ref=order.ref) if can(current_user, "ship", order)
                        else url_for("orders.detail", ref=order.ref))
    return _pick_context(order)


def _pick_partial(order, message, category):
    lines = sorted(order.lines, key=lambda ln: (walk_key(ln.product.bin_location), ln.sku))
    body = render_template("fulfillment/_pick_lines.html", order=order, lines=lines, message=message,
                           category=category, picked_now=picking.picked_now, still_to_pick=picking.still_to_pick)
    return body, 200


@bp.post("/orders/<ref>/scan")
def scan(ref):
    order = get_order(ref)
    on_refusal(lambda exc: _picked(get_order(ref), str(exc), "error"))
    quantity = int_arg("quantity", 1, lo=1, hi=100_000, source=request.form)
    line = picking.scan(order, request.form.get("sku", "")[:60], quantity, current_user)
    return _picked(order, f"{line.sku}: {picking.picked_now(line)} of {line.qty_reserved} picked.")


@bp.post("/orders/<ref>/lines/<int:line_id>")
def set_picked(ref, line_id):
    order = get_order(ref)
    on_refusal(lambda exc: _picked(get_order(ref), str(exc), "error"))
    picked = int_arg("picked", -1, lo=0, hi=100_000, source=request.form)
    line = picking.set_picked(order, line_id, picked, current_user)
    return _picked(order, f"{line.sku}: {picking.picked_now(line)} of {line.qty_reserved} picked.")


def _picked(order, message, category="success"):
    """After a scan or a typed quantity: the lines again (htmx), or the page with a message."""
    if request.htmx:
        db.session.flush()
        return _pick_partial(order, message, category)
    flash(message, category)
    return redirect(url_for("fulfillment.pick", ref=order.ref))


@bp.post("/orders/<ref>/finish")
def finish(ref):
    order = get_order(ref)
    on_refusal(back=url_for("fulfillment.pick", ref=order.ref))
    shorts = picking.finish_pick(order, current_user)
    printing.print_packing_slip(order, current_user)
    message = f"{order.ref} packed."
    if shorts:
        message += " Backordered: " + ", ".join(f"{n} × {sku}" for sku, n in shorts.items()) + \
                   " (sales and inventory are told)."
    flash(message, "success")
    return redirect(url_for("fulfillment.ship", ref=order.ref))


@bp.get("/orders/<ref>/ship")
def ship(ref):
    order = get_order(ref)
    return render_template("fulfillment/ship.html", order=order, errors={}, form={}, picked_now=picking.picked_now)


def _ship_page(order, errors, form):
    return render_template("fulfillment/ship.html", order=order, errors=errors, form=form,
                           picked_now=picking.picked_now), 422


SHIP_STEPS = {"dispatch": ("carrier", "tracking_number"), "ready_for_pickup": (), "collect": ("collected_by",)}
REQUIRED = {"carrier": "Enter the carrier (e.g. DPD, own van).", "collected_by": "Enter who collected it."}


@bp.post("/orders/<ref>/ship/<step>")
def ship_step(ref, step):
    order = get_order(ref)
    if step not in SHIP_STEPS:
        abort(404)
    form = {f: request.form.get(f, "").strip()[:80] for f in SHIP_STEPS[step]}
    errors = {f: REQUIRED[f] for f in form if f in REQUIRED and not form[f]}
    if errors:
        return _ship_page(order, errors, form)
    on_refusal(lambda exc: _ship_page(get_order(ref), {"_": str(exc)}, form))
    transition(order, step, current_user, **form)
    flash(f"{order.ref}: {order.status_label}." + (" Dispatch email queued for the customer." if step == "dispatch" else ""),
          "success")
    return redirect(url_for("fulfillment.index"))
