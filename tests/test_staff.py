"""Staff accounts: the admin changes roles, resets passwords and disables; everyone changes
their own password; one set of password rules everywhere a password is chosen."""

import pytest
from sqlalchemy import func, select

from app.auth.models import LoginSession, User
from app.events.models import Event
from app.extensions import db
from tests.conftest import PASSWORD, csrf_from, log_in, log_out

NEW = "Amber-Tulip-Kettle-42"


def page(response) -> str:
    return response.get_data(as_text=True)


def events(kind):
    return db.session.execute(select(Event).where(Event.kind == kind).order_by(Event.id)).scalars().all()


def open_sessions(user) -> int:
    return db.session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)))


# --- roles ---------------------------------------------------------------------------------

def test_admin_changes_roles_and_it_is_an_event(client, login, users):
    token = login("admin")
    sales = users["sales"]
    response = client.post(f"/admin/users/{sales.id}/roles", data={"csrf_token": token, "roles": ["inventory", "sales"]},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "User sales: roles now Inventory, Sales" in page(response)
    assert db.session.get(User, sales.id).roles == ["inventory", "sales"]
    event = events("user.roles")[-1]
    assert event.before == {"roles": ["sales"]} and event.after == {"roles": ["inventory", "sales"]}
    assert event.actor_id == users["admin"].id


def test_admin_cannot_remove_their_own_admin_role(client, login, users):
    token = login("admin")
    admin = users["admin"]
    response = client.post(f"/admin/users/{admin.id}/roles", data={"csrf_token": token, "roles": ["manager"]})
    assert response.status_code == 422
    assert "You cannot remove your own admin role" in page(response)
    assert db.session.get(User, admin.id).roles == ["admin"] and not events("user.roles")


def test_roles_need_at_least_one(client, login, users):
    token = login("admin")
    response = client.post(f"/admin/users/{users['sales'].id}/roles", data={"csrf_token": token})
    assert response.status_code == 422 and "Give the user at least one role." in page(response)


def test_only_the_admin_manages_users(client, login, users):
    login("manager")
    assert client.get(f"/admin/users/{users['sales'].id}").status_code == 403


# --- reset, then the user must choose a new password ---------------------------------------

def test_reset_with_a_generated_password_shown_once_then_the_user_must_change_it(app, client, login, users):
    sales = users["sales"]
    other = app.test_client()
    log_in(other, "sales")
    assert open_sessions(sales) == 1
    token = login("admin")
    response = client.post(f"/admin/users/{sales.id}/password", data={"csrf_token": token, "password": ""})
    html = page(response)
    assert response.status_code == 200 and "shown only this once" in html
    temporary = html.split('id="temporary-password">')[1].split("<")[0]
    assert len(temporary) >= 10
    assert "no-store" in response.headers["Cache-Control"]
    assert temporary not in page(client.get(f"/admin/users/{sales.id}"))  # only that once
    assert open_sessions(sales) == 0  # their sessions ended
    assert other.get("/sales/").status_code == 302
    event = events("user.password_reset")[-1]
    assert temporary not in str((event.summary, event.before, event.after))

    user = app.test_client()
    response = log_in(user, "sales", temporary)
    assert response.headers["Location"] == "/account/password"
    for url in ("/sales/", "/orders/SO-2026-00001", "/search", "/help/sales"):  # every page sends them there
        assert user.get(url).headers.get("Location") == "/account/password", url
    htmx = user.get("/sales/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/password"
    menu = user.get("/notifications/", headers={"HX-Request": "true", "HX-Current-URL": "http://x/account/password"})
    assert menu.status_code == 204 and "HX-Redirect" not in menu.headers  # the form is not reloaded
    form = page(user.get("/account/password"))
    assert "An administrator set a temporary password" in form
    response = user.post("/account/password", data={"csrf_token": csrf_from(form), "current": temporary,
                                                    "password": NEW, "repeat": NEW})
    assert response.headers["Location"] == "/sales/"  # then their dashboard
    assert user.get("/sales/").status_code == 200
    assert not db.session.get(User, sales.id).must_change_password
    assert log_in(app.test_client(), "sales", NEW).headers["Location"] == "/sales/"


def test_logout_works_while_a_new_password_is_due(client, login, users):
    token = login("admin")
    client.post(f"/admin/users/{users['sales'].id}/password", data={"csrf_token": token, "password": NEW})
    log_out(client)
    log_in(client, "sales", NEW)
    assert log_out(client).headers["Location"] == "/login"


def test_reset_to_a_typed_password_follows_the_rules(client, login, users):
    token = login("admin")
    url = f"/admin/users/{users['sales'].id}/password"
    response = client.post(url, data={"csrf_token": token, "password": "password123"})
    assert response.status_code == 422 and "one of the most common passwords" in page(response)
    assert db.session.get(User, users["sales"].id).check_password(PASSWORD)
    response = client.post(url, data={"csrf_token": token, "password": NEW}, follow_redirects=True)
    assert "they choose their own at next login" in page(response)
    user = db.session.get(User, users["sales"].id)
    assert user.check_password(NEW) and user.must_change_password


# --- own password --------------------------------------------------------------------------

def change(client, current, new, repeat=None):
    token = csrf_from(page(client.get("/account/password")))
    return client.post("/account/password", data={"csrf_token": token, "current": current, "password": new,
                                                  "repeat": new if repeat is None else repeat})


def test_everyone_changes_their_own_password(client, login, users):
    login("fulfillment")
    response = change(client, PASSWORD, NEW)
    assert response.headers["Location"] == "/fulfillment/"
    assert db.session.get(User, users["fulfillment"].id).check_password(NEW)
    assert client.get("/fulfillment/").status_code == 200  # the session in use stays
    assert [e.actor_id for e in events("user.password_changed")] == [users["fulfillment"].id]


def test_own_change_with_the_wrong_current_password_is_refused(client, login, users):
    login("sales")
    response = change(client, "not-my-password", NEW)
    assert response.status_code == 422 and "The current password is wrong." in page(response)
    assert 'id="current-error"' in page(response)
    assert db.session.get(User, users["sales"].id).check_password(PASSWORD)


@pytest.mark.parametrize(("new", "repeat", "message"), [
    ("short-1", None, "Use at least 10 characters."),
    ("sales", None, "Use at least 10 characters."),
    ("my-sales-login", None, "The password must not contain the username."),
    ("password123", None, "This is one of the most common passwords."),
    ("aaaaaaaaaaaa", None, "Too easy to guess."),
    (PASSWORD, None, "Choose a password different from the current one."),
    (NEW, "Amber-Tulip", "The two new passwords differ."),
])
def test_password_rules_on_own_change(client, login, users, new, repeat, message):
    login("sales")
    response = change(client, PASSWORD, new, repeat)
    assert response.status_code == 422
    html = page(response)
    assert message in html
    assert 'aria-describedby="password-error"' in html or 'aria-describedby="repeat-error"' in html
    assert db.session.get(User, users["sales"].id).check_password(PASSWORD)


def test_password_equal_to_the_username_is_refused(client, login):
    token = login("admin")
    response = client.post("/admin/", data={"csrf_token": token, "username": "warehouse-lead",
                                            "password": "warehouse-lead", "roles": ["inventory"]})
    assert response.status_code == 422 and "must not contain the username" in page(response)
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "warehouse-lead")) == 0


def test_admin_creates_a_user_only_with_a_password_the_rules_allow(client, login):
    token = login("admin")
    response = client.post("/admin/", data={"csrf_token": token, "username": "jo", "password": "password123",
                                            "roles": ["sales"]})
    assert response.status_code == 422 and "one of the most common passwords" in page(response)
    response = client.post("/admin/", data={"csrf_token": token, "username": "jo", "password": NEW,
                                            "roles": ["sales"]})
    assert response.status_code == 302


def test_cli_users_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "pat", "--role", "admin"], input="password123\npassword123\n")
    assert result.exit_code == 1 and "one of the most common passwords" in result.output
    result = runner.invoke(args=["users", "create", "pat", "--role", "admin"], input="pat-pat-pat-1\npat-pat-pat-1\n")
    assert result.exit_code == 1 and "must not contain the username" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


# --- disable -------------------------------------------------------------------------------

def test_disable_ends_sessions_and_admin_cannot_disable_themselves(app, client, login, users):
    other = app.test_client()
    log_in(other, "inventory")
    token = login("admin")
    client.post(f"/admin/users/{users['inventory'].id}/active", data={"csrf_token": token, "active": "0"})
    assert other.get("/inventory/").status_code == 302
    assert events("user.disable")
    response = client.post(f"/admin/users/{users['admin'].id}/active", data={"csrf_token": token, "active": "0"},
                           follow_redirects=True)
    assert db.session.get(User, users["admin"].id).active
    assert "You cannot disable your own account." in page(response)
