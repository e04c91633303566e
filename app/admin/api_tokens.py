"""/admin/api-tokens: the tokens the online channel's clients (the web shop) use. The admin
creates and revokes them; the manager reads the list. A new token is shown once, in the
answer to the POST that made it (a no-store page); only its SHA-256 is kept."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.admin.api_tokens_form import ApiTokenForm
from app.api.models import SCOPES, ApiToken
from app.api.tokens import create_token, revoke_token
from app.auth.access import restrict_blueprint, role_required
from app.extensions import db
from app.orders.permissions import can, roles_for
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("api_tokens", __name__)
restrict_blueprint(bp, *roles_for("view_api_tokens"))


def _tokens() -> list[ApiToken]:
    """Active tokens first (newest first), then the revoked ones (most recently revoked first)."""
    stmt = (select(ApiToken).options(selectinload(ApiToken.created_by), selectinload(ApiToken.revoked_by))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.revoked_at.desc(), ApiToken.created_at.desc(),
                      ApiToken.id.desc()))
    return list(db.session.execute(stmt).scalars())


def _page(form, status=200):
    return render("admin/api_tokens.html", form=form, tokens=_tokens(), scopes=SCOPES,
                  editable=can(current_user, "manage_api_tokens"), status=422 if form.errors else status)


@bp.get("")
def index():
    return _page(ApiTokenForm())


@bp.post("")
@role_required(*roles_for("manage_api_tokens"))
def create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form)
    on_refusal(lambda exc: _page(_with_error(form, exc)))
    row, token = create_token(form.name.data, current_user, form.scopes.data)
    # the token itself is in this answer only: never in a flash, the session or an event
    return render("admin/api_token_created.html", row=row, token=token, scopes=SCOPES)


def _with_error(form, exc):
    wrong = form.scopes if str(exc).startswith("Unknown scope") else form.name
    wrong.errors = [*wrong.errors, str(exc)]
    return form


@bp.post("/<int:token_id>/revoke")
@role_required(*roles_for("manage_api_tokens"))
def revoke(token_id: int):
    row = db.session.get(ApiToken, token_id) or abort(404)
    if row.revoked_at is not None:
        flash(f"API token {row.name} was already revoked; nothing changed.", "info")
    else:
        revoke_token(row, current_user)
        flash(f"API token {row.name} revoked: requests with it are refused from now on. "
              "Give its client a new token if it still needs one.", "success")
    return redirect(url_for("api_tokens.index"))
