"""The mail pages: every email the app sent or will send, one message, retry by hand."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from app.auth.access import restrict_blueprint
from app.documents.models import Document
from app.extensions import db
from app.mail.message import build_email
from app.mail.models import OutboxMessage
from app.mail.relay import retry_now
from app.orders.models import Order
from app.web import render_list

bp = Blueprint("mail", __name__, url_prefix="/mail")
restrict_blueprint(bp, "sales", "manager")

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
    view = request.args.get("view") if request.args.get("view") in VIEWS else "all"
    q = request.args.get("q", "")[:100]
    stmt = (select(OutboxMessage).outerjoin(Order, Order.id == OutboxMessage.order_id)
            .options(contains_eager(OutboxMessage.order))
            .where(*VIEWS[view][1]).order_by(OutboxMessage.id.desc()))
    if q.strip():
        stmt = stmt.where(_search(q))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pagination = db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_list("mail/index.html", "mail/_list.html", pagination=pagination, view=view,
                       views=VIEWS, q=q)


@bp.get("/<int:message_id>")
def message(message_id):
    row = _message(message_id)
    order = db.session.get(Order, row.order_id) if row.order_id else None
    document = db.session.get(Document, row.document_id) if row.document_id else None
    return render_template("mail/message.html", message=row, order=order, document=document,
                           email=build_email(row))


@bp.get("/<int:message_id>.eml")
def eml(message_id):
    """The message as an .eml file, byte for byte what the relay hands over."""
    row = _message(message_id)
    response = current_app.response_class(bytes(build_email(row)), mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="message-{row.id}.eml"'
    return response


def _back(default: str) -> str:
    target = request.form.get("next", "")
    parts = urlsplit(target)
    return target if target.startswith("/") and not target.startswith("//") and not parts.netloc else default


@bp.post("/<int:message_id>/retry")
def retry(message_id):
    """Queue a failed or waiting email again, due now."""
    row = _message(message_id)
    try:
        retry_now(row, current_user)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Email to {row.to_address} queued again; the relay sends it within seconds.", "success")
    return redirect(_back(url_for("mail.message", message_id=message_id)))
