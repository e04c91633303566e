"""/admin/settings: the rules the business tunes (admin edits, the manager reads)."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from app.admin.settings_form import SettingsForm
from app.auth.access import restrict_blueprint, role_required
from app.auth.models import User
from app.extensions import db
from app.settings import services
from app.web.rendering import render

bp = Blueprint("settings", __name__)
restrict_blueprint(bp, "admin", "manager")

# The page's groups, in order: (heading, what it is for, the fields' names in NAMES)
GROUPS = (
    ("Intake and amendments", "Which channels orders and amendments may come in by, and the kinds of special request with the team that decides each.",
     ("INTAKE_CHANNELS", "AMENDMENT_CHANNELS", "SPECIAL_REQUEST_TYPES")),
    ("Working day", "Orders after the cut-off count from the next business day; pickups are ready within opening hours.",
     ("ORDER_CUTOFF", "BUSINESS_OPENS", "BUSINESS_CLOSES", "DELIVERY_LEAD_DAYS", "PICKUP_READY_HOURS")),
    ("Calendar", "Promised dates skip weekends, the public holidays of this region and the extra closed days.",
     ("BUSINESS_COUNTRY", "BUSINESS_SUBDIVISION", "EXTRA_CLOSED_DAYS")),
    ("Company details for documents", "Printed on confirmations, packing slips and emails.",
     ("BUSINESS_NAME", "BUSINESS_ADDRESS", "BUSINESS_PHONE", "BUSINESS_EMAIL", "COMPANY_NUMBER", "VAT_NUMBER", "CURRENCY")),
)


@bp.get("")
def index():
    return _page(SettingsForm.from_values(services.current_settings()))


@bp.post("")
@role_required("admin")
def save():
    form = SettingsForm()
    if not form.validate_on_submit():
        return _page(form)
    changed = services.save_settings(form.values(), current_user)
    if changed:
        flash(f"Settings saved: {', '.join(_label(form, n) for n in changed)}. They apply from the next order or page.",
              "success")
    else:
        flash("Nothing changed; nothing was saved.", "info")
    return redirect(url_for("settings.index"))


def _label(form, name: str) -> str:
    field = form[name.lower()]
    return "special request kinds" if name == "SPECIAL_REQUEST_TYPES" else field.label.text.lower()


def _page(form):
    rows = services.saved_rows()
    people = {u.id: u for u in db.session.query(User).filter(User.id.in_({r.updated_by_id for r in rows.values()}))}
    sources = {name: (row, people.get(row.updated_by_id)) for name, row in rows.items()}
    return render("admin/settings.html", form=form, groups=GROUPS, sources=sources,
                  editable=current_user.has_role("admin"), status=422 if form.errors else 200)
