from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from app.auth import services
from app.auth.access import DASHBOARD_ROLES, restrict_blueprint
from app.auth.forms import UserForm
from app.auth.models import User
from app.extensions import db
from app.web import render_list

bp = Blueprint("admin", __name__)
restrict_blueprint(bp, *DASHBOARD_ROLES["admin"])


def _users_page():
    q = request.args.get("q", "")[:100]
    stmt = select(User).order_by(User.username)
    if q.strip():
        term = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.username.ilike(term), User.full_name.ilike(term)))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return q, db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.username.data, form.password.data, form.roles.data,
                                        full_name=form.full_name.data or "", email=form.email.data,
                                        actor=current_user)
        except services.UserError as exc:
            form.username.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"User {user.username} created.", "success")
            return redirect(url_for("admin.index"))
    q, pagination = _users_page()
    status = 422 if form.errors else 200
    return render_list("admin/index.html", "admin/_users.html", form=form, q=q,
                       pagination=pagination), status


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        services.set_active(user, active, current_user)
    except services.UserError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"User {user.username} {'enabled' if active else 'disabled'}.", "success")
    return redirect(url_for("admin.index"))
