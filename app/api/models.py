"""API tokens and the idempotency records of the online channel's requests."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

SCOPES = {
    "products:read": "Read products and stock",
    "orders:read": "Read orders",
    "orders:write": "Place orders and ask for amendments",
}


class ApiToken(db.Model):
    """A named bearer token for a client of the API (e.g. the web shop). Only its SHA-256
    is stored; the token itself is shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column()  # bookkeeping, at most once a minute
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.active and scope in self.scope_list


class IdempotencyRecord(db.Model):
    """The answer given to one `Idempotency-Key` of one token: the same key with the same body
    gets the same answer again; with another body, 409. Kept at least IDEMPOTENCY_KEEP_HOURS."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)  # the JSON answered
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
