"""Documents rendered after the transaction that issued them.

Issuing a customer document (a confirmation, a cancellation notice) stores, in the order's
transaction, the Document row with its template and the plain values the PDF will show
(`context`, frozen as JSON) and no bytes: the outbox message that carries it commits with
the order or not at all, and no PDF is rendered while the writer's transaction is open.

The PDF is rendered afterwards, outside any write transaction, by whoever needs it first:
the mail relay before it sends the email it is attached to (app/mail/relay.py), or the first
open of the document's link (app/web/rendering.py `document_response`, stored aside). The
bytes are kept with one conditional UPDATE (`content IS NULL`): the first render to arrive
wins and every later reader gets those stored bytes, so a document has one content and one
SHA-256 for ever after, like any other document. The render reads only the frozen values,
so it shows the order as it was issued even if the order changed since.
"""

import hashlib
import json

from sqlalchemy import select, update

from app.documents.models import Document
from app.documents.pdf import render_pdf
from app.extensions import db

documents = Document.__table__


def issue_deferred(order, kind: str, template: str, context: dict, filename: str, *, revision: int = 0,
                   actor=None) -> Document:
    """Issue a document to be rendered after commit; the first issue of (order, kind,
    revision) wins. `context` is frozen as JSON (what the render will read). Flushes."""
    frozen = json.loads(json.dumps(context))
    document = Document(order_id=order.id, kind=kind, revision=revision, filename=filename,
                        template=template, context=frozen, created_by_id=actor.id if actor else None)
    db.session.add(document)
    db.session.flush()
    return document


def render_deferred(template: str, context: dict) -> bytes:
    """The PDF of a deferred document, from its frozen values."""
    return render_pdf(template, doc=context)


def keep_rendered(connection, document_id: int, content: bytes) -> tuple[bytes, str]:
    """Store the rendered bytes unless someone stored them first; returns the bytes and SHA-256
    that are kept (ours, or the earlier render's). On the caller's connection and transaction."""
    connection.execute(
        update(documents).where(documents.c.id == document_id, documents.c.content.is_(None))
        .values(content=content, sha256=hashlib.sha256(content).hexdigest(), context=None))
    row = connection.execute(select(documents.c.content, documents.c.sha256).where(documents.c.id == document_id)).one()
    return row.content, row.sha256


def pending_render(document_id: int):
    """(template, context) of a document still to be rendered, or None."""
    return db.session.execute(
        select(Document.template, Document.context).where(Document.id == document_id, Document.content.is_(None))
    ).first()


def render_now(document: Document) -> Document:
    """Render a deferred document in the session's own transaction (CLI and tests; the web and
    the relay render outside it). Flushes; returns the document with its bytes."""
    if document.content is None:
        keep_rendered(db.session.connection(), document.id, render_deferred(document.template, document.context))
        db.session.refresh(document)
    return document
