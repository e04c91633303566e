"""What happens next to an order, and which team owns it: the one rule the order page's
header shows ("Next: pick — fulfillment"), and that dashboards may reuse.

The rule reads the order as it is now (status, hold, special requests, backorders,
verification checks); it never writes. The only fact it cannot see on the order itself is
whether sales asked fulfillment to release a pick for an amendment (an event), which the
caller passes as `release_asked`.
"""

from dataclasses import dataclass

from app.orders.states import CLOSED_STATUSES


@dataclass(frozen=True)
class NextStep:
    """`action`: what must happen, in a few words; `team`: who owns it (None: nobody in the
    building, e.g. the customer or the carrier); `waiting`: the order waits for someone
    outside (the customer, the carrier) rather than for a team; `done`: nothing more to do."""

    action: str
    team: str | None = None
    waiting: bool = False
    done: bool = False

    @property
    def text(self) -> str:
        """The header's words: "Next: pick — fulfillment", or the state itself when nobody acts."""
        if self.done or self.waiting or self.team is None:
            return self.action
        return f"Next: {self.action} — {self.team}"


def _undecided_request(order):
    """The first special request still waiting for its team's decision, if any."""
    return next((r for r in order.special_requests if r.undecided), None)


def _approved_open_request(order):
    return next((r for r in order.special_requests if r.status == "approved" and r.done_at is None), None)


def next_step(order, release_asked: bool = False) -> NextStep:
    """What is next for `order` and who owns it (see the module's docstring)."""
    if order.status == "cancelled":
        return NextStep("Cancelled: nothing more to do", done=True)
    if order.status in CLOSED_STATUSES:
        return NextStep("Complete: nothing more to do", done=True)
    if order.on_hold:
        return NextStep("release the hold", "sales")
    request = _undecided_request(order)
    if order.status == "draft":
        if request is not None:
            return NextStep("decide special request", request.owner_team)
        if any(flag.acknowledged_at is None for flag in order.flags):
            return NextStep("acknowledge the checks and submit", "sales")
        return NextStep("finish entry and submit", "sales")
    if order.status == "picking" and release_asked:
        return NextStep("release the pick for an amendment", "fulfillment")
    if request is not None:
        return NextStep("decide special request", request.owner_team)
    return _by_status(order)


def _by_status(order) -> NextStep:
    status = order.status
    if status == "confirmed":
        if order.lines and all(line.qty_reserved == 0 and line.qty_backordered for line in order.lines):
            return NextStep("receive stock for the backorder", "inventory")
        return NextStep("pick", "fulfillment")
    if status == "picking":
        request = _approved_open_request(order)
        if request is not None and request.owner_team == "fulfillment":
            return NextStep("pick, carry out the special request and pack", "fulfillment")
        return NextStep("finish picking and pack", "fulfillment")
    if status == "packed":
        return NextStep("dispatch" if order.method == "delivery" else "mark ready for pickup", "fulfillment")
    if status == "dispatched":
        return NextStep("With the carrier: waiting for delivery", waiting=True)
    if status == "ready_for_pickup":
        return NextStep("Waiting for the customer to collect", waiting=True)
    raise ValueError(f"No next step known for status {status!r}")
