"""Bookkeeping written aside (rate limits, a token's last use) and the groundwork services
of the online channel: tokens stored hashed and revocable, change requests told to sales."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.api.models import ApiToken
from app.api.tokens import authenticate, create_token, revoke_token, token_for, token_hash
from app.errors import Refusal
from app.extensions import db
from app.notifications.models import Notification
from app.orders.change_requests import close_change_request, open_change_request, open_requests
from app.ratelimit import RateWindow, forget_old_windows, hit
from app.timeutil import utcnow


def test_a_key_is_allowed_up_to_its_limit_then_told_how_long_to_wait(app):
    now = 6_000_020.0  # 20 s into a 60 s window (6,000,000 is a multiple of 60)
    assert [hit("t:1", 3, 60, now=now) for _ in range(3)] == [None, None, None]
    assert hit("t:1", 3, 60, now=now) == 40
    assert hit("t:2", 3, 60, now=now) is None  # another key has its own count
    assert hit("t:1", 3, 60, now=now + 40) is None  # the next window starts afresh


def test_counts_are_committed_even_when_the_request_rolls_back(app):
    hit("t:roll", 5, 60, now=1_000_000_000.0)
    db.session.rollback()
    assert db.session.execute(select(RateWindow.count).where(RateWindow.key == "t:roll")).scalar_one() == 1


def test_old_windows_are_forgotten(app):
    hit("t:old", 5, 60, now=1000.0)
    hit("t:new", 5, 60)
    assert forget_old_windows() == "1 old rate-limit windows removed"
    assert db.session.execute(select(RateWindow.key)).scalars().all() == ["t:new"]


def test_a_token_is_stored_hashed_found_by_its_value_and_refused_once_revoked(app, users):
    row, token = create_token("Web shop", users["admin"])
    db.session.commit()
    assert token.startswith("od_") and len(token) > 40
    assert row.token_hash == token_hash(token) and token not in row.token_hash
    assert token_for(token).id == row.id
    assert token_for(token + "x") is None and token_for("") is None
    with pytest.raises(Refusal, match="exists already"):
        create_token("Web shop", users["admin"])
    revoke_token(row, users["admin"])
    db.session.commit()
    assert token_for(token) is None


def test_authenticating_notes_the_last_use_at_most_once_a_minute(app, users):
    row, token = create_token("Shop", users["admin"], scopes=["orders:read"])
    token_id = row.id
    db.session.commit()
    caller = authenticate(token)
    assert (caller.id, caller.name, caller.allows("orders:read"), caller.allows("orders:write")) == (
        token_id, "Shop", True, False)
    first = db.session.get(ApiToken, token_id).last_used_at
    db.session.commit()
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    assert authenticate(token).id == token_id
    assert db.session.get(ApiToken, token_id).last_used_at == first
    db.session.commit()
    assert authenticate("od_unknown") is None and authenticate("Bearer x") is None


def test_a_change_request_waits_for_sales_and_is_closed_once(app, users, order_in):
    order = order_in("confirmed")
    request = open_change_request(order, channel="online", source="status_page", requested_by="Jo",
                                  text="Please make it 5 boxes")
    db.session.commit()
    assert open_requests(order) == [request]
    told = db.session.execute(select(Notification).where(Notification.user_id == users["sales"].id)).scalars().all()
    assert len(told) == 1
    with pytest.raises(Refusal, match="why"):
        close_change_request(request, "declined", users["sales"])
    close_change_request(request, "declined", users["sales"], note="Already packed")
    assert open_requests(order) == []
    with pytest.raises(Refusal, match="already"):
        close_change_request(request, "applied", users["sales"])


def test_a_draft_cannot_take_a_change_request(app, order_in):
    with pytest.raises(Refusal, match="not been confirmed"):
        open_change_request(order_in("draft"), channel="online", source="api", text="more")
