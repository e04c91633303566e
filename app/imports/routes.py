"""Import and export (manager and admin). Upload a CSV → its preview (counts, a sample, every
bad row) → Apply, which writes exactly the previewed bytes, all or nothing, as one event."""

import io

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from app.auth.access import restrict_blueprint
from app.dataio.exports import ROWS, write_export
from app.dataio.services import KINDS, ImportRefused, check_file
from app.dataio.uploads import apply_upload, store_upload, upload_by_token
from app.events.models import Event
from app.extensions import db
from app.imports.forms import ImportForm
from app.orders.permissions import roles_for
from app.timeutil import business_today
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("imports", __name__, url_prefix="/imports")
restrict_blueprint(bp, *roles_for("import_data"))

SAMPLE_ROWS = 12
RECENT_IMPORTS = 10


@bp.route("/", methods=["GET", "POST"])
def index():
    """The upload form, the export links and the last imports; a good upload goes to its preview."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _index_page(form)
    upload = store_upload(form.kind.data, secure_filename(form.file.data.filename or ""),
                          form.file.data.read(), current_user)
    return redirect(url_for("imports.preview", token=upload.token))


def _index_page(form):
    recent = db.session.execute(select(Event).where(Event.kind == "import.applied")
                                .order_by(Event.id.desc()).limit(RECENT_IMPORTS)).scalars().all()
    return render("imports/index.html", form=form, exports=list(ROWS), recent=recent,
                  columns={name: kind.columns for name, kind in KINDS.items()},
                  status=422 if form.errors else 200)


@bp.get("/<token>")
def preview(token: str):
    """What the uploaded file would do: counts, a sample of rows, every bad row."""
    upload = upload_by_token(token)
    return _preview_page(upload, check_file(upload.kind, upload.content, upload.filename))


def _preview_page(upload, plan, status: int = 200):
    return render("imports/preview.html", upload=upload, plan=plan, sample=plan.sample(SAMPLE_ROWS), status=status)


@bp.post("/<token>/apply")
def apply(token: str):
    """Apply the previewed file, all or nothing; if it no longer checks out, the preview again."""
    upload = upload_by_token(token)
    on_refusal(lambda exc: _refused(upload, exc))
    plan = apply_upload(upload, current_user)
    flash(f"Imported {plan.summary()}.", "success")
    return redirect(url_for("imports.index"))


def _refused(upload, exc):
    """The file no longer checks out: its preview with every problem; else why not, on the preview."""
    if isinstance(exc, ImportRefused):
        return _preview_page(upload, exc.plan, 422)
    flash(str(exc), "error")
    return redirect(url_for("imports.preview", token=upload.token))


@bp.get("/export/<kind>.csv")
def export(kind: str):
    """Every product, customer or price as the CSV its import reads (formula-safe cells)."""
    if kind not in ROWS:
        abort(404)
    stream = io.StringIO()
    write_export(kind, stream)  # whole, as the command writes it (a few MB for 20,000 products)
    response = Response(stream.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-{business_today().isoformat()}.csv"'
    return response
