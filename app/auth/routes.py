from flask import Blueprint, flash, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services, throttle
from app.auth.access import dashboard_url
from app.auth.forms import ChangePasswordForm, LoginForm
from app.events.services import record_event
from app.extensions import login_manager
from app.web.navigation import safe_next
from app.web.rendering import render
from app.web.transaction import on_refusal

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_session_user(token)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(dashboard_url(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form)
    username, address = form.username.data.strip().lower(), request.remote_addr or "unknown"
    try:
        throttle.check(username, address)
    except throttle.LoginLocked as exc:
        throttle.record(username, address, "locked")  # kept: the view answers, the request commits
        form.password.errors.append(str(exc))
        return _login_page(form, 429)
    user = services.authenticate(username, form.password.data)
    if user is None or not user.active:
        throttle.record(username, address, "failed")
        if user is None:
            form.password.errors.append("Unknown username or wrong password.")
        else:
            form.username.errors.append("This account is disabled. Ask an administrator.")
        return _login_page(form)
    throttle.record(username, address, "ok")
    next_url = safe_next(request.args.get("next"))
    session.clear()  # a fresh session on every login
    services.start_session(user)
    login_user(user, remember=form.remember.data)
    record_event("user.login", f"{user.username} logged in", actor=user)
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(next_url or dashboard_url(user))


def _login_page(form, status=None):
    return render("auth/login.html", form=form, status=status or (422 if form.errors else 200))


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user.session_token)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


# Pages a person who must choose a new password can still reach.
# The live feed's poll stays on its one-query path (it never loads the user; app/live/).
_OPEN_WHILE_CHANGING = {"auth.change_password", "auth.logout", "auth.login", "static", "main.favicon", "live.poll",
                        "status.page", "status.ask_change", "status.document"}  # the customer's page: no staff login


@bp.before_app_request
def _must_change_password():
    """After an admin's reset, every page sends the person to choose their own password."""
    # The API and the customer's page never use the staff login (and must not load the user:
    # their first database work is bookkeeping on its own connection, app/bookkeeping.py).
    if (request.endpoint in _OPEN_WHILE_CHANGING or request.blueprint in ("api", "status")
            or not current_user.is_authenticated
            or not current_user.must_change_password):
        return None
    target = url_for("auth.change_password")
    if request.headers.get("HX-Request"):  # the live feed and menus: nothing, or go to the form
        response = make_response("", 204)
        if not request.headers.get("HX-Current-URL", "").split("?")[0].endswith(target):
            response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        on_refusal(lambda exc: _password_page(form, exc))
        services.change_password(current_user, form.current.data, form.password.data)
        flash("Your password is changed. Use the new one next time you log in.", "success")
        return redirect(dashboard_url(current_user))
    return _password_page(form)


def _password_page(form, refusal=None):
    if refusal is not None:
        getattr(form, getattr(refusal, "field", "password")).errors = [str(refusal)]
    return render("auth/password.html", form=form, status=422 if form.errors else 200)
