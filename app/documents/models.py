"""Every PDF issued, stored once with its SHA-256; downloads serve these bytes.

A customer document (a confirmation, a cancellation notice) is issued in the order's
transaction as its `template` and the plain values it prints (`context`), with no bytes yet:
it is rendered after commit, once (app/documents/deferred.py). From then on its `content`
and `sha256` are fixed like any other document's, and `context` is cleared."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

DOCUMENT_KINDS = ("confirmation", "pick_list", "packing_slip", "wave_pick_list", "attachment")


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("order_id", "kind", "revision", name="uq_documents_issue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # None until rendered
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # None until rendered
    template: Mapped[str | None] = mapped_column(String(80))  # a deferred document's template
    context: Mapped[dict | None] = mapped_column(JSON)  # what it will print; cleared once rendered
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def rendered(self) -> bool:
        return self.content is not None
