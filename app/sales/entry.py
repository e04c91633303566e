"""Order entry: start a draft, edit it live (htmx), review, submit."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.catalog.pricing import prices_for, read_ahead, rows_remembered
from app.catalog.products import PackSizeError
from app.catalog.queries import find_products, product_by_sku
from app.customers.models import Customer
from app.customers.queries import customers_matching, town_of
from app.customers.services import create_customer
from app.errors import Conflict, Refusal
from app.extensions import db
from app.order_page.routes import request_panel
from app.orders import drafts, verification
from app.orders.permissions import can, require
from app.orders.queries import last_order_dates
from app.orders.services import OrderError, create_draft, find_order, submitted_draft
from app.sales.forms import (
    AcknowledgeAllForm,
    AcknowledgeForm,
    AddLineForm,
    ClearCreditForm,
    CustomerForm,
    DraftChangeForm,
    HeaderForm,
    PriceOverrideForm,
    QuantityForm,
    StartDraftForm,
    shortage_choices,
    submit_form,
)
from app.sales.routes import bp
from app.web.inputs import parse_int, search_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

EDIT = "sales/edit_order.html"
AFTER_EDIT = ("verify", "draft_version", "draft_conflict")  # refreshed beside every change
LINES_ANSWER = {"block": "draft_lines"}
VERIFY_ANSWER = {"block": "verify"}
HEADER_ANSWER = {"block": "", "oob": ("header_status", "header_errors", "header_address", *AFTER_EDIT)}  # the header swaps nothing itself

# --- starting a draft -------------------------------------------------------------------

@bp.get("/orders/new")
def new_order():
    return render("sales/new_order.html", form=StartDraftForm(), customer_form=CustomerForm(prefix="new"))


@bp.post("/orders/new")
def start_order():
    form, customer_form = StartDraftForm(), CustomerForm(prefix="new")
    if form.new_customer.data:
        if customer_form.validate_on_submit():
            customer = create_customer(actor=current_user, **_customer_fields(customer_form))
            return _begin(customer, form.channel.data)
        return render("sales/new_order.html", form=form, customer_form=customer_form, show_new=True, status=422)
    chosen = parse_int(form.customer_id.data) if form.validate_on_submit() else None
    customer = db.session.get(Customer, chosen) if chosen is not None else None
    if customer is None:
        form.customer_id.errors = ["Choose a customer from the list, or create a new one."]
        return render("sales/new_order.html", form=form, customer_form=customer_form, status=422)
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
    offered = customers_matching(q).where(Customer.active.is_(True))  # an inactive customer takes no new orders
    found = db.session.execute(offered.options(selectinload(Customer.addresses)).limit(8)
                               ).scalars().all() if q else []
    return render("sales/new_order.html", block="customer_results", customers=found, q=q, town_of=town_of,
                  last_ordered=last_order_dates([c.id for c in found]))


# --- the draft workspace ------------------------------------------------------------------

def _draft(ref):
    """The draft named in the URL; a DRAFT-<id> that has since been submitted (a second
    click on Submit, an old tab) leads to the order instead of a 404."""
    order = find_order(ref, with_customer=True)
    if order is None:
        submitted = submitted_draft(ref) or abort(404)
        abort(redirect(url_for("orders.detail", ref=submitted.number)))
    return order


def _workspace(order, **extra) -> dict:
    """Everything the entry screen shows beside the form: lines with stock and the checks.
    A change (POST) stores the checks it finds; a page (GET) only shows them."""
    history = verification.customer_history(order)
    if request.method == "POST" and not extra.pop("refused", False):
        flags = verification.refresh_flags(order, history, actor=current_user)
    else:
        flags = verification.shown_flags(order, history)
    return {"order": order, "history": history, "flags": flags, "kind_labels": verification.KIND_LABELS,
            "manager_clears": verification.MANAGER_CLEARS,
            "choices": drafts.SHORTAGE_CHOICES, "line_prices": _line_prices(order), **extra}


def _line_prices(order) -> dict:
    """Which price applies to each line today and why (the price the draft is submitted at)."""
    lines = list(order.lines)
    return {line.id: price for line, price in
            zip(lines, prices_for(order.customer_id, [(x.product, x.quantity) for x in lines]), strict=True)}


@bp.get("/orders/<ref>/edit")
def edit_order(ref):
    order = _draft(ref)
    if not can(current_user, "continue_entry", order):
        flash(f"{order.ref} is {order.status_label.lower()}; it can no longer be edited here.", "info")
        return redirect(url_for("orders.detail", ref=order.ref))
    context = _workspace(order, header=header_form(order, obj=order), add_form=AddLineForm(),
                         **request_panel(back_to=url_for("sales.edit_order", ref=order.ref)))
    return render("sales/edit_order.html", **context)


def _stale(order, form: DraftChangeForm):
    """A conflict answer if the page was made from an older version of the draft."""
    return None if form.is_current(order) else _conflict(order)


def _conflict(order):
    if request.htmx:
        return render(EDIT, block="draft_conflict", conflict=True, order=order,
                      retarget="#draft-conflict", reswap="outerHTML")
    flash("Someone else changed this draft at the same time; nothing of yours was saved. Check it and try again.", "error")
    return redirect(url_for("sales.edit_order", ref=order.ref))


def _after_change(order, *, block=None, oob=AFTER_EDIT, **extra):
    """Answer an edit: the region htmx asked for (or `block`), plus the checks panel, the new
    version and a cleared conflict notice out of band."""
    context = _workspace(order, **extra)
    if not request.htmx:
        return redirect(url_for("sales.edit_order", ref=order.ref))
    return render(EDIT, block=block, oob=oob, **context)


def _edit(ref, change, *, form: DraftChangeForm, answer=None, refused=None, field=None, pack_field=None, **extra):
    """Run one change on a draft from `form`, with the version check and the refusals shown in
    place: next to `field` when given (with the form in `refused`, so nothing typed is lost);
    a quantity that is not whole packs next to `pack_field`."""
    order = _draft(ref)
    conflict = _stale(order, form)
    if conflict:
        return conflict
    answer = answer or LINES_ANSWER
    on_refusal(lambda exc: _refused_edit(ref, exc, answer, refused,
                                         pack_field if isinstance(exc, PackSizeError) and pack_field else field, extra))
    with rows_remembered():  # the change prices a line, then the answer prices every line
        change(order)
        db.session.flush()
        return _after_change(order, **answer, **extra)


def _refused_edit(ref, exc, answer, refused, field, extra):
    """The change was refused (or someone saved the draft first): the region again, with the
    message next to `field` and what was typed kept."""
    order = _draft(ref)
    if isinstance(exc, Conflict):
        return _conflict(order)
    if not request.htmx:
        flash(str(exc), "error")
    if field is not None:
        field.errors = [*field.errors, str(exc)]
        return _after_change(order, **answer, refused=True, **{**extra, **(refused or {})})
    return _after_change(order, **answer, refused=True, error=str(exc), **{**extra, **(refused or {})})


@bp.post("/orders/<ref>/header")
def update_header(ref):
    order = _draft(ref)
    form = header_form(order)
    if not form.validate():
        return _after_change(order, **HEADER_ANSWER, header=form)
    fields = {name: getattr(form, name).data for name in drafts.HEADER_FIELDS}
    for name in ("address", "instructions", "customer_reference"):  # a field left out of the post is empty
        fields[name] = (fields[name] or "").strip() if name == "customer_reference" else fields[name] or ""

    def change(o):
        fields["address_id"], fields["address"] = drafts.delivery_address(o, fields["address_id"], fields["address"])
        drafts.update_header(o, current_user, **fields)
        form.address_id.data, form.address.data = o.address_id, o.address  # the chosen address, shown

    return _edit(ref, change, form=form, answer=HEADER_ANSWER, header=form)


def header_form(order, **kwargs) -> HeaderForm:
    """The draft's header form, offering the customer's delivery addresses (and a typed one)."""
    form = HeaderForm(**kwargs)
    offered = [a for a in order.customer.addresses if a.active or a.id == order.address_id]
    form.address_id.choices = [(a.id, f"{a.label}: {a.text.splitlines()[0] if a.text else ''}"
                                + ("" if a.active else " (retired)")) for a in offered]
    form.address_id.choices.append((None, "Another address (type it below)"))
    return form


@bp.get("/orders/<ref>/products")
def product_lookup(ref):
    order = _draft(ref)
    products = find_products(search_arg("sku", 60))
    prices = dict(zip((p.id for p in products), prices_for(order.customer_id, [(p, 1) for p in products]), strict=True))
    return render("sales/_product_results.html", block="product_results", products=products, prices=prices)


@bp.post("/orders/<ref>/lines")
def add_line(ref):
    form = AddLineForm()
    if not form.validate():
        return _after_change(_draft(ref), **LINES_ANSWER, add_form=form)

    def change(order):
        product = product_by_sku(form.sku.data) or _only_match(form.sku.data)
        read_ahead(order.customer_id, [product.id, *(line.product_id for line in order.lines)])
        drafts.add_product(order, product, form.quantity.data, current_user)

    return _edit(ref, change, form=form, add_form=AddLineForm(formdata=None),
                 refused={"add_form": form}, field=form.sku, pack_field=form.quantity)


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
        return _after_change(_draft(ref), **LINES_ANSWER, add_form=AddLineForm(formdata=None),
                             quantity_form=form, quantity_line=line_id)
    return _edit(ref, lambda o: drafts.set_quantity(o, line_id, form.quantity.data, current_user),
                 form=form, add_form=AddLineForm(formdata=None), pack_field=form.quantity,
                 refused={"quantity_form": form, "quantity_line": line_id})


@bp.post("/orders/<ref>/lines/<int:line_id>/remove")
def remove_line(ref, line_id):
    return _edit(ref, lambda o: drafts.remove_line(o, line_id, current_user), form=DraftChangeForm(),
                 add_form=AddLineForm(formdata=None))


@bp.post("/orders/<ref>/lines/<int:line_id>/price")
def override_price(ref, line_id):
    form = PriceOverrideForm()
    if not form.validate():
        return _after_change(_draft(ref), **LINES_ANSWER, add_form=AddLineForm(formdata=None), price_form=form,
                             price_line=line_id)
    return _edit(ref, lambda o: drafts.override_price(o, line_id, form.price.data, form.reason.data, current_user),
                 form=form, add_form=AddLineForm(formdata=None), refused={"price_form": form, "price_line": line_id},
                 field=form.price)


@bp.post("/orders/<ref>/flags/acknowledge")
def acknowledge_flag(ref):
    """Acknowledge one check (by its key, so a check shown but not yet stored can be acknowledged)."""
    form = AcknowledgeForm()
    if not form.validate():
        raise Refusal(" ".join(form.key.errors))
    return _after_acknowledge(ref, form, _edit(ref, lambda o: verification.acknowledge(o, form.key.data, current_user),
                                               form=form, answer=VERIFY_ANSWER))


@bp.post("/orders/<ref>/flags/acknowledge-all")
def acknowledge_all_flags(ref):
    """Acknowledge every check the rep was shown (one `key` field each: Alt+A, or the button);
    a check found since stays open, and a post that names none acknowledges nothing."""
    form = AcknowledgeAllForm()
    if not form.validate() or not form.key.data:
        raise Refusal(" ".join(form.key.errors) or "No check was shown to acknowledge; the panel has been refreshed.")
    done = []
    response = _edit(ref, lambda o: done.extend(verification.acknowledge_all(o, current_user, set(form.key.data))),
                     form=form, answer=VERIFY_ANSWER, just_acknowledged=done)
    return _after_acknowledge(ref, form, response)


@bp.post("/orders/<ref>/flags/clear-credit")
def clear_credit_check(ref):
    """A manager clears a credit check with a reason; a rep is refused (403)."""
    form = ClearCreditForm()
    require(current_user, "clear_credit_check", _draft(ref))
    if not form.validate():
        raise Refusal(" ".join(form.key.errors + form.reason.errors))
    return _after_acknowledge(ref, form, _edit(
        ref, lambda o: verification.clear_credit_check(o, form.key.data, current_user, form.reason.data),
        form=form, answer=VERIFY_ANSWER))


def _after_acknowledge(ref, form, response):
    if not request.htmx and form.next.data == "review":
        return redirect(url_for("sales.review_order", ref=ref))
    return response


# --- review and submit ----------------------------------------------------------------------

@bp.get("/orders/<ref>/review")
def review_order(ref):
    order = _draft(ref)
    if not can(current_user, "continue_entry", order):
        return redirect(url_for("orders.detail", ref=order.ref))
    return _review_page(order, submit_form(order, formdata=None))


def _review_page(order, form, status=200):
    context = _workspace(order, submit_form=form, refused=status != 200,
                         **request_panel(back_to=url_for("sales.review_order", ref=order.ref)))
    return render("sales/review_order.html", status=status, **context)


def _how_to_confirm(customer) -> str:
    """What the rep does next to confirm, by the customer's preferred confirmation channel."""
    if customer.preferred_channel == "phone":
        return "not emailed: they prefer a call: call them and log it"
    if customer.preferred_channel == "post":
        return "not emailed: they prefer post: send the PDF and log it"
    return "confirmation emailed" if customer.email else "no email on file: call the customer and log the call"


@bp.post("/orders/<ref>/submit")
def submit_order(ref):
    order = _draft(ref)
    form = submit_form(order)
    conflict = _stale(order, form)
    if conflict:
        return conflict
    if not form.validate():
        return _review_page(order, form, 422)
    on_refusal(back=url_for("sales.review_order", ref=ref))
    drafts.submit_draft(order, current_user, shortage_choices(form, order))
    told = _how_to_confirm(order.customer)
    nxt = "on hold, waiting for stock" if order.on_hold else "waiting for fulfillment to pick"
    flash(outcome(order.number, f"confirmed for {order.customer.name}", told, nxt), "success")
    return redirect(url_for("orders.detail", ref=order.number))
