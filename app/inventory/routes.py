from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.catalog import stock
from app.catalog.models import Product
from app.catalog.queries import (
    low_stock,
    movements_of,
    product_by_sku,
    product_list,
    recent_movements,
)
from app.inventory.forms import AdjustForm, ReceiveForm
from app.orders.backorders import allocate_backorders, waiting_lines
from app.orders.models import Order
from app.orders.queries import (
    Queue,
    has_backorder,
    order_page,
    products_waiting_for_stock,
    queue_statement,
    reservations_of,
)
from app.orders.requests import pending_for
from app.orders.states import OPEN_STATUSES
from app.pagination import paginate
from app.web.csv_stream import list_csv, orders_csv, wants_csv
from app.web.inputs import page_arg, queue_args, search_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("inventory", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["inventory"])

QUEUES = {
    q.key: q
    for q in (
        Queue("shortages", "Shortages & backorders",
              (Order.status.in_(OPEN_STATUSES), has_backorder()), (Order.promised_date.asc(),),
              "No open order is short of stock."),
        Queue("confirmed", "Newly confirmed", (Order.status == "confirmed",),
              (Order.confirmed_at.desc(),), "No confirmed orders waiting."),
    )
}


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    if wants_csv():
        return orders_csv(queue_statement(queue, q), f"inventory-{queue.key}.csv")
    return render("inventory/index.html", queues=QUEUES, queue=queue, q=q, pagination=order_page(queue, q, page),
                  low_stock=low_stock(), movements=recent_movements(), requests=pending_for("inventory"),
                  backordered=products_waiting_for_stock())


PRODUCT_COLUMNS = (
    ("sku", lambda p: p.sku), ("name", lambda p: p.name), ("bin", lambda p: p.bin_location),
    ("unit_price", lambda p: p.unit_price), ("on_hand", lambda p: p.on_hand), ("reserved", lambda p: p.reserved),
    ("available", lambda p: p.available), ("reorder_point", lambda p: p.reorder_point),
    ("lead_time_days", lambda p: p.lead_time_days), ("active", lambda p: "yes" if p.active else "no"),
)


@bp.get("/products")
def products():
    q = search_arg()
    if wants_csv():
        return list_csv(product_list(q), PRODUCT_COLUMNS, "products")
    return render("inventory/products.html", q=q, pagination=paginate(product_list(q), page_arg()))


def get_product(sku: str) -> Product:
    return product_by_sku(sku) or abort(404)


def _render_product(product, receive=None, adjust=None, status=200):
    context = dict(product=product, receive=receive or ReceiveForm(formdata=None),
                   adjust=adjust or AdjustForm(formdata=None), reservations=reservations_of(product),
                   waiting=waiting_lines(product.id), pagination=paginate(movements_of(product), page_arg()))
    return render("inventory/product.html", status=status, **context)


@bp.get("/products/<sku>")
def product(sku):
    return _render_product(get_product(sku))


@bp.post("/products/<sku>/receive")
def receive(sku):
    product, form = get_product(sku), ReceiveForm()
    if not form.validate():
        return _render_product(product, receive=form, status=422)
    stock.receive_stock(product, form.quantity.data, form.reference.data or "", current_user)
    waiting = sum(line.qty_backordered for line in waiting_lines(product.id))
    flash(outcome(product.sku, f"received {form.quantity.data}, now {product.on_hand} on hand",
                  f"{waiting} unit(s) are on backorder for waiting orders: allocate them below" if waiting else ""), "success")
    return redirect(url_for("inventory.product", sku=product.sku, _anchor="backorders" if waiting else None))


@bp.post("/products/<sku>/adjust")
def adjust(sku):
    product, form = get_product(sku), AdjustForm()
    if not form.validate():
        return _render_product(product, adjust=form, status=422)
    on_refusal(lambda exc: _refused_adjust(sku, form, exc))
    stock.adjust_stock(product, form.change.data, form.reason.data, current_user)
    flash(outcome(product.sku, f"adjusted by {form.change.data:+d} ({form.reason.data})", f"now {product.on_hand} on hand"),
          "success")
    return redirect(url_for("inventory.product", sku=product.sku))


def _refused_adjust(sku, form, exc):
    form.change.errors = [*form.change.errors, str(exc)]
    return _render_product(get_product(sku), adjust=form, status=422)


@bp.post("/products/<sku>/allocate")
def allocate(sku):
    product = get_product(sku)
    allocated = allocate_backorders(product, current_user)
    if allocated:
        flash(f"{product.sku}: reserved " + ", ".join(f"{n} for {line.order.number}" for line, n in allocated)
              + ". Those orders are ready to pick again.", "success")
    else:
        flash(f"{product.sku}: nothing allocated: no stock available or no order waiting.", "info")
    return redirect(url_for("inventory.product", sku=product.sku))
