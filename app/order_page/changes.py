"""Special requests and amendments on an order page."""

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.access import role_required
from app.catalog.products import PackSizeError
from app.errors import Conflict
from app.events.models import Event
from app.extensions import db
from app.order_page.customer_changes import apply_change_request, prefill_amendment
from app.order_page.forms import AmendForm, AskReleaseForm, DecisionForm, request_form
from app.order_page.routes import _run, bp, get_order, render_detail
from app.orders import amendments, requests
from app.orders.permissions import require
from app.orders.states import CHANNEL_LABELS
from app.web.inputs import parse_int
from app.web.rendering import render
from app.web.transaction import on_refusal


@bp.post("/<ref>/requests")
@role_required("sales", "manager")
def add_request(ref):
    order = get_order(ref)
    form = request_form()
    if not form.validate():
        flash("Special request not added: " + " ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("orders.detail", ref=order.ref, _anchor="requests"))
    return _run(order, requests.add_request, form.kind.data, form.text.data, current_user, form.due_date.data,
                may="add_request", done=lambda: _said(order, order.special_requests[-1],
                                                      "added, waiting for {team} to decide"))


@bp.post("/<ref>/requests/<int:request_id>/decide")
@role_required("inventory", "fulfillment", "manager")
def decide_request(ref, request_id):
    order = get_order(ref)
    form = DecisionForm()
    if not form.validate():
        flash("Choose Approve or Reject.", "error")
        return redirect(url_for("orders.detail", ref=order.ref, _anchor="requests"))
    return _on_request(order, request_id, "decide_request", requests.decide_request, form.decision.data == "approve",
                       form.note.data or "", current_user, done="{status}; sales has been told")


@bp.post("/<ref>/requests/<int:request_id>/done")
@role_required("inventory", "fulfillment", "manager")
def complete_request(ref, request_id):
    return _on_request(get_order(ref), request_id, "complete_request", requests.complete_request, current_user,
                       done="marked done")


@bp.post("/<ref>/requests/<int:request_id>/withdraw")
@role_required("sales", "manager")
def withdraw_request(ref, request_id):
    return _on_request(get_order(ref), request_id, "withdraw_request", requests.withdraw_request, current_user,
                       done="removed; it stays in the order's history")


@bp.post("/<ref>/requests/<int:request_id>/not-promised")
@role_required("sales", "manager")
def not_promised(ref, request_id):
    return _on_request(get_order(ref), request_id, "accept_not_promised", requests.accept_not_promised, current_user,
                       done="accepted by the customer as not promised")


def _on_request(order, request_id, action, change, *args, done: str):
    """Run `change` on one special request of the order, if the user may do `action` to it;
    `done` says what happened to the request (see `_said`)."""
    seen = {}

    def subject():
        seen["request"] = requests.request_on(order, request_id)
        return seen["request"]
    return _run(order, change, request_id, *args, may=action, subject=subject,
                done=lambda: _said(order, seen["request"], done))


def _said(order, request, what: str) -> str:
    """"SO-2026-00473: delivery window request added, waiting for inventory to decide": `what`
    may name the request's {team} and {status}."""
    label = requests.kind_label(request.kind).lower()
    return f"{order.ref}: {label} request {what.format(team=request.owner_team, status=request.status)}."


# --- amendments ---------------------------------------------------------------------------

def amend_form(order) -> AmendForm:
    """The amend form with the order's current values: one quantity for each line, empty add rows."""
    form = AmendForm(formdata=None, obj=order, seen_event=_last_event_id(order),
                     quantities=[{"line_id": line.id, "quantity": line.quantity} for line in order.lines])
    return _with_channels(form)


def _with_channels(form: AmendForm) -> AmendForm:
    form.channel.choices = [("", "Choose…")] + [(c, CHANNEL_LABELS.get(c, c)) for c in amendments.approved_channels()]
    return form


def _last_event_id(order) -> int:
    return db.session.execute(select(func.max(Event.id)).where(Event.order_id == order.id)).scalar() or 0


def _render_amend(order, form, conflict=None, status=200):
    """The amend page (or, for htmx, the region it targets: the preview) with what the change would do."""
    lines = {line.id: line for line in order.lines}
    preview = amendments.preview_amendment(order, form.valid_quantities(), form.added_products())
    return render("orders/amend.html", order=order, form=form, lines=lines, conflict=conflict, preview=preview,
                  status=status)


def _conflict(order, posted: AmendForm):
    """Someone saved the order since this form was opened: say what changed and show it as it is now
    (who asked and how it was verified are kept; the changes must be made again)."""
    changes = db.session.execute(select(Event).where(Event.order_id == order.id, Event.id > (posted.seen_event.data or 0))
                                 .order_by(Event.id)).scalars().all()
    form = amend_form(order)
    for name in ("channel", "requested_by", "verified_how", "change_request"):
        form[name].data = posted[name].data
    return _render_amend(order, form, conflict=changes, status=409)


def _preview(order, form: AmendForm):
    """What the change would do to the lines, nothing saved; only the line rows are checked."""
    if not form.made_from(order):
        return _conflict(order, form)
    form.validate_lines()
    return _render_amend(order, form)


def _amendment(form: AmendForm) -> amendments.Amendment:
    who = (form.channel.data, form.requested_by.data or "", form.verified_how.data or "")
    if form.cancel.data:
        return amendments.Amendment(*who, cancel=True, cancel_reason=form.cancel_reason.data or "")
    header = {"method": form.method.data, "address": form.address.data or "",
              "requested_date": form.requested_date.data, "instructions": form.instructions.data or ""}
    return amendments.Amendment(*who, quantities=form.new_quantities(), additions=form.added_products(), header=header)


@bp.route("/<ref>/amend", methods=["GET", "POST"])
@role_required("sales", "manager")
def amend(ref):
    order = get_order(ref)
    if request.method == "GET":
        on_refusal(back=url_for("orders.detail", ref=order.ref))
        require(current_user, "amend", order)
        if "preview" in request.args:  # the form's htmx asks as it is filled in: a read, no writer's lock
            return _preview(order, _with_channels(AmendForm(formdata=request.args)))
        form = amend_form(order)
        prefill_amendment(form, order, parse_int(request.args.get("change_request", "")))
        return _render_amend(order, form)
    form = _with_channels(AmendForm())
    if form.preview.data:  # the Preview button, for a browser without JavaScript
        return _preview(order, form)
    if not form.made_from(order):
        return _conflict(order, form)
    if not form.validate():
        return _render_amend(order, form, status=422)
    on_refusal(lambda exc: _refused_amend(ref, form, exc))
    revision = amendments.amend_order(order, _amendment(form), current_user)
    apply_change_request(order, form, revision, current_user)
    flash(f"{order.ref} amended: revision {revision.number}. " + "; ".join(c["text"] for c in revision.diff), "success")
    return redirect(url_for("orders.detail", ref=order.ref))


def _refused_amend(ref, form, exc):
    """The amendment was refused, or someone saved the order between our version check and our write."""
    if isinstance(exc, Conflict):
        return _conflict(get_order(ref), form)
    order = get_order(ref)
    row = _row_of(order, form, exc.sku) if isinstance(exc, PackSizeError) else None
    if row is not None:  # a quantity that is not whole packs: the message next to that quantity
        row.quantity.errors = [*row.quantity.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))
    return _render_amend(order, form, status=422)


def _row_of(order, form: AmendForm, sku: str):
    """The row of the amend form (an existing line's, else an added one) that sets `sku`'s quantity."""
    skus = {line.id: line.sku for line in order.lines}
    rows = [e.form for e in form.quantities if skus.get(e.line_id.data) == sku]
    rows += [e.form for e in form.additions if e.form.product is not None and e.form.product.sku == sku]
    return rows[0] if rows else None


@bp.post("/<ref>/ask-release")
@role_required("sales", "manager")
def ask_release(ref):
    order = get_order(ref)
    form = AskReleaseForm()
    on_refusal(back=url_for("orders.detail", ref=order.ref))
    require(current_user, "ask_pick_release", order)
    if not form.validate():
        return render_detail(order, 422, release_form=form)
    amendments.ask_pick_release(order, current_user, form.change.data or "")
    flash(f"{order.ref}: Fulfillment has been asked to release the pick (“{form.change.data}”). "
          "You can amend once the order is back to Confirmed.", "success")
    return redirect(url_for("orders.detail", ref=order.ref))
