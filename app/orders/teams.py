"""Which team an order waits for now: the one rule the search's team filter and its
"With" column share.

Most blocking first: a closed order waits for nobody; a held order waits for sales (who
release holds); an undecided special request waits for the team that owns it (the oldest
one, if several); a draft is still with sales; a confirmed order short of stock waits for
inventory; everything else that is open is the warehouse's (picking, packing, dispatch,
collection, delivery).
"""

from sqlalchemy import and_, case, exists, select
from sqlalchemy.orm import column_property

from app.orders.models import Order, OrderLine, SpecialRequest
from app.orders.states import CLOSED_STATUSES

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
    return case(
        (Order.status.in_(CLOSED_STATUSES), None),
        (Order.on_hold.is_(True), "sales"),
        (first_pending.is_not(None), first_pending),
        (Order.status == "draft", "sales"),
        (and_(Order.status == "confirmed", short), "inventory"),
        else_="fulfillment",
    )


def with_team(team: str):
    """SQL: the orders waiting for `team` now (the status condition lets an index help)."""
    return and_(Order.status.not_in(CLOSED_STATUSES), owning_team() == team)


# Loaded with a list when asked for (undefer), in the same query as the orders.
Order.owning_team = column_property(owning_team(), deferred=True)
