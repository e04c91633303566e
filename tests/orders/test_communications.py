"""The communication log: reps log calls and messages; a call can be the confirmation; the
sales queue lists confirmed orders whose customer has not had the confirmation."""

from sqlalchemy import select

from app.events.models import Event
from app.extensions import db
from app.mail import relay
from app.orders.models import Communication


def queue_refs(client) -> str:
    return client.get("/sales/?view=unconfirmed").get_data(as_text=True)


def test_confirmed_order_waits_in_the_queue_until_the_email_goes_out(client, login, make_order, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    order, draft = make_order(submit=True), make_order()
    login("sales")
    html = queue_refs(client)
    assert "Customer not told" in html and order.number in html and draft.ref not in html
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="pending"' in page and "queued" in page
    relay.run_once()
    assert order.number not in queue_refs(client)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="done"' in page and "Emailed to" in page
    assert "confirmation-r1.pdf" in page


def test_rep_confirms_by_phone_instead(client, login, make_order, make_customer, users):
    order = make_order(customer=make_customer(email=None), submit=True)
    token = login("sales")
    assert order.number in queue_refs(client)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="problem"' in page and "Call them" in page
    response = client.post(f"/orders/{order.number}/communications", data={
        "csrf_token": token, "direction": "out", "medium": "phone", "contact": "Jo Hart",
        "summary": "Read the order and the date back to Jo; she agreed.", "confirms": "y"})
    assert response.status_code == 302
    entry = db.session.execute(select(Communication)).scalar_one()
    assert (entry.medium, entry.direction, entry.confirms_revision, entry.user_id) == ("phone", "out", 1, users["sales"].id)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-confirmation-state="done"' in page and "Confirmed by phone call by Sales" in page
    assert "Jo Hart" in page and "Confirms revision 1" in page
    assert order.number not in queue_refs(client)
    assert db.session.execute(select(Event).where(Event.kind == "confirmation.logged")).scalar_one()


def test_incoming_message_is_logged_without_confirming(client, login, make_order):
    order = make_order(customer=None, submit=True)
    token = login("manager")
    client.post(f"/orders/{order.number}/communications", data={
        "csrf_token": token, "direction": "in", "medium": "message", "summary": "Asked for a tracking number."})
    entry = db.session.execute(select(Communication).where(Communication.medium == "message")).scalar_one()
    assert entry.direction == "in" and entry.confirms_revision is None


def test_summary_is_required_and_the_form_keeps_its_input(client, login, make_order):
    order = make_order(submit=True)
    token = login("sales")
    response = client.post(f"/orders/{order.number}/communications", data={
        "csrf_token": token, "direction": "in", "medium": "phone", "contact": "Priya Lee", "summary": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what was said or sent." in html and 'value="Priya Lee"' in html
    assert db.session.execute(select(Communication).where(Communication.medium == "phone")).first() is None


def test_a_draft_cannot_be_confirmed_by_phone(client, login, make_order):
    order = make_order()
    token = login("sales")
    response = client.post(f"/orders/{order.ref}/communications", data={
        "csrf_token": token, "direction": "out", "medium": "phone", "summary": "Called", "confirms": "y"})
    assert response.status_code == 422 and "submit it first" in response.get_data(as_text=True)


def test_only_sales_and_manager_log_contact(client, login, make_order):
    order = make_order(submit=True)
    for role in ("inventory", "fulfillment"):
        token = login(role)
        page = client.get(f"/orders/{order.number}").get_data(as_text=True)
        assert "Log it" not in page
        response = client.post(f"/orders/{order.number}/communications", data={
            "csrf_token": token, "direction": "out", "medium": "phone", "summary": "x"})
        assert response.status_code == 403
        client.post("/logout", data={"csrf_token": token})
    assert client.post(f"/orders/{order.number}/communications").status_code in (302, 400)
