from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app.auth.access import dashboard_url

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(dashboard_url(current_user))
