from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from app.admin.forms import UserActiveForm
from app.auth import services
from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.auth.forms import UserForm
from app.auth.models import User
from app.extensions import db
from app.pagination import paginate
from app.web.inputs import page_arg, search_arg
from app.web.messages import outcome
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("admin", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["admin"])


def _users_page():
    q = search_arg()
    stmt = select(User).order_by(User.username)
    if q:
        term = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(term), User.full_name.ilike(term)))
    return q, paginate(stmt, page_arg())


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UserForm()
    if form.validate_on_submit():
        on_refusal(lambda exc: _users(form, str(exc)))
        user = services.create_user(form.username.data, form.password.data, form.roles.data,
                                    full_name=form.full_name.data or "", email=form.email.data,
                                    actor=current_user)
        flash(outcome(f"User {user.username}", f"created as {', '.join(user.roles)}", "they can log in now"), "success")
        return redirect(url_for("admin.index"))
    return _users(form)


def _users(form, refusal: str | None = None):
    if refusal:
        form.username.errors = [*form.username.errors, refusal]
    q, pagination = _users_page()
    return render("admin/index.html", form=form, q=q, pagination=pagination, status=422 if form.errors else 200)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    active = UserActiveForm().active.data
    services.set_active(user, active, current_user)
    flash(outcome(f"User {user.username}", "enabled, they can log in again" if active
                  else "disabled, their sessions have ended"), "success")
    return redirect(url_for("admin.index"))
