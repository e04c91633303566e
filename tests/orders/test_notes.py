"""Internal notes on an order (SOP 4.7): anyone who can see the order adds one; `@team`
notifies that team only; the note is in the thread and the history; bad input is told next
to the field and kept."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.orders.confirmation import confirmations_suppressed
from app.orders.notes import NOTE_MAX, OrderNote, mentioned_teams


@pytest.fixture(autouse=True)
def _no_pdfs():
    """No test here looks at a confirmation PDF: submit without rendering one."""
    with confirmations_suppressed():
        yield


def told(user, kind="order.note"):
    return db.session.execute(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == kind)).scalars().all()


def notes():
    db.session.expire_all()
    return db.session.execute(select(OrderNote).order_by(OrderNote.id)).scalars().all()


def post_note(client, order, token, body, **headers):
    return client.post(f"/orders/{order.ref}/notes", data={"csrf_token": token, "body": body}, headers=headers)


def test_a_note_mentioning_inventory_notifies_inventory_and_nobody_else(client, login, make_order, users, make_user):
    order = make_order(submit=True)
    second_inventory = make_user("stores2", ["inventory"])
    token = login("sales")
    response = post_note(client, order, token, "Customer asks if @Inventory can hold 2 more of SKU-T001 until Friday.")
    assert response.status_code == 302 and response.headers["Location"].endswith("#order-notes")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{order.ref}: note added; inventory notified." in page
    assert "can hold 2 more of SKU-T001 until Friday" in page

    [note] = notes()
    assert (note.author_id, note.mentions) == (users["sales"].id, ["inventory"])
    for person in (users["inventory"], second_inventory):
        [notification] = told(person)
        assert notification.order_id == order.id and "hold 2 more" in notification.summary
    for role in ("sales", "fulfillment", "manager", "admin"):
        assert told(users[role]) == []
    assert "Note (for inventory): Customer asks" in page  # in the history too


def test_a_note_without_a_mention_notifies_nobody_and_shows_newest_last(client, login, make_order, users):
    order = make_order(submit=True)
    token = login("fulfillment")
    post_note(client, order, token, "First: pallet is on bay 3.")
    response = post_note(client, order, token, "Second: loaded.")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "note added (no team mentioned, so nobody was notified)" in page
    assert page.index("First: pallet is on bay 3.") < page.index("Second: loaded.")
    assert db.session.execute(select(Notification).where(Notification.kind == "order.note")).all() == []
    assert [n.author_id for n in notes()] == [users["fulfillment"].id] * 2


def test_every_team_can_be_mentioned_and_each_once():
    assert mentioned_teams("@sales @fulfillment ask @manager; @sales again, not me@inventory.example") == \
        ["sales", "fulfillment", "manager"]
    assert mentioned_teams("email@sales.com, @salesperson") == []


def test_an_empty_or_too_long_note_is_told_next_to_the_field_and_kept(client, login, make_order):
    order = make_order(submit=True)
    token = login("inventory")
    response = post_note(client, order, token, "   ")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write the note first." in html and 'id="note-body-error"' in html
    long = "x" * (NOTE_MAX + 1)
    response = post_note(client, order, token, long)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Keep it to 2,000 characters or fewer." in html
    assert long in html  # what was typed stays
    assert notes() == []


def test_htmx_swaps_the_thread_only(client, login, make_order):
    order = make_order(submit=True)
    token = login("sales")
    response = post_note(client, order, token, "Please check @fulfillment", **{"HX-Request": "true", "HX-Target": "order-notes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="panel fold-panel" id="order-notes">')
    assert "Please check @fulfillment" in html and "fulfillment notified" in html and "<html" not in html
    response = post_note(client, order, token, "", **{"HX-Request": "true", "HX-Target": "order-notes"})
    assert response.status_code == 422 and "Write the note first." in response.get_data(as_text=True)


def test_a_hostile_note_is_shown_as_text(client, login, make_order):
    order = make_order(submit=True)
    token = login("sales")
    response = post_note(client, order, token, '<script>alert(1)</script><img src=x onerror=alert(2)> @manager')
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page


def test_csrf_is_required(client, login, make_order):
    order = make_order(submit=True)
    login("sales")
    response = client.post(f"/orders/{order.ref}/notes", data={"body": "no token"})
    assert response.status_code == 400 and notes() == []


def test_who_cannot_see_the_order_cannot_add_a_note(client, login, make_order):
    order = make_order(submit=True)
    token = login("admin")
    assert post_note(client, order, token, "hello").status_code == 403
    assert client.post("/orders/SO-2026-99999/notes", data={"csrf_token": token, "body": "x"}).status_code in (403, 404)
    client.post("/logout", data={"csrf_token": token})
    token = login("sales")
    assert post_note(client, order, token, "").status_code == 422
    assert client.post("/orders/SO-2026-99999/notes", data={"csrf_token": token, "body": "x"}).status_code == 404
    assert notes() == []


def test_the_order_page_shows_the_next_step_and_folding_sections(client, login, make_order):
    order = make_order(submit=True)
    login("sales")
    html = client.get(f"/orders/{order.ref}").get_data(as_text=True)
    assert "Pick</strong> <span class=\"team team--fulfillment\">fulfillment</span>" in html
    for section in ("order-details", "requests", "order-lines", "communications", "order-notes", "order-history"):
        assert f'data-fold="{section}"' in html
    assert 'data-fold="log-form">' in html  # the contact-log form is folded by default
