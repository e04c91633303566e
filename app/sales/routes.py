from flask import Blueprint

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.orders.communications import confirmation_not_sent
from app.orders.models import Order
from app.orders.queries import Queue, has_backorder, order_page, queue_statement
from app.orders.states import CLOSED_STATUSES
from app.web.csv_stream import orders_csv, wants_csv
from app.web.inputs import queue_args
from app.web.rendering import render

bp = Blueprint("sales", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["sales"])

QUEUES = {
    q.key: q
    for q in (
        Queue("drafts", "Drafts", (Order.status == "draft",), (Order.created_at.desc(),),
              "No drafts waiting. Orders you start and do not submit appear here."),
        Queue("on_hold", "On hold", (Order.on_hold.is_(True), Order.status.not_in(CLOSED_STATUSES)),
              empty="No order is on hold."),
        Queue("backorders", "Backorders", (Order.status.not_in(CLOSED_STATUSES), has_backorder()),
              (Order.promised_date.asc(),), "No open order waits for stock."),
        Queue("unconfirmed", "Customer not told", (confirmation_not_sent(),), (Order.confirmed_at.asc(),),
              "Every customer has been told: confirmations, cancellations, new dates and dispatches "
              "emailed, or logged as a call or letter."),
        Queue("all", "All orders", (), (Order.created_at.desc(),), "No orders match."),
    )
}


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    if wants_csv():
        return orders_csv(queue_statement(queue, q), f"sales-{queue.key}.csv")
    return render("sales/index.html", queues=QUEUES, queue=queue, q=q, pagination=order_page(queue, q, page))


from app.sales import customers, email, entry  # noqa: E402,F401  (views on this blueprint)
