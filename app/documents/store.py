"""The archive of issued documents: each stored once, with its SHA-256."""

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.documents.models import Document
from app.extensions import db
from app.timeutil import utcnow

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def find_document(order_id: int, kind: str, revision: int = 0) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.order_id == order_id, Document.kind == kind,
                               Document.revision == revision)
    ).scalar_one_or_none()


def store_document(order, kind: str, content: bytes, filename: str, *, revision: int = 0, actor=None) -> Document:
    """Keep the bytes of an issued document; the first issue of (order, kind, revision) wins.

    Two writers issuing the same document at once (on PostgreSQL they run in parallel): the
    insert skips a row that is already there, waiting for the other writer's commit if it
    is still in flight, so both end up with the one stored document (the unique key decides)."""
    existing = find_document(order.id, kind, revision)
    if existing is not None:
        return existing
    db.session.flush()
    db.session.execute(_INSERTS[db.session.get_bind().dialect.name](Document).values(
        order_id=order.id, kind=kind, revision=revision, filename=filename,
        sha256=hashlib.sha256(content).hexdigest(), content=content, created_at=utcnow(),
        created_by_id=actor.id if actor else None,
    ).on_conflict_do_nothing(index_elements=["order_id", "kind", "revision"]))
    return find_document(order.id, kind, revision)
