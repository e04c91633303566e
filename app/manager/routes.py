from flask import Blueprint

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.catalog.stock import stock_mismatches
from app.orders.communications import open_mail_problems
from app.orders.models import Order
from app.orders.queries import Queue, late, order_page, status_counts
from app.orders.states import CLOSED_STATUSES
from app.web.inputs import queue_args
from app.web.rendering import render

bp = Blueprint("manager", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["manager"])

QUEUES = {
    q.key: q
    for q in (
        Queue("waiting", "Oldest waiting", (Order.status.not_in(CLOSED_STATUSES),),
              (Order.status_changed_at.asc(),), "Every order is closed."),
        Queue("late", "Late", (Order.status.not_in((*CLOSED_STATUSES, "draft", "dispatched")), late),
              (Order.promised_date.asc(),), "No order is past its promised date."),
        Queue("on_hold", "On hold", (Order.on_hold.is_(True), Order.status.not_in(CLOSED_STATUSES)),
              empty="No order is on hold."),
        Queue("all", "All orders", (), (Order.created_at.desc(),), "No orders match."),
    )
}


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    return render("manager/index.html", queues=QUEUES, queue=queue, q=q, pagination=order_page(queue, q, page),
                  counts=status_counts(),
                        mail_problems=open_mail_problems(), stock_mismatches=stock_mismatches())
