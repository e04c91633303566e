from flask import Blueprint
from sqlalchemy import func, select

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.orders.communications import confirmation_not_sent
from app.orders.models import ChangeRequest, Order
from app.orders.queries import Queue, has_backorder, order_page, queue_statement
from app.orders.states import CLOSED_STATUSES
from app.web.csv_stream import orders_csv, wants_csv
from app.web.inputs import queue_args
from app.web.rendering import render

bp = Blueprint("sales", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["sales"])

# Orders whose customer asked for a change that waits for sales, the longest-waiting first.
_ASKED = (ChangeRequest.order_id == Order.id, ChangeRequest.status == "open")
_asked_since = select(func.min(ChangeRequest.created_at)).where(*_ASKED).correlate(Order).scalar_subquery()

QUEUES = {
    q.key: q
    for q in (
        Queue("drafts", "Drafts", (Order.status == "draft",), (Order.created_at.desc(),),
              "No drafts waiting. Orders you start and do not submit appear here."),
        Queue("needs_review", "Needs review (online)", (Order.status == "draft", Order.api_token_id.is_not(None)),
              (Order.created_at.asc(),), "No online order waits for review."),
        Queue("on_hold", "On hold", (Order.on_hold.is_(True), Order.status.not_in(CLOSED_STATUSES)),
              empty="No order is on hold."),
        Queue("backorders", "Backorders", (Order.status.not_in(CLOSED_STATUSES), has_backorder()),
              (Order.promised_date.asc(),), "No open order waits for stock."),
        Queue("customer_changes", "Changes asked by customers", (select(ChangeRequest.id).where(*_ASKED).exists(),),
              (_asked_since.asc(),), "No customer is waiting for an answer to a change they asked for."),
        Queue("unconfirmed", "Confirmation not sent", (confirmation_not_sent(),), (Order.confirmed_at.asc(),),
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
