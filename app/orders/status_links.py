"""The customer's link to their order's status page (`/status/<token>`).

The token is a signed [link id, nonce] (itsdangerous, salt "order-status"): it cannot be
guessed or forged without SECRET_KEY, and it names one StatusLink row. Revoking the row (or
issuing a new link, which revokes the old one) makes every copy of the old link answer 404.
Services flush; the caller commits.
"""

import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from app.documents.models import Document
from app.events.services import record_event
from app.extensions import db
from app.orders.models import ChangeRequest, Order, StatusLink
from app.timeutil import utcnow

SALT = "order-status"
CUSTOMER_DOCUMENTS = ("confirmation",)  # the documents a customer was sent (not pick lists, packing slips)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def active_link(order: Order) -> StatusLink | None:
    return db.session.execute(
        select(StatusLink).where(StatusLink.order_id == order.id, StatusLink.revoked_at.is_(None))
        .order_by(StatusLink.id.desc()).limit(1)).scalar_one_or_none()


def link_for(order: Order, actor=None) -> StatusLink:
    """The order's current status link; a new one (random nonce) if none is active."""
    link = active_link(order)
    if link is None:
        link = StatusLink(order_id=order.id, nonce=secrets.token_urlsafe(24),
                          created_by_id=actor.id if actor else None)
        db.session.add(link)
        db.session.flush()
    return link


def token_for_link(link: StatusLink, secret: str) -> str:
    return _serializer(secret).dumps([link.id, link.nonce])


def link_from_token(token: str, secret: str) -> StatusLink | None:
    """The active link the token names, or None (bad signature, unknown, revoked: all alike)."""
    try:
        link_id, nonce = _serializer(secret).loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(link_id, int) or not isinstance(nonce, str) or not 0 < link_id < 2**31:
        return None
    link = db.session.get(StatusLink, link_id)
    if link is None or link.revoked_at is not None or not secrets.compare_digest(link.nonce, nonce):
        return None
    return link


def status_url(order: Order, actor=None) -> str:
    """The address of the order's status page, for the customer (creates the link if needed)."""
    config = current_app.config
    token = token_for_link(link_for(order, actor), config["SECRET_KEY"])
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}/status/{token}"


def _revoke_active(order: Order, actor) -> StatusLink | None:
    link = active_link(order)
    if link is not None:
        link.revoked_at, link.revoked_by_id = utcnow(), actor.id if actor else None
        db.session.flush()
    return link


def revoke(order: Order, actor) -> StatusLink | None:
    """Stop the order's link from working (the page answers 404 to it from now on)."""
    link = _revoke_active(order, actor)
    if link is not None:
        record_event("status_link.revoked", f"Customer status link revoked for {order.ref}", order=order,
                     actor=actor, after={"status_link_id": link.id})
    return link


def reissue(order: Order, actor) -> StatusLink:
    """Revoke the current link and issue a new one (to send the customer again)."""
    old = _revoke_active(order, actor)
    link = link_for(order, actor)
    record_event("status_link.issued", f"New customer status link issued for {order.ref}"
                 f"{' (the old one no longer works)' if old else ''}", order=order, actor=actor,
                 after={"status_link_id": link.id})
    return link


def _of_customer(order: Order):
    return (Document.order_id == order.id, Document.kind.in_(CUSTOMER_DOCUMENTS))


def customer_documents(order: Order) -> list:
    """The documents the customer was sent for this order (every confirmation revision), without their bytes."""
    return list(db.session.execute(
        select(Document.id, Document.kind, Document.revision, Document.filename, Document.created_at)
        .where(*_of_customer(order)).order_by(Document.revision)).all())


def customer_document(order: Order, document_id: int) -> Document | None:
    """One of this order's customer-facing documents, or None (another order's, or internal)."""
    return db.session.execute(select(Document).where(Document.id == document_id, *_of_customer(order))
                              ).scalar_one_or_none()


def change_requests_of(order: Order) -> list[ChangeRequest]:
    """Every change asked for on the order, newest first, with sales' answer (the customer's view)."""
    return list(db.session.execute(select(ChangeRequest).where(ChangeRequest.order_id == order.id)
                                   .order_by(ChangeRequest.id.desc())).scalars())
