"""Who may see what: role checks for views and whole blueprints."""

from functools import wraps

from flask import abort, url_for
from flask_login import current_user

from app.extensions import login_manager

DASHBOARDS = {
    "sales": "sales.index",
    "inventory": "inventory.index",
    "fulfillment": "fulfillment.index",
    "manager": "manager.index",
    "admin": "admin.index",
}
# Who may open each team's dashboard: the team, and the manager who oversees them all.
DASHBOARD_ROLES = {
    "sales": ("sales", "manager"),
    "inventory": ("inventory", "manager"),
    "fulfillment": ("fulfillment", "manager"),
    "manager": ("manager",),
    "admin": ("admin",),
}
ORDER_VIEWERS = ("sales", "inventory", "fulfillment", "manager")


def ensure_roles(*roles: str):
    """Send a visitor to log in, or answer 403 if the user lacks every one of `roles`."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(*roles):
        abort(403)
    return None


def role_required(*roles: str):
    """View decorator: the user must hold at least one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return ensure_roles(*roles) or view(*args, **kwargs)

        return wrapped

    return decorator


def restrict_blueprint(bp, *roles: str) -> None:
    """Every view of `bp` needs one of `roles`."""
    bp.before_request(lambda: ensure_roles(*roles))


def dashboards_for(user) -> list[str]:
    """The dashboards `user` may open: their own roles' first, then the others they oversee."""
    own = list(user.roles)
    return own + [d for d, roles in DASHBOARD_ROLES.items() if d not in own and user.has_role(*roles)]


def dashboard_url(user) -> str:
    """The dashboard of the user's first role."""
    for role in user.roles:
        return url_for(DASHBOARDS[role])
    abort(403)
