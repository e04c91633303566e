"""One search over every order (issue 15): filters, paging, bad input, saved searches per
person, CSV export of the search and of every dashboard queue, and reads that never write."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.orders import lifecycle
from app.orders import requests as special_requests
from app.orders.models import Order
from app.orders.next_step import next_step
from app.orders.saved_filters import SavedFilter
from app.orders.search import OrderSearch, search_statement
from app.orders.teams import owning_team
from app.search.routes import _asked
from app.timeutil import business_today, frozen_clock
from tests.conftest import csrf_from, log_in, log_out

REF = re.compile(r'<a class="ref" href="/orders/([^"]+)">')


def refs(html: str) -> list[str]:
    return REF.findall(html)


def found(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.get_data(as_text=True)


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def dated(make_order, make_customer):
    """A draft created on `day` (noon UTC) with the given lines."""
    def make(day: date, lines, customer=None):
        with frozen_clock(datetime.combine(day, datetime.min.time()) + timedelta(hours=12)):
            return make_order(lines=lines, customer=customer or make_customer())
    return make


# --- finding orders ----------------------------------------------------------------------------

def test_sku_and_date_range_find_exactly_the_right_orders(client, login, dated, make_product):
    wanted, other = make_product(sku="SKU-0042"), make_product(sku="SKU-0043")
    in_march = dated(date(2026, 3, 10), [(wanted, 2)])
    both_kinds = dated(date(2026, 3, 31), [(other, 1), (wanted, 5)])
    dated(date(2026, 2, 28), [(wanted, 1)])  # the right SKU, the month before
    other_sku = dated(date(2026, 3, 12), [(other, 1)])  # the right month, another SKU
    dated(date(2026, 4, 1), [(wanted, 1)])  # the day after the range
    login("inventory")

    html = found(client, "/search?sku=SKU-0042&start=2026-03-01&end=2026-03-31")
    assert set(refs(html)) == {in_march.ref, both_kinds.ref}
    assert refs(html) == [both_kinds.ref, in_march.ref]  # newest first
    assert "2 orders found" in html
    # a SKU prefix in any case finds every product it starts
    assert set(refs(found(client, "/search?sku=sku-004&start=2026-03-01&end=2026-03-31"))) == {
        in_march.ref, both_kinds.ref, other_sku.ref}
    assert refs(found(client, "/search?sku=SKU-9")) == []


def test_free_text_finds_number_customer_and_po(client, login, make_order, make_customer):
    acme = make_customer("Acme Tools", code="ACME1")
    by_name = make_order(customer=acme)
    by_po = make_order()
    by_po.customer_reference = "PO-4417"
    db.session.commit()
    login("fulfillment")
    assert refs(found(client, "/search?q=acme")) == [by_name.ref]
    assert refs(found(client, "/search?q=ACME1")) == [by_name.ref]
    assert refs(found(client, "/search?q=PO-4417")) == [by_po.ref]
    assert refs(found(client, f"/search?q={by_po.ref}")) == [by_po.ref]


def test_status_channel_late_and_promised_dates(client, login, order_in):
    confirmed = order_in("confirmed")
    picking = order_in("picking")
    delivered = order_in("delivered")
    late = order_in("confirmed")
    late.promised_date = business_today() - timedelta(days=7)
    email = order_in("packed")
    email.channel = "email"
    db.session.commit()
    login("sales")
    assert set(refs(found(client, "/search?status=picking&status=delivered"))) == {picking.number, delivered.number}
    assert refs(found(client, "/search?channel=email")) == [email.number]
    assert refs(found(client, "/search?late=y")) == [late.number]
    past = (business_today() - timedelta(days=8)).isoformat()
    yesterday = (business_today() - timedelta(days=1)).isoformat()
    assert refs(found(client, f"/search?dates=promised&start={past}&end={yesterday}")) == [late.number]
    assert confirmed.number in refs(found(client, "/search?status=confirmed"))


def test_each_order_waits_for_one_team(client, login, order_in, make_product, users):
    """The team filter and the With column say what the order page's header says (next_step)."""
    draft = order_in("draft")
    ready = order_in("confirmed")
    short = order_in("confirmed", on_hand=0, quantity=3)  # nothing to pick: waits for inventory
    partly = order_in("confirmed", on_hand=1, quantity=3)  # pick the one, the rest follows
    held = order_in("picking")
    lifecycle.set_hold(held, users["sales"], "Credit check")
    asked = order_in("confirmed")  # a request inventory must decide
    kind = next(k for k, t in special_requests.request_types().items() if t.team == "inventory")
    special_requests.add_request(asked, kind, "One batch only", users["sales"])
    packed = order_in("packed")
    carrier = order_in("dispatched")
    closed = order_in("delivered")
    db.session.commit()

    orders = (draft, ready, short, partly, held, asked, packed, carrier, closed)
    teams = dict(db.session.execute(select(Order.id, owning_team())).all())
    assert {o.ref: teams[o.id] for o in orders} == {
        draft.ref: "sales", ready.ref: "fulfillment", short.ref: "inventory", partly.ref: "fulfillment",
        held.ref: "sales", asked.ref: "inventory", packed.ref: "fulfillment", carrier.ref: None, closed.ref: None}
    assert {o.ref: next_step(o).team for o in orders} == {o.ref: teams[o.id] for o in orders}  # one rule

    login("manager")
    assert set(refs(found(client, "/search?team=sales"))) == {draft.ref, held.ref}
    assert set(refs(found(client, "/search?team=inventory"))) == {short.ref, asked.ref}
    html = found(client, "/search?team=fulfillment&sort=number")
    assert refs(html) == sorted([ready.ref, partly.ref, packed.ref])
    assert "<td>Fulfillment</td>" in html


def test_results_are_paged_and_keep_every_filter(app, client, login, make_order, make_product, make_customer):
    product, customer = make_product(sku="SKU-PAGE"), make_customer()
    orders = [make_order(lines=[(product, 1)], customer=customer) for _ in range(app.config["PAGE_SIZE"] + 2)]
    login("sales")
    first = found(client, "/search?sku=SKU-PAGE&status=draft&status=confirmed")
    second = found(client, "/search?sku=SKU-PAGE&status=draft&status=confirmed&page=2")
    assert len(refs(first)) == app.config["PAGE_SIZE"] and len(refs(second)) == 2
    assert set(refs(first)) | set(refs(second)) == {o.ref for o in orders}
    # the pager keeps both statuses (a list-valued filter)
    assert re.search(r'href="/search\?[^"]*status=draft&amp;status=confirmed[^"]*page=2', first)


def test_htmx_search_answers_the_results_and_field_messages(client, login, make_order):
    order = make_order()
    login("sales")
    headers = {"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": "http://localhost/search"}
    html = client.get(f"/search?q={order.ref}", headers=headers).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results"') and refs(html) == [order.ref]
    assert "<h1>" not in html  # only the region htmx swaps
    bad = client.get("/search?start=31/13/2026", headers=headers)
    assert bad.status_code == 422
    assert 'id="start-error" hx-swap-oob="true">“31/13/2026” is not a date: there is no month 13' in bad.get_data(as_text=True)


def test_bad_dates_are_explained_next_to_the_field(client, login):
    login("sales")
    html = found(client, "/search?start=2026-13-45&end=soon", status=422)
    assert re.search(r'id="start-error"[^>]*>“2026-13-45” is not a date: there is no such day', html)
    assert re.search(r'id="end-error"[^>]*>“soon” is not a date: write it as dd/mm/yyyy', html)
    assert 'aria-invalid="true"' in html
    html = found(client, "/search?start=2026-03-31&end=2026-03-01", status=422)
    assert "“To” is before “From”" in html
    assert found(client, "/search?status=nonsense", status=422).count("Choose from the list.") == 1
    assert client.get("/search.csv?start=yesterday").status_code == 422


def test_admin_has_no_order_search(client, login):
    login("admin")
    assert client.get("/search").status_code == 403
    assert 'id="global-q"' not in found(client, "/admin/")


def test_the_top_bar_search_box_goes_to_search(client, login):
    login("inventory")
    html = found(client, "/inventory/")
    assert re.search(r'<form class="jump jump--search" action="/search" method="get" role="search"', html)
    assert 'data-shortcut-focus="/"' in html.split('id="global-q"')[1].split(">")[0]
    assert 'id="global-q"' not in found(client, "/search")  # the page has its own box


# --- saved searches ----------------------------------------------------------------------------

def save(client, token, name, query):
    return client.post("/search/saved", data={"csrf_token": token, "name": name, "query": query})


def test_saved_search_is_made_applied_and_deleted(client, login, make_order, make_product):
    product = make_product(sku="SKU-0042")
    order = make_order(lines=[(product, 1)])
    token = login("sales")
    response = save(client, token, "Widgets", "sku=SKU-0042&status=draft&junk=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?sku=SKU-0042&status=draft"  # kept as the filters, cleaned
    page = found(client, "/search")
    link = re.search(r'<a href="(/search\?[^"]+)">Widgets</a>', page)
    assert link
    assert refs(found(client, link.group(1).replace("&amp;", "&"))) == [order.ref]

    again = save(client, token, "widgets", "q=x")  # the same name, any case
    assert again.status_code == 422
    assert re.search(r'id="saved-name-error"[^>]*>You already have a saved search called', again.get_data(as_text=True))
    empty = save(client, token, "  ", "q=x")
    assert empty.status_code == 422 and "Give the search a name" in empty.get_data(as_text=True)

    saved_id = db.session.execute(select(SavedFilter.id)).scalar_one()
    deleted = client.post(f"/search/saved/{saved_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert db.session.execute(select(func.count(SavedFilter.id))).scalar() == 0
    assert "Deleted the saved search “Widgets”" in found(client, "/search")


def test_nobody_sees_or_deletes_anothers_saved_search(client, login, users):
    token = login("sales")
    assert save(client, token, "Mine", "channel=phone").status_code == 302
    mine = db.session.execute(select(SavedFilter)).scalar_one()
    client.post("/logout", data={"csrf_token": token})

    assert log_in(client, "manager").status_code == 302
    page = found(client, "/search")
    assert "Mine" not in page
    other_token = csrf_from(page)
    assert client.post(f"/search/saved/{mine.id}/delete", data={"csrf_token": other_token}).status_code == 404
    assert client.post("/search/saved/999999/delete", data={"csrf_token": other_token}).status_code == 404
    assert db.session.get(SavedFilter, mine.id) is not None
    assert save(client, other_token, "Mine", "channel=phone").status_code == 302  # names are per person


# --- CSV ---------------------------------------------------------------------------------------

def test_search_csv_has_every_match_and_neutralises_formulas(client, login, make_order, make_customer, make_product):
    product = make_product(sku="SKU-0042")
    sneaky = make_customer("=HYPERLINK(\"http://evil\",\"x\")", code="EVIL")
    bad = make_order(customer=sneaky, lines=[(product, 3)])
    bad.customer_reference = "+44 PO"
    plain = make_order(lines=[(product, 1)])
    make_order()  # another SKU: not exported
    db.session.commit()
    login("fulfillment")
    rows = csv_of(client.get("/search.csv?sku=SKU-0042&sort=oldest"))
    assert rows[0][:4] == ["order", "status", "customer_code", "customer"]
    assert [r[0] for r in rows[1:]] == [bad.ref, plain.ref]
    assert rows[1][3] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert rows[1][4] == "'+44 PO"
    header = rows[0]
    assert rows[1][header.index("total")] == "30.00" and rows[1][header.index("with_team")] == "sales"


def test_dashboard_queue_csv_lists_what_the_screen_shows(client, login, order_in):
    orders = [order_in("confirmed"), order_in("picking"), order_in("draft")]
    login("sales")
    screen = refs(found(client, "/sales/?view=all"))
    assert set(screen) == {o.ref for o in orders}
    assert '>Export CSV</a>' in found(client, "/sales/?view=all")
    exported = csv_of(client.get("/sales/?view=all&format=csv"))
    assert [r[0] for r in exported[1:]] == screen
    searched = csv_of(client.get(f"/sales/?view=all&q={orders[1].number}&format=csv"))
    assert [r[0] for r in searched[1:]] == [orders[1].number]


def test_every_dashboard_queue_exports_only_for_its_team(client, login, order_in):
    order = order_in("confirmed")
    login("fulfillment")
    assert len(csv_of(client.get("/fulfillment/?view=to_pick&format=csv"))) == 2
    assert client.get("/sales/?view=all&format=csv").status_code == 403
    assert client.get("/manager/?view=all&format=csv").status_code == 403
    log_out(client)
    login("inventory")
    assert [r[0] for r in csv_of(client.get("/inventory/?view=confirmed&format=csv"))] == ["order", order.number]
    log_out(client)
    login("manager")
    assert len(csv_of(client.get("/manager/?view=late&format=csv"))) == 1  # the header: nothing is late


def test_searching_and_exporting_write_nothing(client, login, order_in):
    order_in("confirmed")
    login("sales")
    before = db.session.execute(select(func.count(Order.id), func.max(Order.version))).one()
    for url in ("/search?q=x&late=y&team=sales", "/search.csv?status=confirmed", "/sales/?format=csv"):
        assert client.get(url).status_code == 200  # READS_NEVER_WRITE_STRICT: a write would raise
    assert db.session.execute(select(func.count(Order.id), func.max(Order.version))).one() == before


def test_every_page_of_a_broad_word_is_the_whole_searchs_page(app, client, login, monkeypatch, dated, make_product,
                                                             make_customer):
    """A word found both in customers' names and in orders' POs: each page, in every sort and
    with another filter, lists exactly the orders the whole search puts on it (the page is read
    among each way's first orders, app/orders/search.py `first_orders`), and the count is all."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    product = make_product()
    penrose = [make_customer(name=f"Penrose {trade}") for trade in ("Joinery", "Plumbing")]
    made = []
    for n in range(14):  # customers' orders, other customers' orders with the word in their PO, others
        order = dated(date(2026, 3, 1) + timedelta(days=(n * 5) % 14), [(product, 1)],
                      customer=penrose[n % 2] if n % 3 else make_customer())
        order.customer_reference = f"PO-PENROSE-{n}" if n % 3 == 0 and n % 2 else f"PO-{n}"
        order.promised_date = date(2026, 4, 1) + timedelta(days=(n * 3) % 7) if n % 4 else None
        made.append(order)
    db.session.commit()
    login("manager")
    for query in ("q=penrose", "q=penrose&sort=oldest", "q=penrose&sort=promised", "q=penrose&sort=number",
                  "q=penrose+joinery", "q=penrose&status=draft&start=2026-03-04", "status=draft",
                  "start=2026-03-04&sort=promised", "q=penrose+jo", "q=po-penrose", f"sku={product.sku}&sort=oldest"):
        _form, search = _asked(MultiDict(parse_qsl(query)))
        with app.test_request_context():  # the whole search, unpaged
            whole = [o.ref for o in db.session.execute(search_statement(search)).scalars()]
        db.session.rollback()
        assert whole and isinstance(search, OrderSearch), query
        pages = [refs(found(client, f"/search?{query}&page={page}")) for page in range(1, len(whole) // 3 + 2)]
        assert [ref for page in pages for ref in page] == whole, query
        assert f"{len(whole)} in all" in found(client, f"/search?{query}") or len(whole) <= 3, query
