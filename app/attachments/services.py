"""Attaching files to an order and removing them from view. Flushes; the caller commits."""

import hashlib

from flask import current_app
from sqlalchemy import func, select

from app.attachments.files import detect_type, human_size, kind_label, safe_filename
from app.attachments.models import OrderAttachment
from app.documents.models import Document
from app.documents.store import store_document
from app.errors import NotFound, Refusal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow

KIND = "attachment"  # the Document kind that holds an attachment's bytes


def attach_file(order, filename: str, content: bytes, user, note: str = "") -> OrderAttachment:
    """Keep `content` (read up to one byte past the limit) as an attachment of `order`, if it
    is a PDF or an image and within ATTACHMENT_MAX_BYTES; records `order.attachment_added`."""
    content_type = _checked_type(filename, content)
    name = safe_filename(filename, content_type)
    document = store_document(order, KIND, content, name, revision=_next_number(order), actor=user)
    attachment = OrderAttachment(order_id=order.id, document_id=document.id, filename=name, content_type=content_type,
                                 size=len(content), sha256=document.sha256, note=note.strip(),
                                 uploaded_by_id=user.id, created_at=utcnow())
    db.session.add(attachment)
    db.session.flush()
    record_event("order.attachment_added", f"Attached {name} ({describe(attachment)})", order=order, actor=user,
                 after=_facts(attachment))
    return attachment


def _checked_type(filename: str, content: bytes) -> str:
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    shown = filename.replace("\\", "/").rsplit("/", 1)[-1][:80] or "The file"
    if not content:
        raise Refusal(f"{shown} is empty. Choose the file again.")
    if len(content) > limit:
        raise Refusal(f"{shown} is larger than {human_size(limit)}, the most that can be attached.")
    content_type = detect_type(content)
    if content_type is None:
        raise Refusal(f"{shown} is not a PDF or an image (PNG, JPEG, WebP or GIF), so it was not attached. "
                      "Save or scan it as a PDF and attach that.")
    return content_type


def _next_number(order) -> int:
    """Attachments are numbered per order in the document store (its `revision`)."""
    last = db.session.scalar(select(func.max(Document.revision))
                             .where(Document.order_id == order.id, Document.kind == KIND))
    return (last or 0) + 1


def describe(attachment: OrderAttachment) -> str:
    return f"{kind_label(attachment.content_type)}, {human_size(attachment.size)}"


def _facts(attachment: OrderAttachment) -> dict:
    return {"attachment": attachment.id, "filename": attachment.filename, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256}


def remove_attachment(attachment: OrderAttachment, user) -> None:
    """Take an attachment off the order's page; the row and the bytes stay on record.
    Records `order.attachment_removed`."""
    if attachment.removed_at is not None:
        raise Refusal(f"{attachment.filename} was already removed.")
    attachment.removed_at, attachment.removed_by_id = utcnow(), user.id
    db.session.flush()
    record_event("order.attachment_removed", f"Removed attachment {attachment.filename}", order=attachment.order,
                 actor=user, before=_facts(attachment))


def attachments_of(order) -> list[OrderAttachment]:
    """The order's attachments in view, oldest first."""
    return db.session.scalars(select(OrderAttachment).where(
        OrderAttachment.order_id == order.id, OrderAttachment.removed_at.is_(None)).order_by(OrderAttachment.id)).all()


def attachment_on(order, attachment_id: int) -> OrderAttachment:
    """One attachment of `order` still in view, or NotFound."""
    attachment = db.session.get(OrderAttachment, attachment_id)
    if attachment is None or attachment.order_id != order.id or attachment.removed_at is not None:
        raise NotFound("That attachment is not on this order (it may have been removed).")
    return attachment


def stored_file(attachment: OrderAttachment) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) to send: as uploaded, or — once retention has replaced
    the bytes — the notice PDF that stands in their place."""
    content = attachment.document.content
    if hashlib.sha256(content).hexdigest() != attachment.sha256:  # replaced by the retention notice
        return content, "application/pdf", f"{attachment.filename.rsplit('.', 1)[0]}-removed.pdf"
    return content, attachment.content_type, attachment.filename
