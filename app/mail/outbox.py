"""Queueing email: a row in the outbox, written in the caller's transaction.

The relay (`flask --app wsgi outbox work`) sends what is queued; if the transaction that
queued a message rolls back, the message was never queued.
"""

import uuid

from flask import current_app

from app.extensions import db
from app.mail.models import OutboxMessage


def new_message_id() -> str:
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "orderdesk.local"
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_email(to: str, subject: str, body_text: str, *, body_html: str = "", order=None, document=None) -> OutboxMessage:
    """Add an email to the outbox (not sent until the relay picks it up after commit)."""
    message = OutboxMessage(
        message_id=new_message_id(), to_address=to, subject=subject[:300], body_text=body_text,
        body_html=body_html, order_id=order.id if order is not None else None,
        document_id=document.id if document is not None else None,
    )
    db.session.add(message)
    db.session.flush()
    return message
