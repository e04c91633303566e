"""`setting(name)`: the value saved on /admin/settings, else the environment's first value.

Every rule the SOP says the business tunes is read through here, never from
`current_app.config` directly, so a change on the settings page takes effect at once
(on every worker: the saved values are read once per request or command, then kept for it).
"""

from flask import current_app, g
from sqlalchemy import select

from app.extensions import db
from app.settings.models import Setting

# The names the settings page offers (each also a Config attribute giving the first value).
NAMES = (
    # intake and amendments
    "INTAKE_CHANNELS", "AMENDMENT_CHANNELS", "SPECIAL_REQUEST_TYPES",
    # the working day and promised dates
    "ORDER_CUTOFF", "BUSINESS_OPENS", "BUSINESS_CLOSES", "DELIVERY_LEAD_DAYS",
    "PICKUP_READY_HOURS", "BUSINESS_COUNTRY", "BUSINESS_SUBDIVISION", "EXTRA_CLOSED_DAYS",
    # company details on documents, and money
    "BUSINESS_NAME", "BUSINESS_ADDRESS", "BUSINESS_PHONE", "BUSINESS_EMAIL",
    "COMPANY_NUMBER", "VAT_NUMBER", "CURRENCY",
)


def _saved() -> dict:
    saved = g.get("_settings")
    if saved is None:
        saved = dict(db.session.execute(select(Setting.name, Setting.value)).all())
        g._settings = saved
    return saved


def setting(name: str):
    """The business's current value of `name` (one of NAMES)."""
    if name not in NAMES:
        raise KeyError(f"{name} is not a setting")
    saved = _saved()
    return saved[name] if name in saved else current_app.config[name]


def forget_saved() -> None:
    """Read the saved values again on the next `setting()` (after saving them)."""
    g.pop("_settings", None)
