"""The global audit log: every event (orders, customers, users, stock), each filter finding
what it should and nothing else, pages by id, one event with its seal, a formula-safe CSV."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.services import create_user
from app.catalog.stock import receive_stock
from app.customers.services import create_customer, update_customer
from app.events.chain import seal_events
from app.events.models import Event
from app.events.services import record_event
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.timeutil import business_today, frozen_clock, utcnow


@pytest.fixture
def history(users, make_order, make_product, login):
    """Two customers with an order each, a customer change, a stock receipt, a new user, and
    one event ten days ago."""
    admin, inventory, sales = users["admin"], users["inventory"], users["sales"]
    acme = create_customer(actor=sales, name="Acme Tools", address="1 Road\nLeeds")
    other = create_customer(actor=sales, name="Other Trading", address="2 Road\nYork")
    db.session.commit()
    with confirmations_suppressed():
        acme_order = make_order(customer=acme, submit=True)
        other_order = make_order(customer=other, submit=True)
    update_customer(acme, actor=sales, address="1 Road\nLeeds", name="Acme Tools Ltd", contact_name="",
                    email="", phone="", notes="")
    product = make_product(on_hand=0)
    receive_stock(product, 5, "PO-9", inventory)
    create_user("newbie", "long-enough-pass", ["sales"], actor=admin)
    db.session.flush()
    with frozen_clock(utcnow() - timedelta(days=10)):
        old = record_event("order.note", "Ten days ago", order=other_order, actor=sales)
        db.session.flush()  # created_at is set when the row is written
    db.session.commit()
    return {"acme": acme, "other": other, "acme_order": acme_order, "other_order": other_order,
            "product": product, "old": old}


def listed(client, **args) -> list[int]:
    """The event ids the log shows for `args`, in order."""
    response = client.get("/audit/", query_string=args)
    assert response.status_code == 200
    return [int(n) for n in re.findall(r'href="/audit/events/(\d+)" title="Event details"', response.get_data(as_text=True))]


def ids_where(*conditions) -> list[int]:
    return db.session.execute(select(Event.id).where(*conditions).order_by(Event.id.desc())).scalars().all()


def test_the_log_lists_every_event_newest_first(client, login, history):
    login("manager")
    assert listed(client) == ids_where()[:50]
    page = client.get("/audit/").get_data(as_text=True)
    for kind in ("customer.create", "customer.update", "stock.receipt", "user.create", "order.draft"):
        assert kind in page


def test_filter_by_user(client, login, history, users):
    login("manager")
    assert listed(client, user="inventory") == ids_where(Event.actor_id == users["inventory"].id) != []
    assert all(e.startswith("stock.") for e in db.session.execute(
        select(Event.kind).where(Event.actor_id == users["inventory"].id)).scalars())
    assert listed(client, user="nobody-by-that-name") == []


def test_filter_by_order(client, login, history):
    login("manager")
    order = history["acme_order"]
    found = listed(client, order=order.number)
    assert found == ids_where(Event.order_id == order.id) != []
    assert listed(client, order=order.number.lower()) == found
    assert listed(client, order="SO-0000-99999") == []


def test_filter_by_customer_code_or_name(client, login, history):
    login("manager")
    acme, acme_order = history["acme"], history["acme_order"]
    by_code = listed(client, customer=acme.code)
    kinds = {e.kind for e in db.session.execute(select(Event).where(Event.id.in_(by_code))).scalars()}
    assert {"customer.create", "customer.update", "order.draft"} <= kinds  # its own events and its order's
    assert set(by_code) == set(ids_where(Event.customer_id == acme.id))
    assert set(ids_where(Event.order_id == acme_order.id)) <= set(by_code)
    assert not set(by_code) & set(ids_where(Event.order_id == history["other_order"].id))
    assert listed(client, customer="acme tools") == by_code
    assert listed(client, customer="No Such Customer") == []


def test_filter_by_kind_prefix(client, login, history):
    login("manager")
    assert listed(client, kind="stock.") == ids_where(Event.kind.like("stock.%")) != []
    assert listed(client, kind="customer.") == ids_where(Event.kind.like("customer.%"))
    assert listed(client, kind="user.create") == ids_where(Event.kind == "user.create") != []
    assert listed(client, kind="order_") == []  # "_" is a character here, not a wildcard


def test_filter_by_dates(client, login, history):
    login("manager")
    today, old = business_today(), history["old"]
    assert listed(client, **{"from": (today - timedelta(days=11)).isoformat(),
                             "to": (today - timedelta(days=9)).isoformat()}) == [old.id]
    recent = listed(client, **{"from": today.isoformat(), "to": today.isoformat()})
    assert old.id not in recent and len(recent) == len(ids_where()) - 1
    assert listed(client, **{"from": "not-a-date"}) == ids_where()[:50]  # ignored, not an error


def test_filters_combine(client, login, history, users):
    login("manager")
    found = listed(client, customer=history["acme"].code, kind="customer.", user="sales")
    assert found == ids_where(Event.customer_id == history["acme"].id, Event.kind.like("customer.%")) != []


def test_pages_go_by_id_without_counting(client, login, users):
    for i in range(120):
        record_event("test.event", f"Event {i}", actor=users["admin"])
    db.session.commit()
    login("admin")
    every = ids_where()
    first = listed(client)
    assert first == every[:50]
    second = listed(client, before=first[-1])
    assert second == every[50:100]
    third = listed(client, before=second[-1])
    assert third == every[100:]
    page = client.get("/audit/", query_string={"before": second[-1]}).get_data(as_text=True)
    assert "Older →</span>" in page  # the last page: no link further
    assert listed(client, after=third[0]) == second  # "newer" comes back


def test_one_event_shows_before_after_and_its_seal(client, login, users, order_in):
    with confirmations_suppressed():
        order = order_in("confirmed")
    event = record_event("order.hold", "Put on hold: credit", order=order, actor=users["sales"],
                         before={"on_hold": False}, after={"on_hold": True, "reason": "credit"})
    db.session.commit()
    login("manager")
    page = client.get(f"/audit/events/{event.id}").get_data(as_text=True)
    assert "Put on hold: credit" in page and '&#34;reason&#34;: &#34;credit&#34;' in page
    assert "Not sealed yet" in page and order.number in page
    assert re.search(r"Nothing sealed yet,\s+\d+\s+events waiting", page)

    assert seal_events(settle_seconds=0)
    db.session.commit()
    page = client.get(f"/audit/events/{event.id}").get_data(as_text=True)
    assert "Sealed " in page and "chain hash" in page
    head = ids_where()[0]  # the manager's login came after the hold, and is sealed too
    assert f'Sealed up to <a href="/audit/events/{head}">#{head}</a>' in page
    assert re.search(r"\s0\s+events waiting", page)
    assert client.get("/audit/events/999999").status_code == 404


def test_csv_export_is_the_filtered_list_and_formula_safe(client, login, users, make_customer, make_order):
    risky = make_customer(name="=HYPERLINK(\"http://evil\")")
    make_order(customer=risky)
    record_event("customer.update", "+SUM(A1:A9)", actor=users["sales"], customer=risky,
                 after={"note": "-1"})
    record_event("stock.adjustment", "@evil", actor=users["inventory"])
    db.session.commit()
    login("manager")
    response = client.get("/audit/export.csv", query_string={"customer": risky.code})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["event", "time", "user", "kind"]
    assert [int(r[0]) for r in body] == ids_where(Event.customer_id == risky.id)
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "'+SUM(A1:A9)" in [r[7] for r in body]
    assert "'=HYPERLINK(\"http://evil\")" in [r[6] for r in body]
    everything = list(csv.reader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert len(everything) - 1 == db.session.execute(select(func.count(Event.id))).scalar()


@pytest.mark.parametrize("role", ["sales", "inventory", "fulfillment"])
def test_only_the_manager_and_admin_see_the_log(client, login, users, role):
    login(role)
    for url in ("/audit/", "/audit/export.csv", "/audit/events/1"):
        assert client.get(url).status_code == 403


def test_reading_the_log_writes_nothing(client, login, history):
    login("manager")
    before = db.session.execute(select(func.count(Event.id))).scalar()
    for url in ("/audit/", f"/audit/?customer={history['acme'].code}", f"/audit/events/{history['old'].id}",
                "/audit/export.csv"):
        assert client.get(url).status_code == 200
    db.session.rollback()
    assert db.session.execute(select(func.count(Event.id))).scalar() == before
