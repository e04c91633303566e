from flask import Blueprint, current_app, redirect, send_from_directory, url_for
from flask_login import current_user

from app.auth.access import dashboard_url

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(dashboard_url(current_user))


@bp.route("/favicon.ico")
def favicon():
    """Browsers and bookmarks ask for /favicon.ico whatever the page says (pages link the SVG)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)
