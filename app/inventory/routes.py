from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from app.auth.access import DASHBOARD_ROLES, ORDER_VIEWERS, ensure_roles
from app.catalog import products as catalogue
from app.catalog import stock
from app.catalog.models import Product
from app.catalog.queries import (
    low_stock,
    movements_of,
    product_by_sku,
    product_list,
    recent_movements,
)
from app.inventory.forms import (
    ActiveForm,
    AdjustForm,
    BreakForm,
    DeleteProductForm,
    ProductForm,
    ReceiveForm,
)
from app.orders.backorders import allocate_backorders, waiting_lines
from app.orders.models import Order
from app.orders.queries import (
    Queue,
    has_backorder,
    open_lines_summary,
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
from app.web.rendering import lazy, render
from app.web.transaction import on_refusal

bp = Blueprint("inventory", __name__)
# Sales and fulfillment read a product's page; the rest (the list too) is the inventory team's
# (and the manager's).
READABLE = {"inventory.product"}
bp.before_request(lambda: ensure_roles(*(ORDER_VIEWERS if request.endpoint in READABLE else DASHBOARD_ROLES["inventory"])))

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
    # each part is worked out only if the page, or the region a live refresh asks for, shows it
    return render("inventory/index.html", queues=QUEUES, queue=queue, q=q,
                  pagination=lazy(lambda: order_page(queue, q, page)), low_stock=lazy(low_stock),
                  movements=lazy(recent_movements), requests=lazy(lambda: pending_for("inventory")),
                  backordered=lazy(products_waiting_for_stock))


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


ORDERS_SHOWN = 20  # of the orders holding or waiting for a product; the rest are a search away


def _render_product(product, receive=None, adjust=None, status=200):
    context = dict(product=product, receive=receive or ReceiveForm(formdata=None),
                   adjust=adjust or AdjustForm(formdata=None), reservations=reservations_of(product, ORDERS_SHOWN),
                   breaks=catalogue.breaks_of(product), history=catalogue.price_history(product),
                   waiting=waiting_lines(product.id, limit=ORDERS_SHOWN), open_lines=open_lines_summary(product),
                   open_orders_url=url_for("search.index", sku=product.sku, status=list(OPEN_STATUSES)),
                   pagination=paginate(movements_of(product), page_arg()))
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
    waiting = open_lines_summary(product)["backordered"]
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


# --- looking after the catalogue: create, edit, breaks, deactivate, delete -----------------

@bp.get("/products/new")
def new_product():
    return render("inventory/product_form.html", form=ProductForm(formdata=None), product=None)


@bp.post("/products/new")
def create_product():
    form = ProductForm()
    if not form.validate():
        return render("inventory/product_form.html", form=form, product=None, status=422)
    on_refusal(lambda exc: _refused_product(form, exc, None))
    product = catalogue.create_product(form.values(), current_user)
    flash(outcome(product.sku, "created", "receive its opening stock below"), "success")
    return redirect(url_for("inventory.product", sku=product.sku))


def _refused_product(form, exc, sku):
    """The form again with the refusal next to its field (what was typed is kept)."""
    field = getattr(exc, "field", None)
    if field in form:
        form[field].errors = [*form[field].errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
    return _render_edit(get_product(sku), product_form=form) if sku else render(
        "inventory/product_form.html", form=form, product=None)


def _render_edit(product, product_form=None, break_form=None, break_id=None, delete=None, status=200):
    """The edit page: the product's fields, its quantity breaks (one form per row, the one refused
    kept as typed), deactivating and, for a product never ordered, deleting."""
    rows = []
    for item in catalogue.breaks_of(product):
        form = break_form if break_id == item.id else BreakForm(formdata=None, obj=item, prefix=f"b{item.id}")
        rows.append((item, form))
    return render("inventory/product_form.html", status=status, product=product,
                  form=product_form or ProductForm(formdata=None, obj=product),
                  rows=rows, add_break=break_form if break_id == "new" else BreakForm(formdata=None, prefix="new"),
                  ordered=catalogue.has_been_ordered(product), kept_because=catalogue.kept_because(product),
                  delete=delete or DeleteProductForm(formdata=None))


@bp.get("/products/<sku>/edit")
def edit_product(sku):
    return _render_edit(get_product(sku))


@bp.post("/products/<sku>/edit")
def update_product(sku):
    product, form = get_product(sku), ProductForm()
    if not form.validate():
        return _render_edit(product, product_form=form, status=422)
    on_refusal(lambda exc: _refused_product(form, exc, sku))
    changed = catalogue.update_product(product, form.values(), current_user)
    flash(outcome(product.sku, "changed " + ", ".join(changed) if changed else "nothing changed"),
          "success" if changed else "info")
    return redirect(url_for("inventory.product", sku=product.sku))


def _break_change(sku, break_id, change):
    """Add or change a quantity break from its row's form; refused: the edit page with the row as typed."""
    product = get_product(sku)
    form = BreakForm(prefix="new" if break_id == "new" else f"b{break_id}")
    if not form.validate():
        return _render_edit(product, break_form=form, break_id=break_id, status=422)

    def refused(exc):
        field = getattr(exc, "field", None)
        target = form[field] if field in form else form.min_quantity
        target.errors = [*target.errors, str(exc)]
        return _render_edit(get_product(sku), break_form=form, break_id=break_id)

    on_refusal(refused)
    item = change(product, form.values())
    flash(outcome(product.sku, f"quantity break from {item.min_quantity} at {item.unit_price} saved"), "success")
    return redirect(url_for("inventory.edit_product", sku=product.sku, _anchor="breaks"))


@bp.post("/products/<sku>/breaks")
def add_break(sku):
    return _break_change(sku, "new", lambda product, values: catalogue.add_break(product, current_user, **values))


@bp.post("/products/<sku>/breaks/<int:break_id>")
def change_break(sku, break_id):
    return _break_change(sku, break_id, lambda product, values: catalogue.change_break(
        product, break_id, current_user, **values))


@bp.post("/products/<sku>/breaks/<int:break_id>/remove")
def remove_break(sku, break_id):
    product = get_product(sku)
    on_refusal(back=url_for("inventory.edit_product", sku=product.sku, _anchor="breaks"))
    catalogue.remove_break(product, break_id, current_user)
    flash(outcome(product.sku, "quantity break removed"), "success")
    return redirect(url_for("inventory.edit_product", sku=product.sku, _anchor="breaks"))


@bp.post("/products/<sku>/active")
def set_active(sku):
    product, form = get_product(sku), ActiveForm()
    on_refusal(back=url_for("inventory.product", sku=product.sku))
    catalogue.set_active(product, bool(form.validate() and form.active.data), current_user)
    flash(outcome(product.sku, "reactivated: it can be ordered again" if product.active
                  else "deactivated: it can no longer be added to orders or amendments"), "success")
    return redirect(url_for("inventory.product", sku=product.sku))


@bp.post("/products/<sku>/delete")
def delete_product(sku):
    product, form = get_product(sku), DeleteProductForm()
    if not form.validate():
        return _render_edit(product, delete=form, status=422)
    on_refusal(back=url_for("inventory.edit_product", sku=product.sku))
    catalogue.delete_product(product, current_user)
    flash(f"{sku}: deleted.", "success")
    return redirect(url_for("inventory.products"))
