"""API tokens (issue 13, part 2): `flask --app wsgi api-token create|list|revoke` and the admin
page /admin/api-tokens. A token is printed or shown once and stored only as its SHA-256."""

import hashlib
import re

from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import authenticate, create_token, token_for
from app.events.models import Event
from app.extensions import db

TOKEN = re.compile(r"od_[A-Za-z0-9_-]{40,}")


def _rows():
    return db.session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()


# --- the command --------------------------------------------------------------------------------

def test_create_prints_the_token_once_and_stores_only_its_hash(runner):
    result = runner.invoke(args=["api-token", "create", "Web shop", "--scope", "orders:read", "--scope", "orders:write"])
    assert result.exit_code == 0, result.output
    [token] = TOKEN.findall(result.output)
    assert "will not be shown again" in result.output
    db.session.expire_all()
    [row] = _rows()
    assert row.name == "Web shop" and row.scope_list == ["orders:read", "orders:write"]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token.startswith(row.prefix)
    stored = " ".join(str(v) for v in db.session.execute(select(ApiToken.__table__)).one())
    assert token not in stored
    assert token_for(token).id == row.id and authenticate(token).scopes == ("orders:read", "orders:write")

    listed = runner.invoke(args=["api-token", "list"])
    assert listed.exit_code == 0 and token not in listed.output
    assert re.search(rf"Web shop\t{re.escape(row.prefix)}…\torders:read orders:write\tcreated .+\tlast used .+\tactive",
                     listed.output), listed.output


def test_create_refuses_a_duplicate_name_or_unknown_scope_with_exit_1(runner):
    assert runner.invoke(args=["api-token", "create", "Web shop"]).exit_code == 0
    again = runner.invoke(args=["api-token", "create", "Web shop"])
    assert again.exit_code == 1 and "exists already" in again.output and not TOKEN.search(again.output)
    wrong = runner.invoke(args=["api-token", "create", "Other", "--scope", "orders:delete"])
    assert wrong.exit_code == 1 and "Unknown scope orders:delete" in wrong.output
    assert [r.name for r in _rows()] == ["Web shop"]


def test_revoke_makes_the_token_useless_and_list_shows_it(runner):
    token = TOKEN.search(runner.invoke(args=["api-token", "create", "Web shop"]).output).group()
    assert runner.invoke(args=["api-token", "list"]).output.rstrip().endswith("never\tactive")
    result = runner.invoke(args=["api-token", "revoke", "Web shop"])
    assert result.exit_code == 0 and "Revoked API token Web shop" in result.output
    db.session.expire_all()
    assert token_for(token) is None and authenticate(token) is None
    assert "\trevoked " in runner.invoke(args=["api-token", "list"]).output
    assert "already revoked" in runner.invoke(args=["api-token", "revoke", "Web shop"]).output
    missing = runner.invoke(args=["api-token", "revoke", "Nobody"])
    assert missing.exit_code == 1 and "No API token is named Nobody" in missing.output
    kinds = db.session.execute(select(Event.kind).where(Event.kind.like("api_token.%")).order_by(Event.id)).scalars().all()
    assert kinds == ["api_token.created", "api_token.revoked"]


def test_list_says_what_to_do_when_there_is_none(runner):
    assert "api-token create" in runner.invoke(args=["api-token", "list"]).output


# --- the page -----------------------------------------------------------------------------------

URL = "/admin/api-tokens"


def test_admin_creates_a_token_and_sees_it_once(client, login):
    csrf = login("admin")
    empty = client.get(URL).get_data(as_text=True)
    assert "Create a token for the web shop" in empty
    response = client.post(URL, data={"csrf_token": csrf, "name": "Web shop", "scopes": ["orders:read", "orders:write"]})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    [token] = set(TOKEN.findall(html))
    assert "shown only this once" in html and "data-copy" in html
    assert token_for(token).scope_list == ["orders:read", "orders:write"]

    listed = client.get(URL).get_data(as_text=True)  # the reload: the list, never the token
    assert token not in listed
    row = _table(listed)
    assert f"{token[:10]}…" in row and "Read orders" in row and "never" in row and "by Admin" in row
    assert "Read products and stock" not in row


def _table(html):
    return re.search(r'<table class="grid" id="api-tokens".*?</table>', html, re.S).group()


def test_the_form_comes_back_with_what_was_typed_and_the_reason(client, login):
    csrf = login("admin")
    create_token("Web shop", None)
    db.session.commit()
    response = client.post(URL, data={"csrf_token": csrf, "name": "Web shop", "scopes": ["orders:read"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and not TOKEN.search(html)
    assert re.search(r'id="name-error">A token named Web shop exists already', html)
    assert 'value="Web shop"' in html and len(_rows()) == 1
    unscoped = client.post(URL, data={"csrf_token": csrf, "name": "Warehouse app"})
    assert unscoped.status_code == 422 and "Choose at least one thing the token may do." in unscoped.get_data(as_text=True)
    assert len(_rows()) == 1


def test_revoke_needs_a_post_with_the_csrf_token(client, login, users):
    csrf = login("admin")
    row, token = create_token("Web shop", users["admin"])
    db.session.commit()
    revoke = f"{URL}/{row.id}/revoke"
    assert client.get(revoke).status_code == 405
    assert client.post(revoke).status_code == 400
    assert token_for(token) is not None
    response = client.post(revoke, data={"csrf_token": csrf}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "API token Web shop revoked" in html
    db.session.expire_all()
    assert token_for(token) is None and row.revoked_by_id == users["admin"].id
    assert 'class="row--revoked"' in html and "Revoked" in html and "by Admin" in html
    assert f"{URL}/{row.id}/revoke" not in html  # no button on a revoked token
    assert client.post(f"{URL}/999999/revoke", data={"csrf_token": csrf}).status_code == 404


def test_the_manager_reads_the_list_but_changes_nothing(client, login, users):
    row, token = create_token("Web shop", users["admin"])
    db.session.commit()
    csrf = login("manager")
    html = client.get(URL).get_data(as_text=True)
    assert "Web shop" in html and "Only an admin can create or revoke" in html
    assert "Create token" not in html and "/revoke" not in html
    assert client.post(URL, data={"csrf_token": csrf, "name": "Mine", "scopes": ["orders:read"]}).status_code == 403
    assert client.post(f"{URL}/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert [r.name for r in _rows()] == ["Web shop"] and token_for(token) is not None


def test_other_roles_get_403(client, login):
    login("sales")
    assert client.get(URL).status_code == 403
