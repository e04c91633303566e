"""Changes a customer asked for that wait for sales: from the API, the status page or an
email that quotes the order. Opening one tells sales (`order.change_requested`); sales
applies it through the amendment form (which verifies it with the customer) or declines it."""

from sqlalchemy import select

from app.errors import Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders.models import CHANGE_REQUEST_SOURCES, ChangeRequest, Order
from app.timeutil import utcnow

MAX_TEXT = 4000


def open_change_request(order: Order, *, channel: str, source: str, requested_by: str = "", text: str = "",
                        payload: dict | None = None, inbound_email_id: int | None = None,
                        actor=None) -> ChangeRequest:
    """Record what the customer asked and tell sales. Flushes; the caller commits."""
    if source not in CHANGE_REQUEST_SOURCES:
        raise ValueError(f"unknown change request source {source}")
    if not order.number:
        raise Refusal("This order has not been confirmed yet, so there is nothing to change: "
                      "the draft itself can still be edited.")
    text = (text or "").strip()[:MAX_TEXT]
    if not text and not payload:
        raise Refusal("Say what you would like to change.")
    request = ChangeRequest(order_id=order.id, channel=channel, source=source,
                            requested_by=(requested_by or "").strip()[:200], text=text, payload=payload,
                            inbound_email_id=inbound_email_id)
    db.session.add(request)
    db.session.flush()
    record_event("order.change_requested",
                 f"Change requested by {request.requested_by or 'the customer'} ({request.source_label}): "
                 f"{text or 'see the lines asked for'}"[:300],
                 order=order, actor=actor, after={"change_request_id": request.id, "source": source})
    return request


def open_requests(order: Order) -> list[ChangeRequest]:
    return list(db.session.execute(
        select(ChangeRequest).where(ChangeRequest.order_id == order.id, ChangeRequest.status == "open")
        .order_by(ChangeRequest.id)).scalars())


def close_change_request(request: ChangeRequest, status: str, actor, note: str = "",
                         revision: int | None = None) -> ChangeRequest:
    """Mark a request applied (with the revision the amendment made) or declined (with why)."""
    if status not in ("applied", "declined"):
        raise ValueError(status)
    if request.status != "open":
        raise Refusal("This change request has already been dealt with.")
    if status == "declined" and not (note or "").strip():
        raise Refusal("Say why the change is declined: the customer is told.")
    request.status, request.decided_at = status, utcnow()
    request.decided_by_id = actor.id if actor else None
    request.decision_note = (note or "").strip()[:500]
    request.revision_applied = revision
    record_event(f"order.change_request_{status}",
                 f"Change request #{request.id} {status}{': ' + request.decision_note if request.decision_note else ''}"[:300],
                 order=request.order, actor=actor, after={"change_request_id": request.id})
    db.session.flush()
    return request
