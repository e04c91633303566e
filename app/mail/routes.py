"""The mail pages: every email the app sent or will send, one message, retry by hand."""

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from app.auth.access import restrict_blueprint
from app.documents.models import Document
from app.extensions import db
from app.forms_util import ButtonForm
from app.mail.message import build_email
from app.mail.models import OutboxMessage
from app.mail.relay import retry_now
from app.orders.models import Order
from app.orders.permissions import require, roles_for
from app.pagination import paginate
from app.web.inputs import choice_arg, page_arg, search_arg
from app.web.navigation import back_url
from app.web.rendering import document_bytes, render
from app.web.transaction import on_refusal

bp = Blueprint("mail", __name__, url_prefix="/mail")
restrict_blueprint(bp, *roles_for("view_mail"))

VIEWS = {
    "all": ("All mail", ()),
    "sent": ("Sent", (OutboxMessage.status == "sent",)),
    "waiting": ("Waiting", (OutboxMessage.status.in_(("queued", "sending")),)),
    "problems": ("Problems", (or_(OutboxMessage.status == "failed",
                                  and_(OutboxMessage.status == "queued", OutboxMessage.attempts > 0)),)),
}


def _message(message_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, message_id) or abort(404)


def _search(q: str):
    term = f"%{q.strip()}%"
    return or_(OutboxMessage.to_address.ilike(term), OutboxMessage.subject.ilike(term),
               Order.number.ilike(term))


@bp.get("/")
def index():
    """Emails, newest first, by status tab; searchable by address, subject or order number."""
    view = choice_arg("view", VIEWS, "all")
    q = search_arg()
    stmt = (select(OutboxMessage).outerjoin(Order, Order.id == OutboxMessage.order_id)
            .options(contains_eager(OutboxMessage.order))
            .where(*VIEWS[view][1]).order_by(OutboxMessage.id.desc()))
    if q:
        stmt = stmt.where(_search(q))
    pagination = paginate(stmt, page_arg())
    return render("mail/index.html", pagination=pagination, view=view, views=VIEWS, q=q)


@bp.get("/<int:message_id>")
def message(message_id):
    row = _message(message_id)
    order = db.session.get(Order, row.order_id) if row.order_id else None
    document = db.session.get(Document, row.document_id) if row.document_id else None
    return render("mail/message.html", message=row, order=order, document=document,
                           email=build_email(row, _attachment(row)))


def _attachment(row) -> bytes | None:
    """The bytes the relay attaches (a document not rendered yet is rendered now, stored aside)."""
    document = db.session.get(Document, row.document_id) if row.document_id else None
    return document_bytes(document)[0] if document is not None else None


@bp.get("/<int:message_id>.eml")
def eml(message_id):
    """The message as an .eml file, byte for byte what the relay hands over."""
    row = _message(message_id)
    response = current_app.response_class(bytes(build_email(row, _attachment(row))), mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="message-{row.id}.eml"'
    return response


@bp.post("/<int:message_id>/retry")
def retry(message_id):
    """Queue a failed or waiting email again, due now."""
    row = _message(message_id)
    back = back_url(url_for("mail.message", message_id=message_id), ButtonForm().next.data)
    on_refusal(back=back)
    require(current_user, "retry_email", row)
    retry_now(row, current_user)
    flash(f"Email to {row.to_address} queued again; the relay sends it within seconds.", "success")
    return redirect(back)
