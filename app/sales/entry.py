"""Order entry: start a draft, edit it live (htmx), review, submit."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from htmx_flask import make_response
from sqlalchemy import or_, select

from app.catalog.lookup import find_products, product_by_sku
from app.catalog.pricing import customer_prices
from app.customers.models import Customer
from app.customers.services import create_customer
from app.errors import Conflict
from app.extensions import db
from app.orders import drafts, verification
from app.orders.permissions import can
from app.orders.routes import request_panel
from app.orders.services import OrderError, create_draft, find_order, submitted_draft
from app.sales.forms import (
    AddLineForm,
    CustomerForm,
    HeaderForm,
    PriceOverrideForm,
    QuantityForm,
    StartDraftForm,
)
from app.sales.routes import bp
from app.web.inputs import parse_int, search_arg
from app.web.transaction import on_refusal

# --- starting a draft -------------------------------------------------------------------

@bp.get("/orders/new")
def new_order():
    return render_template("sales/new_order.html", form=StartDraftForm(), customer_form=CustomerForm(prefix="new"))


@bp.post("/orders/new")
def start_order():
    form, customer_form = StartDraftForm(), CustomerForm(prefix="new")
    if request.form.get("new_customer"):
        if customer_form.validate_on_submit():
            customer = create_customer(actor=current_user, **_customer_fields(customer_form))
            return _begin(customer, form.channel.data)
        return render_template("sales/new_order.html", form=form, customer_form=customer_form,
                               show_new=True), 422
    chosen = parse_int(form.customer_id.data) if form.validate_on_submit() else None
    customer = db.session.get(Customer, chosen) if chosen is not None else None
    if customer is None:
        form.customer_id.errors = ["Choose a customer from the list, or create a new one."]
        return render_template("sales/new_order.html", form=form, customer_form=customer_form), 422
    return _begin(customer, form.channel.data)


def _customer_fields(form: CustomerForm) -> dict:
    return {name: (getattr(form, name).data or "").strip()
            for name in ("name", "contact_name", "email", "phone", "address", "notes")}


def _begin(customer, channel):
    order = create_draft(customer, channel=channel, actor=current_user)
    return redirect(url_for("sales.edit_order", ref=order.ref))


@bp.get("/customers/search")
def customer_search():
    """Customer choices for the entry screen, by name, code, email or phone."""
    q = search_arg()
    found = []
    if q:
        term = f"%{q}%"
        found = db.session.execute(
            select(Customer).where(or_(Customer.name.ilike(term), Customer.code.ilike(term),
                                       Customer.email.ilike(term), Customer.phone.ilike(term)))
            .order_by(Customer.name).limit(8)
        ).scalars().all()
    return render_template("sales/_customer_results.html", customers=found, q=q)


# --- the draft workspace ------------------------------------------------------------------

def _draft(ref):
    """The draft named in the URL; a DRAFT-<id> that has since been submitted (a second
    click on Submit, an old tab) leads to the order instead of a 404."""
    order = find_order(ref)
    if order is None:
        submitted = submitted_draft(ref) or abort(404)
        abort(redirect(url_for("orders.detail", ref=submitted.number)))
    return order


def _workspace(order, **extra) -> dict:
    """Everything the entry screen shows beside the form: lines with stock and the checks.
    A change (POST) stores the checks it finds; a page (GET) only shows them."""
    history = verification.customer_history(order)
    if request.method == "POST" and not extra.pop("refused", False):
        flags = verification.refresh_flags(order, history)
    else:
        flags = verification.shown_flags(order, history)
    return {"order": order, "history": history, "flags": flags, "kind_labels": verification.KIND_LABELS,
            "choices": drafts.SHORTAGE_CHOICES, **extra}


@bp.get("/orders/<ref>/edit")
def edit_order(ref):
    order = _draft(ref)
    if not can(current_user, "continue_entry", order):
        flash(f"{order.ref} is {order.status_label.lower()}; it can no longer be edited here.", "info")
        return redirect(url_for("orders.detail", ref=order.ref))
    context = _workspace(order, header=HeaderForm(obj=order), add_form=AddLineForm(),
                         **request_panel(back_to=url_for("sales.edit_order", ref=order.ref)))
    return render_template("sales/edit_order.html", **context)


def _stale(order):
    """A conflict answer if the page was made from an older version of the draft."""
    sent = request.form.getlist("version")  # htmx appends the page's current version last
    if sent and sent[-1].strip() == str(order.version):
        return None
    return _conflict(order)


def _conflict(order):
    body = render_template("sales/_conflict.html", order=order)
    if request.htmx:
        return make_response(body, retarget="#draft-conflict", reswap="innerHTML")
    flash("Someone else changed this draft at the same time; nothing of yours was saved. Check it and try again.", "error")
    return redirect(url_for("sales.edit_order", ref=order.ref))


def _after_change(order, partial, **extra):
    """Answer an edit: the changed region plus the live panel and new version (out of band)."""
    context = _workspace(order, oob=True, **extra)
    if not request.htmx:
        return redirect(url_for("sales.edit_order", ref=order.ref))
    return render_template(partial, **context)


def _edit(ref, change, partial, *, refused=None, field=None, **extra):
    """Run one change on a draft, with the version check and the refusals shown in place:
    next to `field` when given (with the form in `refused`, so nothing typed is lost)."""
    order = _draft(ref)
    conflict = _stale(order)
    if conflict:
        return conflict
    on_refusal(lambda exc: _refused_edit(ref, exc, partial, refused, field, extra))
    change(order)
    db.session.flush()
    return _after_change(order, partial, **extra)


def _refused_edit(ref, exc, partial, refused, field, extra):
    """The change was refused (or someone saved the draft first): the region again, with the
    message next to `field` and what was typed kept."""
    order = _draft(ref)
    if isinstance(exc, Conflict):
        return _conflict(order)
    if not request.htmx:
        flash(str(exc), "error")
    if field is not None:
        field.errors = [*field.errors, str(exc)]
        return _after_change(order, partial, refused=True, **{**extra, **(refused or {})})
    return _after_change(order, partial, refused=True, error=str(exc), **{**extra, **(refused or {})})


@bp.post("/orders/<ref>/header")
def update_header(ref):
    order = _draft(ref)
    form = HeaderForm()
    if not form.validate():
        return _after_change(order, "sales/_header_saved.html", header=form)
    fields = {name: getattr(form, name).data for name in drafts.HEADER_FIELDS}
    for name in ("address", "instructions", "customer_reference"):  # a field left out of the post is empty
        fields[name] = (fields[name] or "").strip() if name == "customer_reference" else fields[name] or ""
    return _edit(ref, lambda o: drafts.update_header(o, current_user, **fields), "sales/_header_saved.html", header=form)


@bp.get("/orders/<ref>/products")
def product_lookup(ref):
    order = _draft(ref)
    products = find_products(request.args.get("sku", "")[:60])
    prices = customer_prices(order.customer_id, [p.id for p in products])
    return render_template("sales/_product_results.html", products=products, prices=prices)


@bp.post("/orders/<ref>/lines")
def add_line(ref):
    form = AddLineForm()
    if not form.validate():
        return _after_change(_draft(ref), "sales/_lines.html", add_form=form)

    def change(order):
        product = product_by_sku(form.sku.data) or _only_match(form.sku.data)
        drafts.add_product(order, product, form.quantity.data, current_user)

    return _edit(ref, change, "sales/_lines.html", add_form=AddLineForm(formdata=None),
                 refused={"add_form": form}, field=form.sku)


def _only_match(term):
    found = find_products(term, limit=2)
    if len(found) != 1:
        raise OrderError(f"No product “{term}”. Type a SKU or part of a name and pick from the list."
                         if not found else f"“{term}” matches several products; pick one from the list.")
    return found[0]


@bp.post("/orders/<ref>/lines/<int:line_id>")
def change_quantity(ref, line_id):
    form = QuantityForm()
    if not form.validate():
        return _after_change(_draft(ref), "sales/_lines.html", add_form=AddLineForm(formdata=None),
                             line_errors={line_id: form.quantity.errors[0]},
                             typed={line_id: request.form.get("quantity", "")})
    return _edit(ref, lambda o: drafts.set_quantity(o, line_id, form.quantity.data, current_user),
                 "sales/_lines.html", add_form=AddLineForm(formdata=None))


@bp.post("/orders/<ref>/lines/<int:line_id>/remove")
def remove_line(ref, line_id):
    return _edit(ref, lambda o: drafts.remove_line(o, line_id, current_user), "sales/_lines.html",
                 add_form=AddLineForm(formdata=None))


@bp.post("/orders/<ref>/lines/<int:line_id>/price")
def override_price(ref, line_id):
    form = PriceOverrideForm()
    if not form.validate():
        return _after_change(_draft(ref), "sales/_lines.html", add_form=AddLineForm(formdata=None),
                             price_form=form, price_line=line_id)
    return _edit(ref, lambda o: drafts.override_price(o, line_id, form.price.data, form.reason.data, current_user),
                 "sales/_lines.html", add_form=AddLineForm(formdata=None),
                 refused={"price_form": form, "price_line": line_id}, field=form.price)


@bp.post("/orders/<ref>/flags/acknowledge")
def acknowledge_flag(ref):
    """Acknowledge one check (by its key, so a check shown but not yet stored can be acknowledged)."""
    key = request.form.get("key", "")[:200]
    return _after_acknowledge(ref, _edit(ref, lambda o: verification.acknowledge(o, key, current_user),
                                         "sales/_verify.html"))


@bp.post("/orders/<ref>/flags/acknowledge-all")
def acknowledge_all_flags(ref):
    """Acknowledge every check the rep was shown (`key` fields); a check found since stays open."""
    keys = {k[:200] for k in request.form.getlist("key")[:100]} or None
    return _after_acknowledge(ref, _edit(ref, lambda o: verification.acknowledge_all(o, current_user, keys),
                                         "sales/_verify.html"))


def _after_acknowledge(ref, response):
    if not request.htmx and request.form.get("next") == "review":
        return redirect(url_for("sales.review_order", ref=ref))
    return response


# --- review and submit ----------------------------------------------------------------------

@bp.get("/orders/<ref>/review")
def review_order(ref):
    order = _draft(ref)
    if not can(current_user, "continue_entry", order):
        return redirect(url_for("orders.detail", ref=order.ref))
    context = _workspace(order, **request_panel(back_to=url_for("sales.review_order", ref=order.ref)))
    return render_template("sales/review_order.html", **context)


@bp.post("/orders/<ref>/submit")
def submit_order(ref):
    order = _draft(ref)
    conflict = _stale(order)
    if conflict:
        return conflict
    choices = {line.id: request.form.get(f"shortage-{line.id}", "backorder") for line in order.lines}
    choices = {k: v if v in drafts.SHORTAGE_CHOICES else "backorder" for k, v in choices.items()}
    on_refusal(back=url_for("sales.review_order", ref=ref))
    drafts.submit_draft(order, current_user, choices)
    flash(f"{order.number} confirmed for {order.customer.name}.", "success")
    return redirect(url_for("orders.detail", ref=order.number))
