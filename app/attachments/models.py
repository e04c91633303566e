"""An order's attachment: what was uploaded, by whom, and where its bytes are stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.attachments.files import kind_label
from app.extensions import db
from app.timeutil import utcnow


class OrderAttachment(db.Model):
    """One uploaded file. The bytes are a Document (kind "attachment") — the storage key —
    so they are kept and purged like every other stored document. Removing an attachment
    hides it from the order page; the row and the bytes stay on record."""

    __tablename__ = "order_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    filename: Mapped[str] = mapped_column(String(120))  # as uploaded, made safe to show and to send
    content_type: Mapped[str] = mapped_column(String(40))  # decided from the bytes
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order = relationship("Order")
    document = relationship("Document")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])

    @property
    def kind_label(self) -> str:
        return kind_label(self.content_type)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"
