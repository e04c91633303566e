from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services
from app.auth.access import dashboard_url
from app.auth.forms import LoginForm
from app.events.services import record_event
from app.extensions import db, login_manager
from app.web import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_session_user(token)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append("Unknown username or wrong password.")
        elif not user.active:
            form.username.errors.append("This account is disabled. Ask an administrator.")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()  # a fresh session on every login
            services.start_session(user)
            login_user(user, remember=form.remember.data)
            record_event("user.login", f"{user.username} logged in", actor=user)
            db.session.commit()
            return redirect(next_url or dashboard_url(user))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    services.end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
