"""The words and colours of an order's status, used everywhere an order is shown."""

STATUSES = (
    "draft",
    "confirmed",
    "picking",
    "packed",
    "dispatched",
    "delivered",
    "ready_for_pickup",
    "collected",
    "cancelled",
)
OPEN_STATUSES = ("confirmed", "picking", "packed", "ready_for_pickup")  # stock is held for these
CLOSED_STATUSES = ("delivered", "collected", "cancelled")

STATUS_LABELS = {
    "draft": "Draft",
    "confirmed": "Confirmed",
    "picking": "Picking",
    "packed": "Packed",
    "dispatched": "Dispatched",
    "delivered": "Delivered",
    "ready_for_pickup": "Ready for pickup",
    "collected": "Collected",
    "cancelled": "Cancelled",
}
# One tone per stage; the stylesheet maps each tone to a colour (.status--<tone>).
STATUS_TONES = {
    "draft": "neutral",
    "confirmed": "info",
    "picking": "active",
    "packed": "active",
    "dispatched": "progress",
    "ready_for_pickup": "progress",
    "delivered": "done",
    "collected": "done",
    "cancelled": "muted",
}

CHANNELS = ("phone", "email", "online", "walk-in")
CHANNEL_LABELS = {"phone": "Phone", "email": "Email", "online": "Online", "walk-in": "Walk-in"}
METHODS = ("delivery", "pickup")
METHOD_LABELS = {"delivery": "Delivery", "pickup": "Pickup"}

REQUEST_STATUSES = ("pending", "approved", "rejected", "done")
TEAMS = ("inventory", "fulfillment")


def sql_in(values) -> str:
    """The SQL list for a CHECK constraint: ('a', 'b')."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
