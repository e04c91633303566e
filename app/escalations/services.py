"""Escalating an order, and the manager's work on it: assign, comment, hold the order, resolve.

Anyone who may open an order may escalate it with a reason; the manager assigns, holds and
resolves; the people concerned (the manager, the team the escalation concerns, whoever
raised it or has it) may comment. Each step is a line of the escalation's thread and an
event; the event's `after["team"]` tells the concerned team too (app/notifications/routing.py).
Functions flush; the request (or the CLI command) commits.
"""

from sqlalchemy import func, select

from app.auth.access import ORDER_VIEWERS
from app.auth.models import User
from app.errors import Refusal
from app.escalations.models import REASON_MAX, Escalation, EscalationComment
from app.events.services import record_event
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.routing import teams_for
from app.orders import lifecycle
from app.orders.communications import confirmation_state
from app.orders.permissions import require
from app.timeutil import utcnow


class EscalationError(Refusal):
    """An escalation step refused for a business reason; the message is for the person."""


def concerned_team(order) -> str:
    """The team that must act on `order` as it is now: its draft or confirmation is sales',
    an undecided special request its owner team's, a line waiting for stock inventory's,
    picking and packing fulfillment's; an order that has left is sales' (the customer)."""
    if order.status == "draft":
        return "sales"
    undecided = [r for r in order.special_requests if r.undecided]
    if undecided:
        return undecided[0].owner_team
    if confirmation_state(order).tone == "problem":
        return "sales"
    if order.status in ("confirmed", "picking") and any(line.qty_backordered for line in order.lines):
        return "inventory"
    if order.status in ("confirmed", "picking", "packed", "ready_for_pickup"):
        return "fulfillment"
    return "sales"


def _text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise EscalationError(f"Say {what}.")
    if len(text) > REASON_MAX:
        raise EscalationError(f"Keep it to {REASON_MAX:,} characters or fewer.")
    return text


def _facts(escalation: Escalation, **more) -> dict:
    """What an escalation event carries: which escalation, and the team it concerns."""
    return {"escalation_id": escalation.id, "team": escalation.team, **more}


def _note(escalation: Escalation, kind: str, text: str, actor) -> EscalationComment:
    note = EscalationComment(escalation=escalation, kind=kind, text=text, author_id=actor.id if actor else None)
    db.session.add(note)
    return note


def escalate(order, reason: str, actor) -> Escalation:
    """Raise an escalation on `order` (anyone who may open it), with the reason why."""
    require(actor, "escalate", order)
    reason = _text(reason, "why the order needs the manager")
    escalation = Escalation(order=order, source="person", reason=reason, raised_by_id=actor.id,
                            team=concerned_team(order))
    db.session.add(escalation)
    db.session.flush()
    announce(escalation, f"{order.ref} escalated by {actor.display_name}: {reason}", actor)
    return escalation


def announce(escalation: Escalation, summary: str, actor=None):
    """The `order.escalated` event of a new escalation: the manager and the concerned team are told."""
    return record_event("order.escalated", summary, order=escalation.order, actor=actor,
                        after=_facts(escalation, source=escalation.source, rule=escalation.rule))


def assignable_users() -> list[User]:
    """Who an escalation can be given to: active users who work on orders, by name."""
    users = db.session.execute(
        select(User).where(User.active.is_(True)).order_by(func.lower(User.username))).scalars().all()
    return [u for u in users if u.has_role(*ORDER_VIEWERS)]


def assign(escalation: Escalation, user: User, actor) -> None:
    """Give the escalation to `user` (the manager); they are told even outside the concerned team."""
    require(actor, "handle_escalation", escalation)
    if user is None or not user.active or not user.has_role(*ORDER_VIEWERS):
        raise EscalationError("Choose an active user who works on orders.")
    if escalation.assignee_id == user.id:
        raise EscalationError(f"The escalation is already with {user.display_name}.")
    escalation.assignee = user
    _note(escalation, "assign", f"Assigned to {user.display_name}", actor)
    event = record_event("escalation.assigned", f"Escalation on {escalation.order.ref} assigned to "
                         f"{user.display_name}", order=escalation.order, actor=actor,
                         after=_facts(escalation, assignee_id=user.id))
    _tell(user, event, actor)
    db.session.flush()


def _tell(user: User, event, actor) -> None:
    """A notification for `user` about `event`, unless their team is told already (or they did it)."""
    teams = teams_for(event.kind, event.before, event.after)
    if user.id == getattr(actor, "id", None) or set(user.roles) & set(teams):
        return
    db.session.add(Notification(user_id=user.id, event=event, order_id=event.order_id, team=user.roles[0],
                                kind=event.kind, summary=event.summary))


def comment(escalation: Escalation, text: str, actor) -> EscalationComment:
    """Add a comment to the thread (the manager, and the people the escalation concerns)."""
    require(actor, "comment_escalation", escalation)
    text = _text(text, "what you want to add")
    note = _note(escalation, "comment", text, actor)
    event = record_event("escalation.commented", f"{actor.display_name} on the escalation of "
                         f"{escalation.order.ref}: {text}", order=escalation.order, actor=actor,
                         after=_facts(escalation))
    if escalation.assignee is not None:
        _tell(escalation.assignee, event, actor)
    db.session.flush()
    return note


def hold_order(escalation: Escalation, reason: str, actor) -> None:
    """Put the escalated order on hold through the order's own hold (the manager asks for it)."""
    require(actor, "handle_escalation", escalation)
    reason = _text(reason, "why the order is held")
    require(actor, "hold", escalation.order)
    lifecycle.set_hold(escalation.order, actor, reason)
    _note(escalation, "hold", f"Order put on hold: {escalation.order.hold_reason}", actor)
    db.session.flush()


def resolve(escalation: Escalation, note: str, actor) -> None:
    """Close the escalation with a note saying what was done (the manager)."""
    require(actor, "handle_escalation", escalation)
    note = _text(note, "how it was resolved")
    escalation.status, escalation.resolution_note = "resolved", note
    escalation.resolved_by_id, escalation.resolved_at = actor.id, utcnow()
    _note(escalation, "resolve", note, actor)
    event = record_event("escalation.resolved", f"Escalation on {escalation.order.ref} resolved by "
                         f"{actor.display_name}: {note}", order=escalation.order, actor=actor,
                         after=_facts(escalation))
    for person in {u.id: u for u in (escalation.raised_by, escalation.assignee) if u is not None}.values():
        _tell(person, event, actor)
    db.session.flush()
