"""Special requests and amendments on an order page."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.access import role_required
from app.catalog.lookup import product_by_sku
from app.errors import Conflict
from app.events.models import Event
from app.extensions import db
from app.orders import amendments, requests
from app.orders.forms import AmendForm, DecisionForm, request_form
from app.orders.permissions import require
from app.orders.routes import _run, bp, get_order
from app.orders.states import CHANNEL_LABELS
from app.web.inputs import parse_int
from app.web.transaction import on_refusal

ADD_ROWS = 4


@bp.post("/<ref>/requests")
@role_required("sales", "manager")
def add_request(ref):
    order = get_order(ref)
    form = request_form()
    if not form.validate():
        flash("Special request not added: " + " ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("orders.detail", ref=order.ref, _anchor="requests"))
    return _run(order, requests.add_request, form.kind.data, form.text.data, current_user, form.due_date.data,
                may="add_request", done=f"{order.ref}: special request added; the owning team decides whether it can be met.")


@bp.post("/<ref>/requests/<int:request_id>/decide")
@role_required("inventory", "fulfillment", "manager")
def decide_request(ref, request_id):
    order = get_order(ref)
    form = DecisionForm()
    if not form.validate():
        flash("Choose Approve or Reject.", "error")
        return redirect(url_for("orders.detail", ref=order.ref, _anchor="requests"))
    return _on_request(order, request_id, "decide_request", requests.decide_request, form.decision.data == "approve",
                       form.note.data or "", current_user,
                       done=f"{order.ref}: special request {'approved' if form.decision.data == 'approve' else 'rejected'}.")


@bp.post("/<ref>/requests/<int:request_id>/done")
@role_required("inventory", "fulfillment", "manager")
def complete_request(ref, request_id):
    return _on_request(get_order(ref), request_id, "complete_request", requests.complete_request, current_user,
                       done="Special request marked done.")


@bp.post("/<ref>/requests/<int:request_id>/withdraw")
@role_required("sales", "manager")
def withdraw_request(ref, request_id):
    return _on_request(get_order(ref), request_id, "withdraw_request", requests.withdraw_request, current_user,
                       done="Special request withdrawn.")


@bp.post("/<ref>/requests/<int:request_id>/not-promised")
@role_required("sales", "manager")
def not_promised(ref, request_id):
    return _on_request(get_order(ref), request_id, "accept_not_promised", requests.accept_not_promised, current_user,
                       done="Recorded: the customer accepts the order without this request.")


def _on_request(order, request_id, action, change, *args, done):
    """Run `change` on one special request of the order, if the user may do `action` to it."""
    return _run(order, change, request_id, *args, may=action, done=done,
                subject=lambda: requests.request_on(order, request_id))


# --- amendments ---------------------------------------------------------------------------

def amend_form(order, fresh: bool = False) -> AmendForm:
    """The amend form: the order's current values on GET (or when `fresh`), the posted ones otherwise."""
    form = AmendForm(obj=order) if request.method == "GET" else AmendForm(formdata=None, obj=order) if fresh else AmendForm()
    form.channel.choices = [("", "Choose…")] + [(c, CHANNEL_LABELS.get(c, c)) for c in amendments.approved_channels()]
    return form


def _quantities(order, errors) -> dict[int, int]:
    quantities = {}
    for line in order.lines:
        value = parse_int(request.form.get(f"qty-{line.id}", str(line.quantity)), 0, 100_000)
        if value is None:
            errors[f"qty-{line.id}"] = "Enter a whole number from 0 (remove) to 100,000."
        else:
            quantities[line.id] = value
    return quantities


def _additions(errors) -> list:
    additions = []
    for row in range(ADD_ROWS):
        sku = request.form.get(f"add_sku-{row}", "").strip()[:60]
        raw = request.form.get(f"add_qty-{row}", "").strip()[:12]
        if not sku and not raw:
            continue
        product = product_by_sku(sku) if sku else None
        if product is None:
            errors[f"add_sku-{row}"] = f"No product with the SKU “{sku}”." if sku else "Enter the SKU."
        elif parse_int(raw, 1, 100_000) is None:
            errors[f"add_qty-{row}"] = "Enter a quantity from 1 to 100,000."
        else:
            additions.append((product, int(raw)))
    return additions


def _last_event_id(order) -> int:
    return db.session.execute(select(func.max(Event.id)).where(Event.order_id == order.id)).scalar() or 0


def _render_amend(order, form, errors=None, conflict=None, status=200):
    return render_template("orders/amend.html", order=order, form=form, errors=errors or {},
                           add_rows=ADD_ROWS, seen_event=_last_event_id(order), conflict=conflict), status


def _conflict(order):
    """Someone saved the order since this form was opened: say what changed and show it as it is now
    (who asked and how it was verified are kept; the changes must be made again)."""
    seen = parse_int(request.form.get("seen_event")) or 0
    changes = db.session.execute(select(Event).where(Event.order_id == order.id, Event.id > seen)
                                 .order_by(Event.id)).scalars().all()
    form = amend_form(order, fresh=True)
    for name in ("channel", "requested_by", "verified_how"):
        form[name].data = request.form.get(name, "")
    return _render_amend(order, form, conflict=changes, status=409)


@bp.route("/<ref>/amend", methods=["GET", "POST"])
@role_required("sales", "manager")
def amend(ref):
    order = get_order(ref)
    form = amend_form(order)
    if request.method == "GET":
        on_refusal(back=url_for("orders.detail", ref=order.ref))
        require(current_user, "amend", order)
        return _render_amend(order, form)
    if request.form.get("version", "").strip() != str(order.version):
        return _conflict(order)
    errors = {}
    form_ok = form.validate()
    if form.cancel.data:
        change = amendments.Amendment(form.channel.data, form.requested_by.data or "", form.verified_how.data or "",
                                      cancel=True, cancel_reason=form.cancel_reason.data or "")
    else:
        quantities, additions = _quantities(order, errors), _additions(errors)
        header = {"method": form.method.data, "address": (form.address.data or "").strip(),
                  "requested_date": form.requested_date.data, "instructions": (form.instructions.data or "").strip()}
        change = amendments.Amendment(form.channel.data, form.requested_by.data or "", form.verified_how.data or "",
                                      quantities=quantities, additions=additions, header=header)
    if not form_ok or errors:
        return _render_amend(order, form, errors, status=422)
    on_refusal(lambda exc: _refused_amend(ref, form, errors, exc))
    revision = amendments.amend_order(order, change, current_user)
    flash(f"{order.ref} amended: revision {revision.number}. " + "; ".join(c["text"] for c in revision.diff), "success")
    return redirect(url_for("orders.detail", ref=order.ref))


def _refused_amend(ref, form, errors, exc):
    """The amendment was refused, or someone saved the order between our version check and our write."""
    if isinstance(exc, Conflict):
        return _conflict(get_order(ref))
    form.form_errors.append(str(exc))
    return _render_amend(get_order(ref), form, errors, status=422)


@bp.post("/<ref>/ask-release")
@role_required("sales", "manager")
def ask_release(ref):
    order = get_order(ref)
    on_refusal(back=url_for("orders.detail", ref=order.ref))
    require(current_user, "ask_pick_release", order)
    amendments.ask_pick_release(order, current_user, request.form.get("change", "")[:500])
    flash("Fulfillment has been asked to release the pick. You can amend once the order is back to Confirmed.", "success")
    return redirect(url_for("orders.detail", ref=order.ref))
