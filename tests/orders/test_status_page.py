"""The customer's status link (/status/<token>) and sales handling what customers ask through it."""

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.orders import status_links
from app.orders.change_requests import open_change_request
from app.orders.confirmation import confirmations_suppressed
from app.orders.models import ChangeRequest, StatusLink
from app.ratelimit import RateWindow
from tests.conftest import csrf_from, log_in, order_paperwork

SECRET = "test-secret-key"


@pytest.fixture
def confirmed(make_order):
    with confirmations_suppressed():
        return make_order(submit=True)


def path_of(order) -> str:
    link = status_links.link_for(order)
    db.session.commit()
    return "/status/" + status_links.token_for_link(link, SECRET)


def test_only_a_signed_active_link_opens_the_page_and_every_other_gets_the_same_404(client, confirmed, users):
    good = path_of(confirmed)
    page = client.get(good)
    assert page.status_code == 200 and confirmed.number in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and "noindex" in page.headers["X-Robots-Tag"]
    link = db.session.execute(select(StatusLink)).scalar_one()
    forged = URLSafeSerializer("another-key", salt="order-status").dumps([link.id, link.nonce])
    guessed = URLSafeSerializer(SECRET, salt="order-status").dumps([link.id, "guessed-nonce"])
    unknown = URLSafeSerializer(SECRET, salt="order-status").dumps([link.id + 1000, link.nonce])
    answers = [client.get(f"/status/{token}") for token in (forged, guessed, unknown, good[8:] + "x", "junk")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.get_data() for a in answers}) == 1  # nothing tells a forged link from an unknown one
    body = answers[0].get_data(as_text=True)
    assert confirmed.number not in body and "/login" not in body and "/sales" not in body

    status_links.revoke(confirmed, users["sales"])
    db.session.commit()
    assert client.get(good).status_code == 404
    fresh = path_of(confirmed)  # a new link after revoking: the old one stays dead
    assert fresh != good and client.get(fresh).status_code == 200 and client.get(good).status_code == 404


def test_the_page_shows_its_order_only_and_serves_only_its_own_confirmations(client, make_order):
    with confirmations_suppressed():
        mine, other = make_order(submit=True), make_order(submit=True)
    order_paperwork(mine)
    order_paperwork(other)
    db.session.commit()
    page = client.get(path_of(mine)).get_data(as_text=True)
    assert mine.number in page and other.number not in page and mine.lines[0].sku in page
    assert other.lines[0].sku not in page and other.customer.name not in page
    assert 'href="/sales' not in page and 'href="/orders' not in page  # no way into the staff pages
    mine_doc, other_doc = (status_links.customer_documents(o)[0].id for o in (mine, other))
    pdf = client.get(f"{path_of(mine)}/documents/{mine_doc}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get(f"{path_of(mine)}/documents/{other_doc}").status_code == 404


def test_a_customer_asks_for_a_change_and_sales_sees_it_on_the_dashboard_and_the_order(client, confirmed, users):
    path = path_of(confirmed)
    page = client.get(path).get_data(as_text=True)
    assert client.post(path, data={"topic": "quantities", "text": "Two more please"}).status_code == 400  # no CSRF
    token = csrf_from(page)
    assert client.post(path, data={"csrf_token": token, "topic": "quantities", "text": ""}).status_code == 422
    answer = client.post(path, data={"csrf_token": token, "topic": "quantities", "text": "Two more boxes please",
                                     "name": "Pat Buyer"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith(path)
    assert "Sales will contact you to confirm the change" in client.get(path).get_data(as_text=True)
    asked = db.session.execute(select(ChangeRequest)).scalar_one()
    assert (asked.channel, asked.source, asked.requested_by, asked.status) == ("online", "status_page", "Pat Buyer", "open")

    log_in(client, "sales")
    dashboard = client.get("/sales/?view=customer_changes").get_data(as_text=True)
    assert confirmed.number in dashboard
    order_page = client.get(f"/orders/{confirmed.number}").get_data(as_text=True)
    assert "Asked by the customer" in order_page and "Two more boxes please" in order_page and "Pat Buyer" in order_page


def test_sales_amends_from_the_request_and_it_is_applied_with_the_revision(client, confirmed, login):
    extra = confirmed.lines[0]
    asked = open_change_request(confirmed, channel="online", source="status_page", requested_by="Pat",
                                text="Five of the first product", payload={"lines": [{"sku": extra.sku, "quantity": 5}]})
    db.session.commit()
    login("sales")
    form = client.get(f"/orders/{confirmed.number}/amend?change_request={asked.id}").get_data(as_text=True)
    assert "Five of the first product" in form and 'value="5"' in form and 'value="Pat"' in form
    with confirmations_suppressed():
        saved = client.post(f"/orders/{confirmed.number}/amend", data={
            "csrf_token": csrf_from(form), "version": confirmed.version, "seen_event": 0, "change_request": asked.id,
            "quantities-0-line_id": extra.id, "quantities-0-quantity": 5, "channel": "online", "requested_by": "Pat",
            "verified_how": "Called Pat back", "method": confirmed.method, "address": confirmed.address or ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.refresh(asked)
    assert (asked.status, asked.revision_applied) == ("applied", 2)
    assert "Done: the order is now revision 2" in client.get(path_of(confirmed)).get_data(as_text=True)


def test_sales_declines_with_a_reason_the_customer_then_reads(client, confirmed, login):
    asked = open_change_request(confirmed, channel="online", source="status_page", text="Deliver on Sunday")
    db.session.commit()
    token = login("sales")
    url = f"/orders/{confirmed.number}/change-requests/{asked.id}/decline"
    client.post(url, data={"csrf_token": token, "reason": ""})
    assert db.session.get(ChangeRequest, asked.id).status == "open"  # no reason, not declined
    client.post(url, data={"csrf_token": token, "reason": "We do not deliver on Sundays"})
    assert db.session.get(ChangeRequest, asked.id).status == "declined"
    assert "Not possible: We do not deliver on Sundays" in client.get(path_of(confirmed)).get_data(as_text=True)


def test_sales_revokes_and_reissues_the_link_from_the_order_page(client, confirmed, login):
    old = path_of(confirmed)
    token = login("sales")
    assert old in client.get(f"/orders/{confirmed.number}").get_data(as_text=True)
    client.post(f"/orders/{confirmed.number}/status-link/new", data={"csrf_token": token})
    new = client.get(f"/orders/{confirmed.number}").get_data(as_text=True)
    assert old not in new and "/status/" in new
    assert client.get(old).status_code == 404
    client.post(f"/orders/{confirmed.number}/status-link/revoke", data={"csrf_token": token})
    assert "No working link" in client.get(f"/orders/{confirmed.number}").get_data(as_text=True)


def test_a_closed_order_still_shows_without_the_change_form(client, order_in):
    cancelled = order_in("cancelled")
    path = path_of(cancelled)
    page = client.get(path).get_data(as_text=True)
    assert cancelled.number in page and "Cancelled" in page and "Ask for a change" not in page
    assert client.post(path, data={"csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
                                   "topic": "other", "text": "Undo it"}).status_code == 409
    assert db.session.execute(select(func.count(ChangeRequest.id))).scalar() == 0


def test_too_many_requests_from_one_address_get_429_with_retry_after(app, client, confirmed):
    path = path_of(confirmed)
    app.config["STATUS_RATE_LIMIT"] = 3
    try:
        codes = [client.get(path).status_code for _ in range(4)]
        late = client.get(path + "x")
    finally:
        app.config["STATUS_RATE_LIMIT"] = 30
    assert codes == [200, 200, 200, 429] and late.status_code == 429
    assert 1 <= int(late.headers["Retry-After"]) <= 60
    assert db.session.execute(select(RateWindow.count)).scalar() == 5
