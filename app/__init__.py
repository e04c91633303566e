"""Order Desk: the application factory."""

import os

from flask import Flask

from app.config import Config
from app.extensions import csrf, db, htmx, login_manager, migrate
from app.web.transaction import OrderDesk


def create_app(config_class=Config, **overrides) -> Flask:
    """Build the app from a config class, with optional overrides (tests use these)."""
    app = OrderDesk(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(config_class.INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    _check_secret_key(app)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from app.database import configure_sqlite

            configure_sqlite(db.engine, app.config["DB_LOCK_WAIT_SECONDS"])
        elif db.engine.dialect.name == "postgresql":
            from app.database import configure_postgresql

            configure_postgresql(db.engine, app.config["DB_LOCK_WAIT_SECONDS"], app.config["DB_RANDOM_PAGE_COST"])

    from app import models  # noqa: F401  (register every table)

    # Cross-capability handlers, imported once so that they are registered:
    from app.notifications import services as _notifications  # noqa: F401  (event_recorded → team notifications)
    from app.orders import queries as _order_queries  # noqa: F401  (reservations held by open orders)
    from app.web import register_web

    register_web(app)
    from app.cli import register_cli

    register_cli(app)
    with app.app_context():
        from app.live.shortcut import install

        install(app)
    if app.config["PROXY_FIX_X_FOR"]:  # behind a reverse proxy: the client address it reports
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    return app


def _check_secret_key(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(`make run` writes a .env with a random key); see README.md."
        )
