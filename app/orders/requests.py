"""Special requests: a record each, owned by the team that can meet it, decided with a note."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.events.services import record_event
from app.extensions import db
from app.orders.confirmation import issue_confirmation
from app.orders.models import Order, Revision, SpecialRequest
from app.orders.services import OrderError, order_snapshot
from app.orders.states import CLOSED_STATUSES, TEAMS
from app.settings.store import setting
from app.timeutil import utcnow

REQUEST_STATUS_LABELS = {"pending": "Pending", "approved": "Approved", "rejected": "Rejected", "done": "Done"}
REQUEST_STATUS_TONES = {"pending": "active", "approved": "info", "rejected": "muted", "done": "done"}


@dataclass(frozen=True)
class RequestType:
    kind: str
    label: str
    team: str


def request_types() -> dict[str, RequestType]:
    """The configured kinds of special request (SPECIAL_REQUEST_TYPES: kind=Label=team;...)."""
    types = {}
    for item in setting("SPECIAL_REQUEST_TYPES").split(";"):
        kind, label, team = (part.strip() for part in item.split("="))
        if team not in TEAMS:
            raise ValueError(f"SPECIAL_REQUEST_TYPES: team of {kind!r} must be one of {TEAMS}")
        types[kind] = RequestType(kind, label, team)
    return types


def kind_label(kind: str) -> str:
    found = request_types().get(kind)
    return found.label if found else kind.replace("_", " ").capitalize()


def request_on(order: Order, request_id: int) -> SpecialRequest:
    """The special request `request_id` of the order; refused if it is not on it (any more)."""
    found = next((r for r in order.special_requests if r.id == request_id), None)
    if found is None:
        raise OrderError("That special request is not on this order any more.")
    return found


def add_request(order: Order, kind: str, text: str, actor, due_date: date | None = None) -> SpecialRequest:
    """Record what the customer asked for; the team that owns the kind must decide it."""
    if order.status in CLOSED_STATUSES:
        raise OrderError(f"{order.ref} is {order.status_label.lower()}; no more requests can be added.")
    kind_type = request_types().get(kind)
    if kind_type is None:
        raise OrderError("Choose the kind of request.")
    if not text.strip():
        raise OrderError("Describe what the customer asked for.")
    if due_date and due_date < utcnow().date():
        raise OrderError("The due date is in the past.")
    request = SpecialRequest(order=order, kind=kind, text=text.strip()[:2000], owner_team=kind_type.team,
                             due_date=due_date, created_by_id=actor.id if actor else None)
    db.session.add(request)
    db.session.flush()
    record_event("order.special_request_added", f"Special request ({kind_type.label}, {kind_type.team}): {request.text}",
                 order=order, actor=actor, after={"request": request.id, "kind": kind, "team": kind_type.team})
    return request


def _may_decide(request: SpecialRequest, actor) -> None:
    if not actor.has_role(request.owner_team, "manager"):
        raise OrderError(f"This request belongs to {request.owner_team}; they (or a manager) decide it.")


def decide_request(order: Order, request_id: int, approve: bool, note: str, actor) -> SpecialRequest:
    """The owning team approves or rejects a pending request, with a note for sales."""
    request = request_on(order, request_id)
    _may_decide(request, actor)
    if request.status != "pending":
        raise OrderError(f"This request is already {request.status}.")
    if not approve and not note.strip():
        raise OrderError("Say why the request cannot be met, so sales can tell the customer.")
    request.status = "approved" if approve else "rejected"
    request.decision_note, request.decided_by_id, request.decided_at = note.strip()[:2000], actor.id, utcnow()
    record_event("order.special_request_decided",
                 f"{kind_label(request.kind)} {request.status} by {actor.display_name}" + (f": {request.decision_note}" if request.decision_note else ""),
                 order=order, actor=actor, before={"status": "pending"},
                 after={"request": request.id, "status": request.status})
    reconfirm_decision(order, request, actor)
    return request


def reconfirm_decision(order: Order, request: SpecialRequest, actor) -> Revision | None:
    """A request decided after the order was confirmed changes what the customer was promised:
    a new revision whose diff says so, confirmed to them as an amendment's is (a draft's
    decisions reach the customer with its first confirmation; a closed order's never)."""
    if not order.number or order.status in CLOSED_STATUSES:
        return None
    outcome = "accepted" if request.status == "approved" else "not possible"
    text = (f"Special request ({kind_label(request.kind)}) “{request.text[:200]}”: {outcome}"
            + (f" — {request.decision_note[:200]}" if request.decision_note else ""))
    order.revision += 1
    revision = Revision(order_id=order.id, number=order.revision, channel=order.channel,
                        requested_by=actor.display_name[:120], verified_how=f"Decided by {request.owner_team}",
                        snapshot=order_snapshot(order) | {"status": order.status}, created_by_id=actor.id,
                        diff=[{"what": "special_request", "request": request.id, "before": "pending",
                               "after": request.status, "text": text}])
    db.session.add(revision)
    record_event("order.reconfirmed", f"Revision {order.revision}: {text}", order=order, actor=actor,
                 before={"revision": order.revision - 1}, after={"revision": order.revision, "request": request.id})
    db.session.flush()
    issue_confirmation(order, actor, "reconfirmation")
    return revision


def complete_request(order: Order, request_id: int, actor) -> SpecialRequest:
    """Mark an approved request as carried out."""
    request = request_on(order, request_id)
    _may_decide(request, actor)
    if request.status != "approved":
        raise OrderError("Only an approved request can be marked done.")
    request.status, request.done_at = "done", utcnow()
    record_event("order.special_request_done", f"{kind_label(request.kind)} done", order=order, actor=actor,
                 before={"status": "approved"}, after={"request": request.id, "status": "done"})
    return request


def withdraw_request(order: Order, request_id: int, actor) -> None:
    """Sales removes a pending request the customer no longer wants (kept in the history)."""
    request = request_on(order, request_id)
    if request.status != "pending":
        raise OrderError("Only a pending request can be removed; ask the owning team to change a decided one.")
    order.special_requests.remove(request)
    db.session.delete(request)
    record_event("order.special_request_withdrawn", f"Special request removed: {request.text}", order=order,
                 actor=actor, before={"request": request.id, "kind": request.kind, "text": request.text})


def accept_not_promised(order: Order, request_id: int, actor) -> SpecialRequest:
    """The customer accepts the order without a promise on this request (it stays for the team)."""
    request = request_on(order, request_id)
    if request.status != "pending":
        raise OrderError("This request has already been decided.")
    request.not_promised = True
    record_event("order.special_request_not_promised",
                 f"Customer accepted “{request.text}” as not promised", order=order, actor=actor,
                 after={"request": request.id, "not_promised": True})
    return request


def undecided(order: Order) -> list[SpecialRequest]:
    return [r for r in order.special_requests if r.undecided]


def pending_for(team: str, limit: int = 10) -> list[SpecialRequest]:
    """Requests waiting for `team`'s decision on orders still going ahead, soonest due first."""
    return db.session.execute(
        select(SpecialRequest).join(Order, Order.id == SpecialRequest.order_id)
        .options(contains_eager(SpecialRequest.order))
        .where(SpecialRequest.owner_team == team, SpecialRequest.status == "pending", Order.status != "cancelled")
        .order_by(SpecialRequest.due_date.is_(None), SpecialRequest.due_date, SpecialRequest.id).limit(limit)
    ).scalars().all()
