"""Notifications: the list page, the top-bar menu and alert banner (live regions), mark read, acknowledge."""

from functools import cached_property
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from app.auth.access import role_required
from app.forms_util import ButtonForm
from app.live.feed import LIVE_ROLES
from app.notifications import services
from app.orders.permissions import require
from app.web.inputs import page_arg
from app.web.navigation import back_url
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
UNREAD_SHOWN = 99  # the top bar counts unread notifications up to this, then says 99+


class MyNotifications:
    """What the top bar shows the current user; each figure is read on first use only."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self) -> int:
        return services.unread_count(self.user, up_to=UNREAD_SHOWN + 1)

    @cached_property
    def latest(self):
        return services.latest(self.user)

    @cached_property
    def alerts(self):
        return services.open_alerts(self.user)


def my_notifications():
    """Template helper: the current user's notifications, or None for who has none."""
    if not current_user.is_authenticated or not current_user.has_role(*LIVE_ROLES):
        return None
    if "my_notifications" not in g:
        g.my_notifications = MyNotifications(current_user)
    return g.my_notifications


def here() -> str:
    """The local address of the page being shown (for a live refresh: the page it refreshes)."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def _back(form: ButtonForm):
    return redirect(back_url(url_for("notifications.index"), form.next.data))


def _own(notification_id: int):
    return services.find_notification(current_user, notification_id) or abort(404)


@bp.get("/")
@role_required(*LIVE_ROLES)
def index():
    unread_only = request.args.get("show") == "unread"
    pagination = services.notification_page(current_user, unread_only=unread_only, page=page_arg())
    return render("notifications/index.html", pagination=pagination, unread_only=unread_only)


@bp.get("/menu")
@role_required(*LIVE_ROLES)
def menu():
    """The top-bar menu alone (its live refresh)."""
    return render("base.html", block="notif_menu")


@bp.get("/alerts")
@role_required(*LIVE_ROLES)
def alerts():
    """The alert banner alone (its live refresh)."""
    return render("base.html", block="alerts")


@bp.post("/<int:notification_id>/read")
@role_required(*LIVE_ROLES)
def read(notification_id):
    form = ButtonForm()
    services.mark_read(_own(notification_id))
    return _back(form)


@bp.post("/read-all")
@role_required(*LIVE_ROLES)
def read_all():
    form = ButtonForm()
    count = services.mark_all_read(current_user)
    flash(f"{count} notification{'s' if count != 1 else ''} marked read." if count else "Nothing was unread.", "info")
    return _back(form)


@bp.post("/<int:notification_id>/acknowledge")
@role_required(*LIVE_ROLES)
def acknowledge(notification_id):
    form = ButtonForm()
    on_refusal(back=back_url(url_for("notifications.index"), form.next.data))
    notification = _own(notification_id)
    require(current_user, "acknowledge_alert", notification)
    services.acknowledge(notification, current_user)
    flash("Alert acknowledged for the whole team.", "success")
    return _back(form)
