"""On the order page: what the customer asked to change (the "Asked by the customer" panel) and
the customer's status link (copy, revoke, issue a new one).

A change request is applied through the ordinary amendment form, opened prefilled from it
(`/orders/<ref>/amend?change_request=<id>`); saving the amendment closes the request as
applied with the new revision. Declining needs a reason: the customer sees it on their page.
"""

from datetime import date

from flask import current_app, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app.auth.access import role_required
from app.extensions import db
from app.forms_util import at_most, stripped
from app.order_page.routes import bp, get_order
from app.orders.change_requests import close_change_request, open_requests
from app.orders.models import ChangeRequest
from app.orders.permissions import require
from app.orders.status_links import active_link, reissue, revoke, token_for_link
from app.web.transaction import on_refusal


class DeclineForm(FlaskForm):
    reason = StringField("Why it cannot be done", filters=[stripped], validators=[
        DataRequired("Say why the change is declined: the customer sees it."), at_most(500)])


@bp.app_template_global()
def customer_changes(order) -> list[ChangeRequest]:
    """The changes the customer asked for that wait for sales."""
    return open_requests(order) if order.number else []


@bp.app_template_global()
def customer_status_url(order) -> str | None:
    """The customer's current status link, if one is active (a page never creates one)."""
    link = active_link(order) if order.number else None
    if link is None:
        return None
    config = current_app.config
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}/status/{token_for_link(link, config['SECRET_KEY'])}"


@bp.app_template_global()
def decline_form() -> DeclineForm:
    return DeclineForm(formdata=None)


def change_request_on(order, request_id) -> ChangeRequest | None:
    found = db.session.get(ChangeRequest, request_id) if isinstance(request_id, int) and 0 < request_id < 2**31 else None
    return found if found is not None and found.order_id == order.id else None


@bp.post("/<ref>/change-requests/<int:request_id>/decline")
@role_required("sales", "manager")
def decline_change(ref, request_id):
    order = get_order(ref)
    back = url_for("orders.detail", ref=order.ref, _anchor="customer-changes")
    on_refusal(back=back)
    asked = change_request_on(order, request_id)
    if asked is None:
        return redirect(back)
    require(current_user, "decline_change_request", asked)
    form = DeclineForm()
    if not form.validate():
        flash("Not declined: " + " ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    close_change_request(asked, "declined", current_user, note=form.reason.data)
    flash(f"{order.ref}: the customer's change request is declined; they see why on their status page.", "success")
    return redirect(back)


@bp.post("/<ref>/status-link/revoke")
@role_required("sales", "manager")
def revoke_status_link(ref):
    order = _link_order(ref)
    revoke(order, current_user)
    flash(f"{order.ref}: the customer's status link no longer works. Issue a new one to send them.", "success")
    return redirect(url_for("orders.detail", ref=order.ref, _anchor="status-link"))


@bp.post("/<ref>/status-link/new")
@role_required("sales", "manager")
def new_status_link(ref):
    order = _link_order(ref)
    reissue(order, current_user)
    flash(f"{order.ref}: a new status link is issued (the old one no longer works). Copy it to send to the customer.",
          "success")
    return redirect(url_for("orders.detail", ref=order.ref, _anchor="status-link"))


def _link_order(ref):
    order = get_order(ref)
    on_refusal(back=url_for("orders.detail", ref=order.ref))
    require(current_user, "manage_status_link", order)
    return order


# --- the amendment form, from a change request -------------------------------------------------

def prefill_amendment(form, order, request_id) -> None:
    """Fill the amend form with what the customer asked (where the request says it in structured
    form); who asked and through which channel come from the request."""
    asked = change_request_on(order, request_id)
    if asked is None or asked.status != "open":
        return
    form.change_request.data = asked.id
    if asked.channel in dict(form.channel.choices):
        form.channel.data = asked.channel
    form.requested_by.data = asked.requested_by or form.requested_by.data
    payload = asked.payload or {}
    if payload.get("cancel"):
        form.cancel.data = True
    _prefill_lines(form, order, payload.get("lines") or [])
    _prefill_header(form, payload.get("header") or {})


def _prefill_lines(form, order, lines: list) -> None:
    wanted = {str(line.get("sku", "")).upper(): line.get("quantity") for line in lines if isinstance(line, dict)}
    skus = {line.id: line.sku.upper() for line in order.lines}
    for entry in form.quantities:
        quantity = wanted.pop(skus.get(entry.line_id.data, ""), None)
        if isinstance(quantity, int) and quantity >= 0:
            entry.form.quantity.data = quantity
    rows = iter(form.additions)
    for sku, quantity in wanted.items():
        row = next(rows, None)
        if row is None or not sku or not isinstance(quantity, int) or quantity <= 0:
            continue
        row.form.sku.data, row.form.quantity.data = sku, quantity


def _prefill_header(form, header: dict) -> None:
    for name in ("address", "instructions"):
        if isinstance(header.get(name), str):
            form[name].data = header[name]
    try:
        form.requested_date.data = date.fromisoformat(header["requested_date"])
    except (KeyError, TypeError, ValueError):
        pass


@bp.app_template_global()
def asked_change(order, form) -> ChangeRequest | None:
    """The open change request the amend form was opened from, if any."""
    asked = change_request_on(order, form.change_request.data)
    return asked if asked is not None and asked.status == "open" else None


def apply_change_request(order, form, revision, actor) -> None:
    """After the amendment is saved: the request it came from is applied, with the revision."""
    asked = change_request_on(order, form.change_request.data)
    if asked is not None:
        close_change_request(asked, "applied", actor, revision=revision.number)
