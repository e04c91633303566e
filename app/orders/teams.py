"""Which team an order waits for now, in SQL: the search's team filter and its "With" column.

It is `app/orders/next_step.py`'s rule (the order page's "Next: … — team") said as one SQL
expression for lists, and tests/orders/test_next_step.py checks that both agree on every kind
of order. Most blocking first: a closed order waits for nobody; a held order waits for sales
(who release holds); an undecided special request waits for the team that owns it (the
oldest one, if several); a draft is still with sales; a confirmed order with nothing to pick
(every line on backorder) waits for inventory; what is confirmed, picking or packed is the
warehouse's; a dispatched order (the carrier) or one ready for pickup (the customer) waits
for nobody in the building.
"""

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import column_property

from app.orders.models import Order, OrderLine, SpecialRequest
from app.orders.states import CLOSED_STATUSES

OUTSIDE_STATUSES = ("dispatched", "ready_for_pickup")  # waiting for the carrier or the customer
TEAM_LABELS = {"sales": "Sales", "inventory": "Inventory", "fulfillment": "Fulfillment"}


def owning_team():
    """SQL: the team whose queue the order is in now (NULL for a closed order)."""
    first_pending = (
        select(SpecialRequest.owner_team)
        .where(SpecialRequest.order_id == Order.id, SpecialRequest.status == "pending")
        .order_by(SpecialRequest.id).limit(1)
        .correlate(Order).scalar_subquery()
    )
    short = exists().where(OrderLine.order_id == Order.id, OrderLine.qty_backordered > 0)
    something_to_pick = exists().where(
        OrderLine.order_id == Order.id, or_(OrderLine.qty_reserved > 0, OrderLine.qty_backordered == 0))
    return case(
        (Order.status.in_(CLOSED_STATUSES), None),
        (Order.on_hold.is_(True), "sales"),
        (first_pending.is_not(None), first_pending),
        (Order.status == "draft", "sales"),
        (and_(Order.status == "confirmed", short, ~something_to_pick), "inventory"),
        (Order.status.in_(OUTSIDE_STATUSES), None),
        else_="fulfillment",
    )


def with_team(team: str):
    """SQL: the orders waiting for `team` now (the status condition lets an index help)."""
    return and_(Order.status.not_in(CLOSED_STATUSES), owning_team() == team)


# Loaded with a list when asked for (undefer), in the same query as the orders.
Order.owning_team = column_property(owning_team(), deferred=True)
