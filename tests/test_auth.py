"""Logging in and out, sessions, disabled users."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import LoginAttempt, LoginSession, User
from app.auth.services import set_active
from app.extensions import db
from tests.conftest import PASSWORD, csrf_from, log_in


def test_password_is_hashed(users):
    user = users["sales"]
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_login_lands_on_first_role_dashboard(client, make_user):
    make_user("pat", roles=["fulfillment", "sales"])
    response = log_in(client, "pat")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fulfillment/"


def test_wrong_password_shows_message_and_keeps_username(client, users):
    response = log_in(client, "sales", "nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Unknown username or wrong password." in html
    assert 'value="sales"' in html


def test_session_cookie_flags_and_new_session_each_login(client, users):
    log_in(client, "sales")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    first = db.session.execute(select(LoginSession.token)).scalars().all()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/sales/").get_data(as_text=True))})
    log_in(client, "sales")
    tokens = db.session.execute(select(LoginSession.token).order_by(LoginSession.id)).scalars().all()
    assert len(tokens) == 2 and tokens[1] not in first


def test_logout_ends_the_session(client, users):
    log_in(client, "sales")
    assert client.get("/logout").status_code == 405  # a link or image elsewhere cannot log staff out
    token = csrf_from(client.get("/sales/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/sales/").status_code == 302
    assert db.session.execute(select(LoginSession.ended_at)).scalar_one() is not None


def test_disabled_user_cannot_log_in_and_is_logged_out(app, client, users):
    log_in(client, "sales")
    assert client.get("/sales/").status_code == 200
    set_active(db.session.get(User, users["sales"].id), False, users["admin"])
    db.session.commit()
    assert client.get("/sales/").status_code == 302  # the open session no longer counts
    response = log_in(client, "sales")
    assert response.status_code == 422
    assert "This account is disabled" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, users):
    response = client.post("/login", data={"username": "sales", "password": PASSWORD})
    assert response.status_code == 422 or response.status_code == 400
    assert client.get("/sales/").status_code == 302


def test_next_parameter_only_allows_local_paths(client, users):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": "sales", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/sales/"


def test_repeated_wrong_passwords_lock_the_account_with_minutes_left(app, client, users):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert log_in(client, "manager", "wrong").status_code == 422
    response = log_in(client, "manager")  # the right password, but the account is locked
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed logins for this account. Try again in 15 minutes" in html
    assert client.get("/manager/").status_code == 302  # not logged in
    outcomes = db.session.execute(select(LoginAttempt.outcome).order_by(LoginAttempt.id)).scalars().all()
    assert outcomes == ["failed"] * app.config["LOGIN_MAX_FAILURES"] + ["locked"]
    assert log_in(client, "sales").status_code == 302  # another account is not locked


def test_lock_runs_out_and_a_success_resets_the_count(app, client, users):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        log_in(client, "sales", "wrong")
    assert log_in(client, "sales").status_code == 302  # one short of the lock: a success resets
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/sales/").get_data(as_text=True))})
    for _ in range(limit - 1):
        log_in(client, "sales", "wrong")
    assert log_in(client, "sales").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/sales/").get_data(as_text=True))})
    for _ in range(limit):
        log_in(client, "sales", "wrong")
    assert log_in(client, "sales").status_code == 429
    # the failures age past the window: the account opens again
    db.session.execute(LoginAttempt.__table__.update().values(at=LoginAttempt.at - timedelta(minutes=16)))
    db.session.commit()
    assert log_in(client, "sales").status_code == 302


def test_many_accounts_from_one_address_lock_the_address(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    try:
        for n in range(6):
            log_in(client, f"guess{n}", "wrong")
        response = log_in(client, "inventory")
        assert response.status_code == 429
        assert "from this computer" in response.get_data(as_text=True)
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 20
