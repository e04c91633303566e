from flask import Blueprint
from sqlalchemy import select

from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.catalog.models import Product, StockMovement
from app.extensions import db
from app.orders.models import Order
from app.orders.queries import Queue, has_backorder
from app.orders.states import OPEN_STATUSES
from app.web import render_queue

bp = Blueprint("inventory", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["inventory"])

QUEUES = {
    q.key: q
    for q in (
        Queue("shortages", "Shortages & backorders",
              (Order.status.in_(OPEN_STATUSES), has_backorder()), (Order.promised_date.asc(),),
              "No open order is short of stock."),
        Queue("confirmed", "Newly confirmed", (Order.status == "confirmed",),
              (Order.confirmed_at.desc(),), "No confirmed orders waiting."),
    )
}


@bp.route("/")
def index():
    low_stock = db.session.execute(
        select(Product).where(Product.active.is_(True), Product.on_hand - Product.reserved <= Product.reorder_point)
        .order_by((Product.on_hand - Product.reserved - Product.reorder_point).asc()).limit(10)
    ).scalars().all()
    movements = db.session.execute(
        select(StockMovement).order_by(StockMovement.id.desc()).limit(10)
    ).scalars().all()
    return render_queue(QUEUES, "inventory/index.html", {"stock-panels": "panels"},
                        low_stock=low_stock, movements=movements)
