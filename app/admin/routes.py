from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from app.admin.forms import UserActiveForm
from app.auth import services
from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.auth.forms import ResetPasswordForm, RolesForm, UserForm
from app.auth.models import ROLE_LABELS, User
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
        on_refusal(lambda exc: _users(form, exc))
        user = services.create_user(form.username.data, form.password.data, form.roles.data,
                                    full_name=form.full_name.data or "", email=form.email.data,
                                    actor=current_user, enforce_rules=True)
        flash(outcome(f"User {user.username}", f"created as {', '.join(user.roles)}", "they can log in now"), "success")
        return redirect(url_for("admin.index"))
    return _users(form)


def _users(form, refusal=None):
    if refusal is not None:
        wrong = form.password if isinstance(refusal, services.PasswordRefused) else form.username
        wrong.errors = [*wrong.errors, str(refusal)]
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


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users/<int:user_id>")
def user_page(user_id: int):
    user = _user(user_id)
    return _user_page(user, RolesForm(data={"roles": user.roles}), ResetPasswordForm())


def _user_page(user, roles_form, reset_form, temporary=None, status=200):
    return render("admin/user.html", user=user, roles_form=roles_form, reset_form=reset_form,
                  temporary=temporary, status=422 if roles_form.errors or reset_form.errors else status)


@bp.post("/users/<int:user_id>/roles")
def set_roles(user_id: int):
    user, form = _user(user_id), RolesForm()
    if not form.validate_on_submit():
        return _user_page(user, form, ResetPasswordForm())
    on_refusal(lambda exc: _user_page(user, _with_error(form, form.roles, exc), ResetPasswordForm()))
    services.set_roles(user, form.roles.data, current_user)
    flash(outcome(f"User {user.username}", f"roles now {', '.join(ROLE_LABELS[r] for r in user.roles)}",
                  "their menus change on their next page"), "success")
    return redirect(url_for("admin.user_page", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user, form = _user(user_id), ResetPasswordForm()
    roles_form = RolesForm(formdata=None, data={"roles": user.roles})
    if not form.validate_on_submit():
        return _user_page(user, roles_form, form)
    on_refusal(lambda exc: _user_page(user, roles_form, _with_error(form, form.password, exc)))
    typed = form.password.data or None
    password = services.reset_password(user, current_user, typed)
    if typed:
        flash(outcome(f"User {user.username}", "password reset to the one you typed, their sessions have ended",
                      "they choose their own at next login"), "success")
        return redirect(url_for("admin.user_page", user_id=user.id))
    # a made-up password is shown once, in this answer only (a no-store page; never in an event)
    return _user_page(user, roles_form, ResetPasswordForm(formdata=None), temporary=password)


def _with_error(form, field, exc):
    field.errors = [*field.errors, str(exc)]
    return form
