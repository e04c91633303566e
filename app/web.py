"""Request-layer wiring: blueprints, error pages, template helpers, security headers."""

from decimal import Decimal
from time import perf_counter
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth.access import DASHBOARDS, dashboards_for
from app.auth.models import ROLE_LABELS
from app.extensions import db, login_manager
from app.orders.states import CHANNEL_LABELS, METHOD_LABELS, STATUS_LABELS, STATUS_TONES
from app.timeutil import local, utcnow


def register_web(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.fulfillment.routes import bp as fulfillment_bp
    from app.inventory.routes import bp as inventory_bp
    from app.live.routes import bp as live_bp
    from app.main.routes import bp as main_bp
    from app.manager.routes import bp as manager_bp
    from app.notifications.routes import bp as notifications_bp
    from app.orders.routes import bp as orders_bp
    from app.sales.routes import bp as sales_bp

    for bp in (main_bp, auth_bp, orders_bp, live_bp, notifications_bp):
        app.register_blueprint(bp)
    for prefix, bp in (("sales", sales_bp), ("inventory", inventory_bp),
                       ("fulfillment", fulfillment_bp), ("manager", manager_bp), ("admin", admin_bp)):
        app.register_blueprint(bp, url_prefix=f"/{prefix}")

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    _register_errors(app)
    _register_template_helpers(app)
    app.before_request(_start_timer)
    app.after_request(_security_headers)


def _error_page(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _register_errors(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_e):
        return _error_page(403, "Not allowed", "Your role does not give access to this page.")

    @app.errorhandler(404)
    def not_found(_e):
        return _error_page(404, "Not found", "There is nothing at this address. Check the order number or use search.")

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _error_page(400, "Form expired", "The form was out of date (or not sent from Order Desk). Go back, reload the page and try again; nothing was saved.")

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return _error_page(500, "Something went wrong", "Nothing was saved. Try again; if it keeps happening tell the manager.")


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after a form, or None (never another site)."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


def money(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def when(dt, fmt: str = "%d %b %Y %H:%M") -> str:
    return local(dt).strftime(fmt) if dt else ""


def day(d) -> str:
    return d.strftime("%a %d %b %Y") if d else ""


def age(dt) -> str:
    """How long ago, in the largest sensible unit: 40 min, 5 h, 3 d, 7 w."""
    if dt is None:
        return ""
    minutes = max(int((utcnow() - dt).total_seconds() // 60), 0)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days = hours // 24
    return f"{days} d" if days < 28 else f"{days // 7} w"


def _register_template_helpers(app: Flask) -> None:
    app.add_template_filter(age)
    app.add_template_filter(money)
    app.add_template_filter(when)
    app.add_template_filter(day)

    from app.live.routes import live_interval, live_since
    from app.notifications.routes import here, my_notifications

    app.jinja_env.globals.update(
        live_since=live_since, live_interval=live_interval, my_notifications=my_notifications, here=here,
        STATUS_LABELS=STATUS_LABELS, STATUS_TONES=STATUS_TONES, CHANNEL_LABELS=CHANNEL_LABELS,
        METHOD_LABELS=METHOD_LABELS, ROLE_LABELS=ROLE_LABELS,
    )

    @app.context_processor
    def page_globals():
        nav = []
        if current_user.is_authenticated:
            nav = [(ROLE_LABELS[d], DASHBOARDS[d]) for d in dashboards_for(current_user)]
        return {"business_name": app.config["BUSINESS_NAME"], "nav_items": nav}


def _start_timer():
    g.request_started = perf_counter()


def _security_headers(response):
    if "request_started" in g:  # time spent in the app, for the browser's devtools and bench/
        response.headers["Server-Timing"] = f"app;dur={(perf_counter() - g.request_started) * 1000:.2f}"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    if request.endpoint and request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def render_block(template: str, block: str, **context) -> str:
    """One named block of a page template, rendered alone (macros it uses are imported inside it)."""
    current_app.update_template_context(context)
    page = current_app.jinja_env.get_template(template)
    return "".join(page.blocks[block](page.new_context(context)))


def render_page(template: str, regions: dict | None = None, partial: str | None = None, **context):
    """Render a page, or only the region htmx asks for (HX-Target = the region's id).

    `regions` maps a region id to a partial template ("x/_y.html") or to the name of a
    block of `template`; any other htmx target gets `partial` (a list's search and paging).
    """
    from htmx_flask import make_response

    target = request.htmx.target if request.htmx and not request.htmx.boosted else None
    region = (regions or {}).get(target) or (partial if target else None)
    if region is None:
        body = render_template(template, **context)
    elif region.endswith(".html"):
        body = render_template(region, **context)
    else:
        body = render_block(template, region, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


def render_list(template: str, partial: str, regions: dict | None = None, **context):
    """Render a page, or only its list partial when htmx asks for it (search, paging)."""
    return render_page(template, regions, partial, **context)


def render_queue(queues: dict, template: str, regions: dict | None = None, **context):
    """A dashboard page listing one of its order queues, searchable and paged."""
    from app.orders.queries import list_args, order_page

    queue, q, page = list_args(queues)
    pagination = order_page(queue, q, page)
    return render_list(template, "orders/_queue.html", regions, queues=queues, queue=queue, q=q,
                       pagination=pagination, **context)
