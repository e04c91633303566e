from functools import cache

from flask import Blueprint, flash, g, redirect, url_for

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.catalog.stock import STOCK_CHECK_SECONDS, check_stock, is_overdue, last_stock_check
from app.orders.communications import open_mail_problems
from app.orders.deliveries import awaiting_delivery, days_since
from app.orders.lateness import (
    at_risk_orders,
    late_and_at_risk_counts,
    late_orders,
    lateness_of,
    order_lateness,
)
from app.orders.models import Order
from app.orders.queries import Queue, order_page, queue_statement, status_counts
from app.orders.states import CLOSED_STATUSES
from app.web.csv_stream import orders_csv, wants_csv
from app.web.inputs import queue_args
from app.web.messages import outcome
from app.web.rendering import lazy, render

bp = Blueprint("manager", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["manager"])


def order_lateness_once(order):
    """`order_lateness`, worked out once per request (the order page asks in two places)."""
    known = g.setdefault("order_lateness", {})
    if order.id not in known:
        known[order.id] = order_lateness(order)
    return known[order.id]


bp.add_app_template_global(order_lateness_once, "order_lateness")  # the why-late line on the order page
bp.add_app_template_global(days_since)

QUEUES = {
    q.key: q
    for q in (
        Queue("late", "Late", (late_orders,), (Order.promised_date.asc(),), "No order is past its promised date."),
        Queue("at_risk", "At risk", (at_risk_orders,), (Order.promised_date.asc(),),
              "No order due in the next few business days is still waiting to be picked."),
        Queue("deliveries", "Awaiting delivery", (awaiting_delivery(),), (Order.status_changed_at.asc(),),
              "No order is out for delivery."),
        Queue("waiting", "Oldest waiting", (Order.status.not_in((*CLOSED_STATUSES, "dispatched")),),
              (Order.status_changed_at.asc(),), "Every order is closed or out for delivery."),
        Queue("on_hold", "On hold", (Order.on_hold.is_(True), Order.status.not_in(CLOSED_STATUSES)),
              empty="No order is on hold."),
        Queue("all", "All orders", (), (Order.created_at.desc(),), "No orders match."),
    )
}
WHY_LATE = ("late", "at_risk")  # the queues that show each order's reasons


@bp.route("/")
def index():
    queue, q, page = queue_args(QUEUES)
    if wants_csv():
        return orders_csv(queue_statement(queue, q), f"manager-{queue.key}.csv")
    # each part is worked out only if the page, or the region a live refresh asks for, shows it
    pagination = lazy(lambda: order_page(queue, q, page))
    late_and_at_risk = lazy(late_and_at_risk_counts)
    stock_check = cache(last_stock_check)
    return render("manager/index.html", queues=QUEUES, queue=queue, q=q, pagination=pagination,
                  lateness=lazy(lambda: lateness_of(pagination.items) if queue.key in WHY_LATE else {}),
                  late_count=lazy(lambda: late_and_at_risk[0]), at_risk_count=lazy(lambda: late_and_at_risk[1]),
                  counts=lazy(status_counts), mail_problems=lazy(open_mail_problems), stock_check=lazy(stock_check),
                  stock_check_overdue=lazy(lambda: is_overdue(stock_check())), stock_check_every=STOCK_CHECK_SECONDS // 60)


@bp.post("/stock-check")
def check_stock_now():
    """Reconcile stock now rather than wait for the next scheduled check."""
    check = check_stock()
    flash(outcome("Stock check", f"{check.mismatch_count} product(s) do not reconcile" if check.mismatch_count
                  else f"all {check.products_checked} products reconcile"), "error" if check.mismatch_count else "success")
    return redirect(url_for("manager.index"))
