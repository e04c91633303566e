"""The web layer's registry: blueprints, request handling, error pages, template helpers.

Helpers that views use live in their own modules: `rendering` (pages and htmx regions),
`inputs` (bounded URL, query and form values), `navigation` (safe redirects),
`transaction` (one transaction per request and the answers to refusals).
"""

from time import perf_counter

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.api.problems import api_request, problem
from app.extensions import csrf, db, login_manager
from app.web import inputs, templating, transaction


def register_web(app: Flask) -> None:
    from app.admin.api_tokens import bp as api_tokens_bp
    from app.admin.routes import bp as admin_bp
    from app.admin.settings import bp as settings_bp
    from app.api.routes import bp as api_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.escalations.routes import bp as escalations_bp
    from app.fulfillment.routes import bp as fulfillment_bp
    from app.help.routes import bp as help_bp
    from app.imports.routes import bp as imports_bp
    from app.inventory.routes import bp as inventory_bp
    from app.live.routes import bp as live_bp
    from app.mail.routes import bp as mail_bp
    from app.main.routes import bp as main_bp
    from app.manager.review import bp as review_bp
    from app.manager.routes import bp as manager_bp
    from app.notifications.routes import bp as notifications_bp
    from app.order_page.routes import bp as orders_bp
    from app.prices.routes import bp as prices_bp
    from app.sales.routes import bp as sales_bp
    from app.search.routes import bp as search_bp
    from app.status_page.routes import bp as status_bp

    inputs.install(app)
    for bp in (main_bp, auth_bp, orders_bp, live_bp, notifications_bp, mail_bp, audit_bp, search_bp, help_bp,
               imports_bp, status_bp):
        app.register_blueprint(bp)
    for prefix, bp in (("sales", sales_bp), ("inventory", inventory_bp),
                       ("fulfillment", fulfillment_bp), ("manager", manager_bp), ("manager", review_bp),
                       ("admin", admin_bp)):
        app.register_blueprint(bp, url_prefix=f"/{prefix}")
    app.register_blueprint(escalations_bp, url_prefix="/escalations")
    app.register_blueprint(prices_bp, url_prefix="/prices")
    app.register_blueprint(settings_bp, url_prefix="/admin/settings")
    app.register_blueprint(api_tokens_bp, url_prefix="/admin/api-tokens")
    csrf.exempt(api_bp)  # bearer tokens, not cookies: nothing for a forged form to ride on
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    transaction.install(app)
    _register_errors(app)
    templating.install(app)
    app.before_request(_start_timer)
    app.after_request(_security_headers)


def _error_page(code: int, title: str, message: str, exc=None):
    if api_request():  # the JSON API answers problem+json, never a page
        allow = getattr(exc, "valid_methods", None)  # a 405 says which methods the address takes
        return problem(code, getattr(exc, "description", None) or message,
                       headers={"Allow": ", ".join(allow)} if allow else None)
    return render_template("errors/error.html", code=code, title=title, message=message), code


ERROR_PAGES = {
    400: ("Not understood", "The request could not be read. Go back, reload the page and try again."),
    403: ("Not allowed", "Your role does not give access to this page."),
    404: ("Not found", "There is nothing at this address. Check the order number or use search."),
    405: ("Not allowed here", "This address does not take that kind of request. Use the buttons on the page."),
    413: ("Too large", "What was sent is larger than Order Desk accepts. Shorten it and try again."),
    429: ("Too many requests", "Too many requests in a short time. Wait a minute and try again."),
}


def _register_errors(app: Flask) -> None:
    for code, (title, message) in ERROR_PAGES.items():
        app.register_error_handler(code, lambda e, c=code, t=title, m=message: _error_page(c, t, m, e))

    @app.errorhandler(HTTPException)
    def other_http_error(e):  # codes without a page of their own: problem+json under /api/, else as Werkzeug says
        return problem(e.code or 500, e.description) if api_request() and e.code else e

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _error_page(400, "Form expired", "The form was out of date (or not sent from Order Desk). Go back, reload the page and try again; nothing was saved.")

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        if api_request():
            return problem(500, "Something went wrong and nothing was saved. Try again with the same Idempotency-Key.")
        return _error_page(500, "Something went wrong", "Nothing was saved. Try again; if it keeps happening tell the manager.")


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
