"""What every template can use: filters, labels, the navigation."""

from flask import Flask
from flask_login import current_user

from app.auth.access import DASHBOARDS, dashboards_for
from app.auth.models import ROLE_LABELS
from app.customers.models import CONFIRMATION_CHANNELS, TAX_TREATMENTS
from app.formatting import age, date_placeholder, day, entry_date, money, percent, when
from app.orders import permissions
from app.orders.money import line_rate, order_totals, vat_label
from app.orders.states import CHANNEL_LABELS, METHOD_LABELS, STATUS_LABELS, STATUS_TONES
from app.settings.store import setting


def can(action: str, subject=None) -> bool:
    """Template helper: may the logged-in user do `action` (to `subject`) now?"""
    return permissions.can(current_user, action, subject)


def install(app: Flask) -> None:
    for f in (age, money, percent, when, day, entry_date):
        app.add_template_filter(f)

    from app.live.routes import live_interval, live_since
    from app.notifications.routes import here, my_notifications

    app.jinja_env.globals.update(
        live_since=live_since, live_interval=live_interval, my_notifications=my_notifications, here=here,
        STATUS_LABELS=STATUS_LABELS, STATUS_TONES=STATUS_TONES, CHANNEL_LABELS=CHANNEL_LABELS,
        METHOD_LABELS=METHOD_LABELS, ROLE_LABELS=ROLE_LABELS, can=can, date_placeholder=date_placeholder,
        setting=setting,  # the business's tuned settings (app/settings/store.py)
        CONFIRMATION_CHANNELS=CONFIRMATION_CHANNELS, TAX_TREATMENTS=TAX_TREATMENTS,
        order_totals=order_totals, vat_label=vat_label, line_rate=line_rate,  # net, VAT per rate, gross
    )

    @app.context_processor
    def page_globals():
        nav = []
        if current_user and current_user.is_authenticated:  # None outside a request (CLI, relay)
            nav = [(ROLE_LABELS[d], DASHBOARDS[d]) for d in dashboards_for(current_user)]
            if can("view_audit_log"):
                nav.append(("Audit log", "audit.index"))
        return {"business_name": setting("BUSINESS_NAME"), "nav_items": nav}
