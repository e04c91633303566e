"""Team dashboards: the right orders in each list, search, htmx partials, paging, empty states,
the order page, and escaping of what customers type."""

import re
from datetime import date, datetime, timedelta

import pytest

from app.extensions import db
from app.orders import lifecycle, services
from app.timeutil import frozen_clock, utcnow

REF = re.compile(r'<a class="ref" href="/orders/([^"]+)">')
HTMX = {"HX-Request": "true", "HX-Target": "queue", "HX-Current-URL": "http://localhost/"}


def refs(html: str) -> list[str]:
    """The order references listed, top to bottom."""
    return REF.findall(html)


@pytest.fixture
def order_at(order_in):
    """Orders for the lists: two units of a product with `on_hand` in stock (short if fewer)."""
    def make(status, customer=None, on_hand=100, quantity=2, promised=None, method=None):
        return order_in(status, method, quantity=quantity, customer=customer, on_hand=on_hand, promised=promised)
    return make


def get(client, url, **kw):
    response = client.get(url, **kw)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- what each team sees -------------------------------------------------------------------

def test_sales_lists_drafts_held_orders_and_backorders(client, login, order_at, users):
    draft = order_at("draft")
    confirmed = order_at("confirmed")
    held = order_at("confirmed")
    lifecycle.set_hold(held, users["sales"], "Credit check")
    short = order_at("confirmed", on_hand=1, quantity=4)
    cancelled_held = order_at("draft")
    lifecycle.set_hold(cancelled_held, users["sales"], "x")
    services.cancel_order(cancelled_held, users["sales"])
    db.session.commit()
    login("sales")
    assert refs(get(client, "/sales/")) == [draft.ref]  # drafts first
    assert refs(get(client, "/sales/?view=on_hold")) == [held.number]
    assert refs(get(client, "/sales/?view=backorders")) == [short.number]
    everything = refs(get(client, "/sales/?view=all"))
    assert set(everything) == {draft.ref, confirmed.number, held.number, short.number, cancelled_held.ref}


def test_inventory_lists_shortages_and_newly_confirmed(client, login, order_at, make_product):
    short = order_at("confirmed", on_hand=3, quantity=5)
    short_picking = order_at("picking", on_hand=1, quantity=2)
    fine = order_at("confirmed")
    order_at("draft", on_hand=0, quantity=5)  # not confirmed: nothing reserved yet
    make_product(on_hand=2, reorder_point=10, name="Nearly gone grommet")
    login("inventory")
    html = get(client, "/inventory/")
    assert sorted(refs(html)) == sorted([short.number, short_picking.number])
    assert "Nearly gone grommet" in html  # low stock panel
    assert "Recent stock movements" in html and ">receipt<" in html
    assert set(refs(get(client, "/inventory/?view=confirmed"))) == {short.number, fine.number}


def test_fulfillment_lists_ready_to_pick_by_promised_date_and_in_progress(client, login, order_at, users):
    today = date.today()
    later, soon, middle = order_at("confirmed"), order_at("confirmed"), order_at("confirmed")
    for order, days in ((later, 5), (soon, 1), (middle, 3)):  # submit computes a date; set known ones
        order.promised_date = today + timedelta(days=days)
    held = order_at("confirmed", promised=today)
    lifecycle.set_hold(held, users["sales"], "Credit check")
    picking, packed = order_at("picking"), order_at("packed")
    order_at("draft"), order_at("dispatched")
    db.session.commit()
    login("fulfillment")
    html = get(client, "/fulfillment/")
    assert refs(html) == [soon.number, middle.number, later.number]
    assert set(refs(get(client, "/fulfillment/?view=in_progress"))) == {picking.number, packed.number}


def test_fulfillment_awaiting_collection_and_out_for_delivery(client, login, order_at):
    waiting, out = order_at("ready_for_pickup"), order_at("dispatched")
    login("fulfillment")
    assert refs(get(client, "/fulfillment/?view=pickup")) == [waiting.number]
    assert refs(get(client, "/fulfillment/?view=dispatched")) == [out.number]


def count_of(html: str, label: str) -> int:
    match = re.search(rf'<span class="count__n">(\d+)</span>\s*<span class="count__label">{label}</span>', html)
    assert match, label
    return int(match.group(1))


def test_manager_sees_counts_by_status_and_the_oldest_waiting_first(client, login, order_at):
    now = utcnow()
    with frozen_clock(now - timedelta(days=3)):
        oldest = order_at("confirmed")
    with frozen_clock(now - timedelta(hours=5)):
        newer = order_at("picking")
    with frozen_clock(now - timedelta(days=10)):
        order_at("delivered")  # closed: not waiting, however old
    order_at("draft"), order_at("draft")
    login("manager")
    html = get(client, "/manager/?view=waiting")
    assert count_of(html, "Draft") == 2 and count_of(html, "Confirmed") == 1
    assert count_of(html, "Picking") == 1 and count_of(html, "Delivered") == 1
    assert count_of(html, "Cancelled") == 0
    assert "oldest 3 d" in html and "oldest 5 h" in html
    waiting = refs(html)
    assert waiting[:2] == [oldest.number, newer.number] and len(waiting) == 4


def test_closed_counts_are_the_last_thirty_days(client, login, order_at):
    """A year of closed orders is history: the Delivered, Collected and Cancelled tiles count
    the orders that reached them in the last 30 days, and say so."""
    now = utcnow()
    with frozen_clock(now - timedelta(days=45)):
        order_at("delivered"), order_at("cancelled")
    with frozen_clock(now - timedelta(days=29)):
        order_at("delivered")
    order_at("delivered"), order_at("collected")
    login("manager")
    html = get(client, "/manager/")
    assert (count_of(html, "Delivered"), count_of(html, "Collected"), count_of(html, "Cancelled")) == (2, 1, 0)
    tile = re.search(r'<span class="count__label">Delivered</span>\s*<span class="count__age">([^<]*)</span>', html)
    assert tile and tile.group(1) == "last 30 days"


# --- search, htmx and paging -------------------------------------------------------------

@pytest.fixture
def three_orders(order_at, make_customer):
    acme = order_at("confirmed", customer=make_customer("Acme Tools"))
    birch = order_at("confirmed", customer=make_customer("Birchwood Joinery"))
    birch.customer_reference = "PO-7781"
    cedar = order_at("confirmed", customer=make_customer("Cedar Plumbing"))
    db.session.commit()
    return acme, birch, cedar


@pytest.mark.parametrize(("query", "expected"), [
    ("{acme}", 0), ("acme", 0), ("BIRCHWOOD", 1), ("PO-7781", 1), ("7781", 1), ("plumb", 2),
])
def test_search_narrows_the_list(client, login, three_orders, query, expected):
    login("inventory")
    q = query.format(acme=three_orders[0].number)
    assert refs(get(client, "/inventory/", query_string={"view": "confirmed", "q": q})) == [
        three_orders[expected].number]


def test_search_by_draft_reference(client, login, order_at):
    draft, other = order_at("draft"), order_at("draft")
    login("sales")
    assert refs(get(client, "/sales/", query_string={"q": f"draft-{draft.id}"})) == [draft.ref]
    assert other.ref not in get(client, "/sales/", query_string={"q": f"DRAFT-{draft.id}"})


def test_search_with_htmx_returns_only_the_queue_partial(client, login, three_orders):
    login("inventory")
    response = client.get("/inventory/", query_string={"view": "confirmed", "q": "acme"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue"') and "<html" not in html and "<header" not in html
    assert refs(html) == [three_orders[0].number]
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/inventory/", query_string={"view": "confirmed", "q": "acme"})
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    assert refs(full.get_data(as_text=True)) == [three_orders[0].number]


def test_htmx_request_without_a_target_gets_the_full_page(client, login, three_orders):
    login("inventory")
    html = get(client, "/inventory/", headers={"HX-Request": "true"})
    assert "<html" in html


def test_search_with_no_match_says_so(client, login, three_orders):
    login("inventory")
    html = get(client, "/inventory/", query_string={"view": "confirmed", "q": "zebra"})
    assert refs(html) == []
    assert "No orders in “Newly confirmed” match “zebra”." in html and "clear the search" in html


def test_pagination_pages_through_the_list(app, client, login, order_at, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    drafts = []
    for n in range(5):
        with frozen_clock(datetime(2026, 3, 1) + timedelta(hours=n)):
            drafts.append(order_at("draft").ref)
    newest_first = list(reversed(drafts))
    login("sales")
    first = get(client, "/sales/")
    assert refs(first) == newest_first[:2]
    assert "Page 1 of 3 · 5 in all" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = get(client, "/sales/?view=drafts&page=2", headers=HTMX)
    assert refs(second) == newest_first[2:4] and "Page 2 of 3" in second and 'rel="prev"' in second
    assert refs(get(client, "/sales/?page=3")) == newest_first[4:]
    assert refs(get(client, "/sales/?page=0")) == newest_first[:2]
    seen = refs(first) + refs(second) + refs(get(client, "/sales/?page=3"))
    assert sorted(seen) == sorted(drafts)


@pytest.mark.parametrize(("role", "url", "text"), [
    ("sales", "/sales/", "No drafts waiting. Orders you start and do not submit appear here."),
    ("sales", "/sales/?view=on_hold", "No order is on hold."),
    ("sales", "/sales/?view=backorders", "No open order waits for stock."),
    ("inventory", "/inventory/", "No open order is short of stock."),
    ("inventory", "/inventory/", "Every product is above its reorder point."),
    ("inventory", "/inventory/", "No stock has moved yet."),
    ("fulfillment", "/fulfillment/", "Nothing to pick. Confirmed orders appear here as sales submits them."),
    ("fulfillment", "/fulfillment/?view=in_progress", "No order is being picked or packed."),
    ("manager", "/manager/", "No order is past its promised date."),
    ("manager", "/manager/?view=waiting", "Every order is closed or out for delivery."),
])
def test_empty_states_say_what_to_expect(client, login, role, url, text):
    login(role)
    html = get(client, url)
    assert text in html and refs(html) == []


def test_unknown_view_falls_back_to_the_first_list(client, login, order_at):
    draft = order_at("draft")
    login("sales")
    assert refs(get(client, "/sales/?view=nonsense")) == [draft.ref]


# --- the order page and escaping ------------------------------------------------------------

def test_order_page_shows_lines_and_event_history(client, login, make_order, make_product, users):
    bolt = make_product(name="Hex bolt M8", price="0.45")
    hinge = make_product(name="Brass hinge", price="3.20", on_hand=1)
    order = make_order(lines=[(bolt, 100), (hinge, 2)], submit=True)
    lifecycle.set_hold(order, users["sales"], "Awaiting PO")
    db.session.commit()
    login("fulfillment")
    html = get(client, f"/orders/{order.number}")
    assert "Hex bolt M8" in html and "Brass hinge" in html and bolt.sku in html
    assert "51.40" in html  # 100 × 0.45 + 2 × 3.20
    assert "On hold: Awaiting PO" in html
    history = html[html.index("<h2>History</h2>"):]
    assert history.index("Put on hold: Awaiting PO") < history.index("Submit and confirm: Draft → Confirmed")
    assert history.index("Submit and confirm") < history.index("Draft started (phone)")
    assert "Sales" in history  # the actor's name
    assert "Start picking" not in html  # fulfillment cannot move a held order: no button


def test_order_page_offers_only_what_the_role_may_do(client, login, order_at):
    order = order_at("confirmed")
    login("fulfillment")
    html = get(client, f"/orders/{order.number}")
    assert f"/orders/{order.number}/transition/start_pick" in html
    assert "/transition/cancel" not in html and "/hold" not in html


def test_unknown_order_is_404(client, login):
    login("sales")
    assert client.get("/orders/SO-1999-00001").status_code == 404


def test_jump_goes_to_the_order_or_explains(client, login, order_at):
    order = order_at("confirmed")
    login("sales")
    assert client.get(f"/orders/?ref={order.number.lower()}").headers["Location"] == f"/orders/{order.number}"
    response = client.get("/orders/?ref=SO-1999-12345")
    assert "No order “SO-1999-12345”" in client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)


def test_customer_text_is_escaped(client, login, make_customer, order_at):
    evil = "<script>alert(1)</script>"
    order = order_at("confirmed", customer=make_customer(evil))
    order.customer_reference = '"><img src=x onerror=alert(2)>'
    db.session.commit()
    login("manager")
    for html in (get(client, "/manager/?view=waiting"), get(client, f"/orders/{order.number}"),
                 get(client, "/manager/", query_string={"view": "waiting", "q": evil})):
        assert evil not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert refs(get(client, "/manager/", query_string={"view": "waiting", "q": evil})) == [order.number]
