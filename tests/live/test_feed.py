"""The change feed: 204 when nothing happened, ordering, topics, access, and no skipped events."""

import threading
import time

from sqlalchemy import select

from app.events.models import Event
from app.events.services import record_event
from app.extensions import db
from app.live import feed
from app.orders import services as orders
from tests.conftest import csrf_from


def head():
    return feed.head()


def poll(client, since, topics="orders,notifications"):
    return client.get(f"/live/feed?since={since}&topics={topics}", headers={"HX-Request": "true"})


def test_nothing_new_answers_204_with_no_body(client, login, make_order):
    make_order(submit=True)
    login("fulfillment")
    response = poll(client, head())
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"


def test_new_event_moves_the_feed_and_names_the_topics_it_touches(client, login, users, make_order):
    order = make_order()
    login("fulfillment")
    since = head()
    orders.submit_order(order, users["sales"])
    db.session.commit()
    response = poll(client, since, f"orders,notifications,order:{order.id},order:999999")
    assert response.status_code == 200
    body = response.get_json()
    assert body["head"] == head() > since
    assert body["topics"] == ["orders", "notifications", f"order:{order.id}"]
    assert poll(client, body["head"]).status_code == 204


def test_a_login_event_is_no_reason_to_redraw_order_lists(client, login, make_user):
    login("inventory")
    since = head()
    record_event("user.login", "someone logged in")
    db.session.commit()
    body = poll(client, since).get_json()
    assert body == {"head": head(), "topics": []} and head() > since


def test_own_changes_are_not_notifications_but_are_order_changes(client, login, users, make_order):
    order = make_order(actor=users["manager"])
    login("manager")
    since = head()
    orders.cancel_order(order, users["manager"])  # a draft: notifies nobody
    db.session.commit()
    assert poll(client, since).get_json()["topics"] == ["orders"]


def test_cursor_ahead_of_the_log_redraws_everything(client, login, make_order):
    make_order(submit=True)
    login("sales")
    body = poll(client, head() + 50).get_json()
    assert body == {"head": head(), "topics": ["orders", "notifications"]}


def test_feed_needs_a_logged_in_user_with_an_order_role(client, users):
    assert client.get("/live/feed?since=0", headers={"HX-Request": "true"}).status_code == 401
    assert client.get("/live/feed?since=0").headers["Location"].startswith("/login")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "admin", "password": "secret-pass", "csrf_token": token})
    assert client.get("/live/feed?since=0").status_code == 403


def test_feed_refuses_a_missing_cursor(client, login):
    login("sales")
    assert client.get("/live/feed").status_code == 400
    assert client.get("/live/feed?since=-1").status_code == 400


def test_pages_carry_the_cursor_they_were_rendered_at(client, login, make_order):
    make_order(submit=True)
    login("fulfillment")
    html = client.get("/fulfillment/").get_data(as_text=True)
    assert f'data-live-since="{head()}"' in html
    assert 'id="live-feed"' in html and 'hx-trigger="every 1.5s, live:poll"' in html


def test_unknown_topics_are_ignored():
    assert feed.parse_topics("orders,order:12,../etc,order:x,orders") == ["orders", "order:12"]


def _writer(app, n, pause, errors):
    """One concurrent writer: record an event, then hold the transaction open a while."""
    try:
        with app.app_context():
            for i in range(n):
                record_event("test.write", f"write {i}")
                db.session.flush()  # the event has its id now; commit comes later
                time.sleep(pause * ((i % 3) + 1))
                db.session.commit()
    except Exception as exc:  # reported by the test
        errors.append(exc)


def test_a_reader_following_the_feed_never_skips_an_event_of_concurrent_writers(app):
    """Four writers commit in a different order than they took ids; a reader that follows
    the feed from its cursor (what the pages do) must still see every event exactly once."""
    errors, seen = [], []
    writers = [threading.Thread(target=_writer, args=(app, 6, 0.004 * (k + 1), errors)) for k in range(4)]
    for w in writers:
        w.start()
    cursor, deadline = 0, time.monotonic() + 15
    while time.monotonic() < deadline:
        with app.app_context():
            newest = feed.head()
            ids = [row.id for row in feed.events_between(cursor, newest, limit=1000)]
            db.session.rollback()
        seen.extend(ids)
        cursor = max(cursor, newest)
        if not any(w.is_alive() for w in writers) and len(seen) >= 24:
            break
        time.sleep(0.001)
    for w in writers:
        w.join()
    assert not errors
    everything = db.session.execute(select(Event.id).order_by(Event.id)).scalars().all()
    assert len(everything) == 24
    assert sorted(seen) == everything




def test_idle_poll_is_answered_before_flask_and_anything_else_goes_to_the_view(app, client, login, make_order):
    """The shortcut answers only "logged in, nothing new"; a forged cookie reaches the view."""
    from app.live.shortcut import IdlePollShortcut

    make_order(submit=True)
    login("fulfillment")
    assert isinstance(app.wsgi_app, IdlePollShortcut)
    seen_by_flask = []
    app.before_request_funcs.setdefault(None, []).append(lambda: seen_by_flask.append(1))
    try:
        assert poll(client, head()).status_code == 204
        assert seen_by_flask == []
        assert poll(client, head() - 1).status_code == 200
        assert seen_by_flask == [1]
        client.set_cookie("session", "forged")
        assert poll(client, head()).status_code == 401
    finally:
        app.before_request_funcs[None].pop()
