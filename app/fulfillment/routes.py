from flask import Blueprint

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.orders.models import Order
from app.orders.queries import Queue
from app.web import render_queue

bp = Blueprint("fulfillment", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["fulfillment"])

QUEUES = {
    q.key: q
    for q in (
        Queue("to_pick", "Ready to pick", (Order.status == "confirmed", Order.on_hold.is_(False)),
              (Order.promised_date.asc(), Order.confirmed_at.asc()),
              "Nothing to pick. Confirmed orders appear here as sales submits them."),
        Queue("in_progress", "Picking & packed", (Order.status.in_(("picking", "packed")),),
              (Order.promised_date.asc(),), "No order is being picked or packed."),
        Queue("pickup", "Awaiting collection", (Order.status == "ready_for_pickup",),
              (Order.status_changed_at.asc(),), "No order waits for collection."),
        Queue("dispatched", "Out for delivery", (Order.status == "dispatched",),
              (Order.status_changed_at.asc(),), "No order is out for delivery."),
    )
}


@bp.route("/")
def index():
    return render_queue(QUEUES, "fulfillment/index.html")
