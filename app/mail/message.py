"""An outbox row as an RFC 5322 email: plain text, HTML alternative, PDF attached."""

from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app

from app.documents.models import Document
from app.extensions import db
from app.settings.store import setting


def build_email(row, attachment: bytes | None = None) -> EmailMessage:
    """The email for an outbox row. The same row always gives the same headers and body.
    `attachment`: the document's bytes when the caller has them and the session may not
    (rendered and stored on another connection)."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = formataddr((setting("BUSINESS_NAME"), config["MAIL_FROM"]))
    email["To"] = row.to_address
    email["Subject"] = row.subject
    email["Message-ID"] = row.message_id
    email["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    email.set_content(row.body_text)
    if row.body_html:
        email.add_alternative(row.body_html, subtype="html")
    if row.document_id:
        document = db.session.get(Document, row.document_id)
        content = attachment or document.content
        if content is None:  # the relay renders it first (app/mail/relay.py): that failed
            raise ValueError(f"{document.filename} is not rendered yet")
        email.add_attachment(content, maintype="application", subtype="pdf", filename=document.filename)
    return email
