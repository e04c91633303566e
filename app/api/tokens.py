"""Making, finding and revoking API tokens. The token is random (secrets), shown once, and
stored as its SHA-256; a revoked token is refused from the next request on."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from app.api.models import SCOPES, ApiToken
from app.bookkeeping import aside
from app.database import reading_only
from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.timeutil import utcnow

PREFIX = "od_"
LAST_USE_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(name: str, actor=None, scopes=None) -> tuple[ApiToken, str]:
    """A new token; returns the row and the token (the only time it is seen). Flushes."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Refusal("Give the token a name of 1 to 80 characters (say who uses it, e.g. \"Web shop\").")
    scopes = list(scopes) if scopes else list(SCOPES)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Refusal(f"Unknown scope {unknown[0]}: choose from {', '.join(SCOPES)}.")
    if db.session.execute(select(ApiToken.id).where(ApiToken.name == name)).first():
        raise Refusal(f"A token named {name} exists already: choose another name, or revoke that one.")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=token_hash(token), prefix=token[:10], scopes=" ".join(scopes),
                   created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    record_event("api_token.created", f"API token {name} created ({', '.join(scopes)})", actor=actor)
    return row, token


def revoke_token(row: ApiToken, actor=None) -> ApiToken:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_by_id = actor.id if actor else None
        record_event("api_token.revoked", f"API token {row.name} revoked", actor=actor)
        db.session.flush()
    return row


def token_for(token: str) -> ApiToken | None:
    """The active token row for a presented bearer token, else None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).scalar_one_or_none()
    return row if row is not None and row.active else None


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: an active token, as read at the start of the request."""

    id: int
    name: str
    scopes: tuple[str, ...]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def _read(digest: str):
    """The token's row, read on a connection of its own without any writer's lock."""
    table = ApiToken.__table__
    with reading_only(), db.engine.connect() as connection:
        return connection.execute(select(table.c.id, table.c.name, table.c.scopes, table.c.last_used_at)
                                  .where(table.c.token_hash == digest, table.c.revoked_at.is_(None))).first()


def authenticate(token: str) -> Caller | None:
    """The caller for a presented bearer token (None if unknown or revoked), noting its last
    use at most once a minute (aside). Call it first thing in the request: it uses
    connections of its own, and takes SQLite's write lock only for that minutely note."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = _read(token_hash(token))
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_EVERY:
        table = ApiToken.__table__
        aside(lambda connection: connection.execute(
            update(table).where(table.c.id == row.id).values(last_used_at=now)))
    return Caller(row.id, row.name, tuple(row.scopes.split()))


