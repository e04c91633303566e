"""Every page costs the same number of SQL statements whatever the history: each dashboard,
the inventory product page, the order page and the notifications menu are fetched with a
little data and again with much more of everything they list, and the counts must match."""

import re

from app.escalations import services as escalations
from app.extensions import db
from app.orders import lifecycle, picking
from app.orders import services as orders
from app.orders.change_requests import open_change_request
from app.orders.confirmation import confirmations_suppressed
from app.orders.notes import add_note
from app.orders.requests import add_request
from tests.conftest import counting_statements, csrf_from, log_in

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


def statements(client, url, headers=None) -> int:
    with counting_statements() as seen:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(seen)


def pages(order, sku) -> dict[str, tuple]:
    """(role, url, headers) of every page whose cost must not grow with the data."""
    return {
        "sales dashboard": ("sales", "/sales/", None),
        "sales: all orders": ("sales", "/sales/?view=all", None),
        "sales: customer changes": ("sales", "/sales/?view=customer_changes", None),
        "inventory dashboard": ("inventory", "/inventory/", None),
        "inventory: newly confirmed": ("inventory", "/inventory/?view=confirmed", None),
        "inventory product page": ("inventory", f"/inventory/products/{sku}", None),
        "fulfillment dashboard": ("fulfillment", "/fulfillment/", None),
        "fulfillment: in progress": ("fulfillment", "/fulfillment/?view=in_progress", None),
        "manager dashboard": ("manager", "/manager/", None),
        "manager: all orders": ("manager", "/manager/?view=all", None),
        "manager live counts": ("manager", "/manager/", {**HTMX, "HX-Target": "counts"}),
        "order page": ("sales", f"/orders/{order.number}", None),
        "order page (manager)": ("manager", f"/orders/{order.number}", None),
        "notifications menu (inventory)": ("inventory", "/notifications/menu", {**HTMX, "HX-Target": "notif-menu"}),
        "notifications menu (fulfillment)": ("fulfillment", "/notifications/menu", {**HTMX, "HX-Target": "notif-menu"}),
    }


def measure(clients, order, sku) -> dict[str, int]:
    counts = {}
    for name, (role, url, headers) in pages(order, sku).items():
        client = clients[role]
        statements(client, url, headers)  # the first fetch warms per-process caches
        counts[name] = statements(client, url, headers)
    return counts


def grow(n, product, make_order, make_product, make_customer, users):
    """`n` more orders of every kind the pages list, each holding some of `product` and
    with requests, notes, change requests, escalations, movements and notifications."""
    sales, fulfil = users["sales"], users["fulfillment"]
    with confirmations_suppressed():
        for i in range(n):
            customer = make_customer()
            order = make_order(lines=[(product, 1), (make_product(on_hand=1), 3)], customer=customer)
            orders.submit_order(order, sales)  # the second line is short: a backorder
            add_request(order, "substitute", "Blue if no red", sales)
            add_request(order, "gift_wrap", "Wrap it", sales)
            open_change_request(order, channel="phone", source="desk", text="One more please", actor=sales)
            add_note(order, sales, f"Customer rang ({i})")
            if i % 3 == 1:
                lifecycle.set_hold(order, sales, "Credit check")
            if i % 3 == 2:
                picking.start_picking(order, fulfil)
            if i % 4 == 0:
                escalations.escalate(order, "Customer chasing", sales)
            make_order(customer=customer)  # a draft
            db.session.commit()


def test_page_costs_do_not_grow_with_the_data(app, make_order, make_product, make_customer, users):
    product = make_product(on_hand=10_000)
    grow(3, product, make_order, make_product, make_customer, users)
    order = make_order(lines=[(product, 2)], submit=True)
    clients = {role: app.test_client() for role in ("sales", "inventory", "fulfillment", "manager")}
    for role, client in clients.items():
        log_in(client, role)
    small = measure(clients, order, product.sku)
    grow(30, product, make_order, make_product, make_customer, users)
    large = measure(clients, order, product.sku)
    assert large == small  # a page that grew loads something per row: eager-load it, or bound the list
    html = clients["inventory"].get(f"/inventory/products/{product.sku}").get_data(as_text=True)
    assert "The first 20 of 34, soonest promised first." in html  # the orders holding it; the rest a search away
    assert f"/search?sku={product.sku}&amp;status=confirmed" in html


def add_line_statements(client, order, product) -> list[str]:
    """Statements of one "Add line" on the entry screen (htmx), as the desk sends it."""
    ref = order.ref
    html = client.get(f"/sales/orders/{ref}/edit").get_data(as_text=True)
    version = re.search(r'id="draft-version"[^>]*value="(\d+)"', html).group(1)
    form = {"csrf_token": csrf_from(html), "version": version, "sku": product.sku, "quantity": 2}
    with counting_statements() as seen:
        response = client.post(f"/sales/orders/{ref}/lines", data=form,
                               headers={**HTMX, "HX-Target": "draft-lines"})
    assert response.status_code == 200 and product.sku in response.get_data(as_text=True)
    return seen


def test_adding_a_line_costs_the_same_whatever_the_draft_and_the_history(app, make_order, make_product,
                                                                          make_customer, users):
    """The desk's most frequent action: the 2nd and the 10th line, for a customer with 3 or
    30 earlier orders, cost the same statements (each price and check read once per request)."""
    customer = make_customer()
    products = [make_product(on_hand=1_000) for _ in range(12)]
    with confirmations_suppressed():
        for i in range(3):
            orders.submit_order(make_order(lines=[(products[i], 1)], customer=customer), users["sales"])
    db.session.commit()
    client = app.test_client()
    log_in(client, "sales")
    draft = make_order(lines=[(products[0], 1)], customer=customer)
    db.session.commit()
    second = add_line_statements(client, draft, products[1])
    for product in products[2:9]:
        add_line_statements(client, draft, product)
    tenth = add_line_statements(client, draft, products[9])
    with confirmations_suppressed():
        for i in range(27):
            orders.submit_order(make_order(lines=[(products[i % 9], 1), (products[9], 2)], customer=customer),
                                users["sales"])
    db.session.commit()
    other = make_order(lines=[(products[0], 1)], customer=customer)
    db.session.commit()
    with_history = add_line_statements(client, other, products[10])
    reads = [sum(s.lstrip().upper().startswith("SELECT") for s in seen) for seen in (second, tenth, with_history)]
    assert reads[0] == reads[1] == reads[2]  # (writes differ only by a check newly stored)
    # the session and user (3), the draft with its customer, lines and products (3), prices (2:
    # no price list), the customer's history and the checks (6), the settings (1)
    assert reads[0] <= 15 and len(second) <= 20
