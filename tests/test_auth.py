"""Logging in and out, sessions, disabled users."""

from sqlalchemy import select

from app.auth.models import LoginSession, User
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
    client.get("/logout")
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
