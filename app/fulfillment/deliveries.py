"""Marking orders out for delivery as delivered: one by one or the ticked ones, in one POST."""

from flask import flash, redirect, url_for
from flask_login import current_user

from app.errors import Refusal
from app.fulfillment.forms import DeliveredForm
from app.fulfillment.routes import bp
from app.orders.deliveries import mark_delivered, orders_to_deliver
from app.web.navigation import back_url
from app.web.transaction import on_refusal


@bp.post("/deliveries")
def mark_orders_delivered():
    form = DeliveredForm()
    back = back_url(url_for("fulfillment.index", view="dispatched"), form.next.data)
    on_refusal(back=back)
    if not form.validate() or not form.chosen():
        raise Refusal(" ".join(form.only.errors or form.order.errors) or form.order.message)
    marked = mark_delivered(orders_to_deliver(form.chosen()), current_user)
    flash(f"{marked} order{'s' if marked != 1 else ''} marked delivered: closed, nothing more to do." if marked
          else "Nothing changed: those orders were already marked delivered.", "success" if marked else "info")
    return redirect(back)
