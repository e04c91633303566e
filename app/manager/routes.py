from flask import Blueprint
from sqlalchemy import func, select

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.catalog.stock import stock_mismatches
from app.extensions import db
from app.orders.communications import open_mail_problems
from app.orders.models import Order
from app.orders.queries import Queue, late, order_page
from app.orders.states import CLOSED_STATUSES, STATUSES
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


def status_counts() -> list[dict]:
    """Per status: how many orders, and since when the oldest has waited in it."""
    rows = db.session.execute(
        select(Order.status, func.count(Order.id), func.min(Order.status_changed_at)).group_by(Order.status)
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    return [
        {"status": s, "count": found.get(s, (0, None))[0],
         "oldest": found.get(s, (0, None))[1] if s not in CLOSED_STATUSES else None}
        for s in STATUSES
    ]


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    return render("manager/index.html", queues=QUEUES, queue=queue, q=q, pagination=order_page(queue, q, page),
                  counts=status_counts(),
                        mail_problems=open_mail_problems(), stock_mismatches=stock_mismatches())
