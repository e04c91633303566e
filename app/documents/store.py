"""The archive of issued documents: each stored once, with its SHA-256."""

import hashlib

from sqlalchemy import select

from app.documents.models import Document
from app.extensions import db


def find_document(order_id: int, kind: str, revision: int = 0) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.order_id == order_id, Document.kind == kind,
                               Document.revision == revision)
    ).scalar_one_or_none()


def store_document(order, kind: str, content: bytes, filename: str, *, revision: int = 0, actor=None) -> Document:
    """Keep the bytes of an issued document; the first issue of (order, kind, revision) wins."""
    existing = find_document(order.id, kind, revision)
    if existing is not None:
        return existing
    document = Document(order_id=order.id, kind=kind, revision=revision, filename=filename,
                        sha256=hashlib.sha256(content).hexdigest(), content=content,
                        created_by_id=actor.id if actor else None)
    db.session.add(document)
    db.session.flush()
    return document
