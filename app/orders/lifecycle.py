"""The order lifecycle: every allowed status change, who may make it, and its event.

This is the only place that changes `Order.status`. Services in `orders.services`
do the stock and document work around a transition and call `apply` for the change.
"""

from dataclasses import dataclass

from app.errors import NotAllowed, Refusal
from app.events.services import record_event
from app.extensions import db
from app.orders.states import CLOSED_STATUSES, METHODS, STATUS_LABELS
from app.timeutil import utcnow


class TransitionError(Refusal):
    """A status change that is not allowed; the message is for the person who tried it."""


class TransitionNotAllowed(TransitionError, NotAllowed):
    """The person's roles do not allow this status change (answered as a 403)."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    methods: tuple[str, ...] = METHODS
    confirm: str = ""  # a question to ask first, for actions that are hard to undo
    danger: bool = False
    offered: bool = True  # False: taken by a service on its own, never offered as a button


def _t(name, label, sources, target, roles, **kw) -> Transition:
    return Transition(name, label, tuple(sources), target, frozenset(roles), **kw)


TRANSITIONS = {
    t.name: t
    for t in (
        _t("submit", "Submit and confirm", ["draft"], "confirmed", ["sales", "manager"]),
        _t("start_pick", "Start picking", ["confirmed"], "picking", ["fulfillment", "manager"]),
        _t(
            "release_pick", "Release pick", ["picking"], "confirmed", ["fulfillment", "manager"],
            confirm="Release this pick? Picked items go back to their bins and the order returns to Confirmed.",
        ),
        _t("pack", "Mark packed", ["picking"], "packed", ["fulfillment", "manager"]),
        _t("dispatch", "Dispatch", ["packed"], "dispatched", ["fulfillment", "manager"], methods=("delivery",)),
        _t(
            "ready_for_pickup", "Ready for pickup", ["packed"], "ready_for_pickup",
            ["fulfillment", "manager"], methods=("pickup",),
        ),
        # A part shipment: what was picked left (or was collected) but a backorder is still
        # outstanding, so the order goes back to Confirmed (reservations held, open) until
        # the rest arrives, is allocated, picked and shipped. `services.transition` chooses
        # these instead of dispatch / collect; nobody presses them.
        _t("dispatch_part", "Dispatch part shipment", ["packed"], "confirmed", ["fulfillment", "manager"],
           methods=("delivery",), offered=False),
        _t("collect_part", "Part collected", ["ready_for_pickup"], "confirmed",
           ["fulfillment", "sales", "manager"], methods=("pickup",), offered=False),
        _t("deliver", "Mark delivered", ["dispatched"], "delivered", ["fulfillment", "manager"]),
        _t(
            "collect", "Mark collected", ["ready_for_pickup"], "collected",
            ["fulfillment", "sales", "manager"], methods=("pickup",),
        ),
        _t(
            "cancel", "Cancel order", ["draft", "confirmed"], "cancelled", ["sales", "manager"],
            confirm="Cancel this order? Its reservations are released; the record is kept.",
            danger=True,
        ),
    )
}


def _role_names(roles) -> str:
    return " or ".join(sorted(roles))


def check(order, name: str, actor) -> Transition:
    """Return the transition if `actor` may make it on `order` now; raise TransitionError if not."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(f"“{name}” is not something that can be done to an order.")
    if actor is not None and not actor.has_role(*transition.roles):
        raise TransitionNotAllowed(f"{transition.label} needs the {_role_names(transition.roles)} role.")
    if order.status not in transition.sources:
        raise TransitionError(
            f"{transition.label} is not possible: the order is {STATUS_LABELS[order.status]}."
        )
    if order.method not in transition.methods:
        raise TransitionError(f"{transition.label} is only for {' or '.join(transition.methods)} orders.")
    if order.on_hold and name != "cancel":
        raise TransitionError(f"The order is on hold ({order.hold_reason or 'no reason given'}); release the hold first.")
    return transition


def available(order, actor) -> list[Transition]:
    """The transitions `actor` could make on `order` right now, in lifecycle order."""
    result = []
    for name, transition in TRANSITIONS.items():
        if not transition.offered:
            continue
        try:
            result.append(check(order, name, actor))
        except TransitionError:
            continue
    return result


def apply(order, name: str, actor, note: str = ""):
    """Change the order's status through transition `name` and log the event."""
    transition = check(order, name, actor)
    before = order.status
    order.status = transition.target
    order.status_changed_at = utcnow()
    if transition.target in CLOSED_STATUSES:
        order.closed_at = order.status_changed_at
    summary = f"{transition.label}: {STATUS_LABELS[before]} → {STATUS_LABELS[transition.target]}"
    if note:
        summary += f" ({note})"
    return record_event(
        f"order.{name}", summary, order=order, actor=actor,
        before={"status": before}, after={"status": transition.target},
    )


def set_hold(order, actor, reason: str):
    """Put the order on hold: it does not move until released."""
    if not actor.has_role("sales", "manager"):
        raise TransitionNotAllowed("Holding an order needs the sales or manager role.")
    if order.status in CLOSED_STATUSES:
        raise TransitionError(f"A {STATUS_LABELS[order.status].lower()} order cannot be held.")
    if order.on_hold:
        raise TransitionError("The order is already on hold.")
    if not reason.strip():
        raise TransitionError("Say why the order is held.")
    order.on_hold, order.hold_reason = True, reason.strip()[:200]
    event = record_event("order.hold", f"Put on hold: {order.hold_reason}", order=order, actor=actor,
                         before={"on_hold": False}, after={"on_hold": True, "reason": order.hold_reason})
    db.session.flush()
    return event


def release_hold(order, actor):
    """Release a hold so the order can move again."""
    if actor is not None and not actor.has_role("sales", "manager"):
        raise TransitionNotAllowed("Releasing a hold needs the sales or manager role.")
    if not order.on_hold:
        raise TransitionError("The order is not on hold.")
    reason = order.hold_reason
    order.on_hold, order.hold_reason = False, ""
    event = record_event("order.release_hold", "Hold released", order=order, actor=actor,
                         before={"on_hold": True, "reason": reason}, after={"on_hold": False})
    db.session.flush()
    return event
