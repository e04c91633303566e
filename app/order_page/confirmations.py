"""Order-page views for confirmations: the stored PDF and the communication log."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer

from app.auth.access import ORDER_VIEWERS, role_required
from app.documents.models import Document
from app.extensions import db
from app.order_page.communication_form import CommunicationForm
from app.order_page.forms import SplitForm
from app.order_page.routes import bp, get_order, render_detail
from app.orders.communications import confirmation_state, log_communication
from app.orders.confirmation import CANCELLATION, KIND
from app.orders.models import Order
from app.orders.permissions import require
from app.orders.promising import promise_for, set_accepts_split
from app.orders.refs import parse_ref
from app.web.inputs import int_arg
from app.web.navigation import back_url
from app.web.rendering import document_response
from app.web.transaction import on_refusal


def confirmation_documents(order) -> list[Document]:
    """The confirmations issued for the order, one per revision (content not loaded)."""
    return db.session.execute(
        select(Document).options(defer(Document.content))
        .where(Document.order_id == order.id, Document.kind == KIND).order_by(Document.revision)
    ).scalars().all()


bp.add_app_template_global(confirmation_state)
bp.add_app_template_global(confirmation_documents)
bp.add_app_template_global(promise_for)
bp.add_app_template_global(CommunicationForm, "CommunicationForm")


def issued_confirmation(ref: str, revision: int | None) -> Document | None:
    """The stored confirmation of order `ref` (latest revision unless told), in one query."""
    parsed = parse_ref(ref)
    if parsed is None or parsed.number is None:
        return None
    wanted = revision if revision else Order.revision
    return db.session.execute(
        select(Document).join(Order, Order.id == Document.order_id)
        .where(Order.number == parsed.number, Document.kind == KIND, Document.revision == wanted)
    ).scalar_one_or_none()


@bp.get("/<ref>/confirmation.pdf")
@role_required(*ORDER_VIEWERS)
def confirmation_pdf(ref):
    """The latest revision's confirmation, or `?revision=N`; 404 if none was issued."""
    document = issued_confirmation(ref, int_arg("revision", lo=1)) or abort(404)
    return document_response(document)


@bp.get("/<ref>/cancellation.pdf")
@role_required(*ORDER_VIEWERS)
def cancellation_pdf(ref):
    """The cancellation notice the customer was sent (the confirmation marked CANCELLED); 404 if none."""
    order = get_order(ref)
    document = db.session.execute(
        select(Document).where(Document.order_id == order.id, Document.kind == CANCELLATION)
        .order_by(Document.revision.desc()).limit(1)
    ).scalar_one_or_none()
    return document_response(document or abort(404))


@bp.post("/<ref>/communications")
@role_required("sales", "manager")
def log_contact(ref):
    """Log a call or message with the customer (possibly as the confirmation)."""
    order = get_order(ref)
    require(current_user, "log_contact", order)
    form = CommunicationForm()
    if not form.validate_on_submit():
        return render_detail(order, 422, comm_form=form)
    on_refusal(lambda exc: _refused_contact(ref, form, exc))
    entry = log_communication(order, current_user, direction=form.direction.data, medium=form.medium.data,
                              summary=form.summary.data, contact=form.contact.data or "", confirms=form.confirms.data)
    flash(f"{order.ref}: {logged_what(entry)} logged"
          f"{f' as the confirmation of revision {entry.confirms_revision}' if entry.confirms_revision else ''}.", "success")
    return redirect(url_for("orders.detail", ref=order.ref, _anchor="communications"))


def logged_what(entry) -> str:
    """"phone call to the customer", "email from Tom Ward"…"""
    medium = {"phone": "phone call", "email": "email", "message": "message"}[entry.medium]
    whom = entry.contact or "the customer"
    return f"{medium} {'to' if entry.direction == 'out' else 'from'} {whom}"


def _refused_contact(ref, form, exc):
    form.confirms.errors = [str(exc)]
    return render_detail(get_order(ref), 422, comm_form=form)


@bp.post("/<ref>/split")
@role_required("sales", "manager")
def accept_split(ref):
    """Record whether the customer accepts a split delivery (draft only): it moves the promise."""
    order = get_order(ref)
    form = SplitForm()
    back = back_url(url_for("orders.detail", ref=order.ref), form.next.data)
    on_refusal(back=back)
    require(current_user, "accept_split", order)
    set_accepts_split(order, current_user, form.accepts_split.data)
    return redirect(back)
