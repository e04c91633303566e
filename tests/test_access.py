"""Every route × every role: who gets the page, who gets 403, who is sent to log in.

Each route of the app must have an entry in ROUTES; a new route without one fails
`test_every_route_has_an_access_rule`, so nobody forgets to decide who may use it.
"""

from decimal import Decimal

import pytest

from app.api.tokens import create_token
from app.attachments.services import attach_file
from app.auth.models import ROLES
from app.catalog.models import CustomerPrice, PriceList, PriceListItem
from app.customers.models import Contact
from app.dataio.uploads import store_upload
from app.escalations import services as escalations
from app.extensions import db
from app.orders import status_links
from app.orders.confirmation import confirmations_suppressed
from tests.conftest import csrf_from, log_in, order_paperwork

ORDER = "{order}"  # replaced by a real order number in the test
PUBLIC = "public"
SALES = ("sales", "manager")
LIVE = ("sales", "inventory", "fulfillment", "manager")  # pages that follow the live feed

# endpoint: (method, url, roles allowed or PUBLIC, expected status for an allowed role);
# for a PUBLIC route the status may be a pair: (visitor, logged-in user).
ROUTES = {
    "static": ("GET", "/static/css/app.css", PUBLIC, 200),
    "main.index": ("GET", "/", PUBLIC, 302),
    "main.favicon": ("GET", "/favicon.ico", PUBLIC, 200),
    "help.index": ("GET", "/help/", ROLES, 302),
    "help.guide": ("GET", "/help/fulfillment", ROLES, 200),
    "auth.login": ("GET", "/login", PUBLIC, (200, 302)),
    "auth.logout": ("POST", "/logout", ROLES, 302),
    "sales.index": ("GET", "/sales/", ("sales", "manager"), 200),
    "inventory.index": ("GET", "/inventory/", ("inventory", "manager"), 200),
    "fulfillment.index": ("GET", "/fulfillment/", ("fulfillment", "manager"), 200),
    "manager.index": ("GET", "/manager/", ("manager",), 200),
    "manager.check_stock_now": ("POST", "/manager/stock-check", ("manager",), 302),
    "review.page": ("GET", "/manager/review?from=2026-01-01&to=2026-01-31", ("manager",), 200),
    "review.csv_export": ("GET", "/manager/review.csv?from=2026-01-01&to=2026-01-31", ("manager",), 200),
    "review.pdf": ("GET", "/manager/review.pdf?from=2026-01-01&to=2026-01-31", ("manager",), 200),
    "review.chart_styles": ("GET", "/manager/review/charts.css", ("manager",), 200),
    "admin.index": ("GET", "/admin/", ("admin",), 200),
    "admin.set_active": ("POST", "/admin/users/{user}/active", ("admin",), 302),
    "admin.user_page": ("GET", "/admin/users/{user}", ("admin",), 200),
    "admin.set_roles": ("POST", "/admin/users/{user}/roles", ("admin",), 422),
    "admin.reset_password": ("POST", "/admin/users/{user}/password", ("admin",), 200),
    "auth.change_password": ("GET", "/account/password", ROLES, 200),
    "settings.index": ("GET", "/admin/settings", ("manager", "admin"), 200),
    "settings.save": ("POST", "/admin/settings", ("admin",), 422),
    "orders.jump": ("GET", f"/orders/?ref={ORDER}", ("sales", "inventory", "fulfillment", "manager"), 302),
    "orders.detail": ("GET", f"/orders/{ORDER}", ("sales", "inventory", "fulfillment", "manager"), 200),
    "orders.transition": ("POST", f"/orders/{ORDER}/transition/start_pick", ("sales", "inventory", "fulfillment", "manager"), 302),
    "orders.inbound_email": ("GET", f"/orders/{ORDER}/emails/{{email}}.eml", ("sales", "manager"), 200),
    "sales.new_order": ("GET", "/sales/orders/new", SALES, 200),
    "sales.start_order": ("POST", "/sales/orders/new", SALES, 422),
    "sales.customer_search": ("GET", "/sales/customers/search?q=Cust", SALES, 200),
    "sales.edit_order": ("GET", "/sales/orders/{draft}/edit", SALES, 200),
    "sales.update_header": ("POST", "/sales/orders/{draft}/header", SALES, 302),
    "sales.product_lookup": ("GET", "/sales/orders/{draft}/products?sku=SKU", SALES, 200),
    "sales.add_line": ("POST", "/sales/orders/{draft}/lines", SALES, 302),
    "sales.change_quantity": ("POST", "/sales/orders/{draft}/lines/{line}", SALES, 302),
    "sales.remove_line": ("POST", "/sales/orders/{draft}/lines/{line}/remove", SALES, 302),
    "sales.override_price": ("POST", "/sales/orders/{draft}/lines/{line}/price", SALES, 302),
    "sales.acknowledge_flag": ("POST", "/sales/orders/{draft}/flags/acknowledge", SALES, 302),
    "sales.acknowledge_all_flags": ("POST", "/sales/orders/{draft}/flags/acknowledge-all", SALES, 302),
    "sales.review_order": ("GET", "/sales/orders/{draft}/review", SALES, 200),
    "sales.submit_order": ("POST", "/sales/orders/{draft}/submit", SALES, 302),
    "sales.customers": ("GET", "/sales/customers/", SALES, 200),
    "sales.new_customer": ("GET", "/sales/customers/new", SALES, 200),
    "sales.customer": ("GET", "/sales/customers/{customer}", SALES, 200),
    "sales.edit_customer": ("GET", "/sales/customers/{customer}/edit", SALES, 200),
    # issue 12: a customer's addresses and contacts; the credit check only a manager clears
    "sales.new_address": ("GET", "/sales/customers/{customer}/addresses/new", SALES, 200),
    "sales.edit_address": ("GET", "/sales/customers/{customer}/addresses/{address}", SALES, 200),
    "sales.default_address": ("POST", "/sales/customers/{customer}/addresses/{address}/default", SALES, 302),
    "sales.retire_address": ("POST", "/sales/customers/{customer}/addresses/{address}/retire", SALES, 302),
    "sales.new_contact": ("GET", "/sales/customers/{customer}/contacts/new", SALES, 200),
    "sales.edit_contact": ("GET", "/sales/customers/{customer}/contacts/{contact}", SALES, 200),
    "sales.delete_contact": ("POST", "/sales/customers/{customer}/contacts/{contact}/remove", SALES, 302),
    "sales.clear_credit_check": ("POST", "/sales/orders/{draft}/flags/clear-credit", ("manager",), 302),
    "sales.email_intake": ("GET", "/sales/orders/email", SALES, 200),
    "sales.draft_for_email": ("POST", "/sales/emails/{email}/draft", SALES, 302),
    "orders.confirmation_pdf": ("GET", f"/orders/{ORDER}/confirmation.pdf", ("sales", "inventory", "fulfillment", "manager"), 200),
    # issue 13: the order in {order} is not cancelled, so no cancellation notice was issued (404)
    "orders.cancellation_pdf": ("GET", f"/orders/{ORDER}/cancellation.pdf", ("sales", "inventory", "fulfillment", "manager"), 404),
    "orders.log_contact": ("POST", f"/orders/{ORDER}/communications", SALES, 422),
    "orders.add_note": ("POST", f"/orders/{ORDER}/notes", ("sales", "inventory", "fulfillment", "manager"), 422),
    "orders.accept_split": ("POST", "/orders/{draft}/split", SALES, 302),
    "mail.index": ("GET", "/mail/", SALES, 200),
    "mail.message": ("GET", "/mail/{message}", SALES, 200),
    "mail.eml": ("GET", "/mail/{message}.eml", SALES, 200),
    "mail.retry": ("POST", "/mail/{message}/retry", SALES, 302),
    "orders.add_request": ("POST", f"/orders/{ORDER}/requests", SALES, 302),
    "orders.decide_request": ("POST", f"/orders/{ORDER}/requests/1/decide", ("inventory", "fulfillment", "manager"), 302),
    "orders.complete_request": ("POST", f"/orders/{ORDER}/requests/1/done", ("inventory", "fulfillment", "manager"), 302),
    "orders.withdraw_request": ("POST", f"/orders/{ORDER}/requests/1/withdraw", SALES, 302),
    "orders.not_promised": ("POST", f"/orders/{ORDER}/requests/1/not-promised", SALES, 302),
    "orders.amend": ("GET", f"/orders/{ORDER}/amend", SALES, 200),
    "orders.ask_release": ("POST", f"/orders/{ORDER}/ask-release", SALES, 302),
    "orders.hold": ("POST", f"/orders/{ORDER}/hold", ("sales", "manager"), 302),
    "orders.release_hold": ("POST", f"/orders/{ORDER}/release-hold", ("sales", "manager"), 302),
    # warehouse (issue 6): {picking} is an order being picked, {packed} one packed, {wave} a pick wave
    "orders.pick_list_pdf": ("GET", f"/orders/{ORDER}/pick-list.pdf", ("fulfillment", "manager"), 200),
    "orders.print_pick_list": ("POST", f"/orders/{ORDER}/pick-list.pdf", ("fulfillment", "manager"), 303),
    "orders.packing_slip_pdf": ("GET", "/orders/{packed}/packing-slip.pdf", ("fulfillment", "manager"), 200),
    "orders.print_packing_slip": ("POST", "/orders/{packed}/packing-slip.pdf", ("fulfillment", "manager"), 303),
    # the catalogue: sales and fulfillment read a product's page; inventory (and the manager) change it. {sku} has been
    # ordered (it is never deleted); empty forms come back with their errors (422)
    "inventory.products": ("GET", "/inventory/products?q=SKU", ("inventory", "manager"), 200),
    "inventory.product": ("GET", "/inventory/products/{sku}", LIVE, 200),
    "inventory.new_product": ("GET", "/inventory/products/new", ("inventory", "manager"), 200),
    "inventory.create_product": ("POST", "/inventory/products/new", ("inventory", "manager"), 422),
    "inventory.edit_product": ("GET", "/inventory/products/{sku}/edit", ("inventory", "manager"), 200),
    "inventory.update_product": ("POST", "/inventory/products/{sku}/edit", ("inventory", "manager"), 422),
    "inventory.add_break": ("POST", "/inventory/products/{sku}/breaks", ("inventory", "manager"), 422),
    "inventory.change_break": ("POST", "/inventory/products/{sku}/breaks/999999", ("inventory", "manager"), 422),
    "inventory.remove_break": ("POST", "/inventory/products/{sku}/breaks/999999/remove", ("inventory", "manager"), 302),
    "inventory.set_active": ("POST", "/inventory/products/{sku}/active", ("inventory", "manager"), 302),
    "inventory.delete_product": ("POST", "/inventory/products/{sku}/delete", ("inventory", "manager"), 422),
    "inventory.receive": ("POST", "/inventory/products/{sku}/receive", ("inventory", "manager"), 422),
    "inventory.adjust": ("POST", "/inventory/products/{sku}/adjust", ("inventory", "manager"), 422),
    "inventory.allocate": ("POST", "/inventory/products/{sku}/allocate", ("inventory", "manager"), 302),
    "fulfillment.start_wave": ("POST", "/fulfillment/waves", ("fulfillment", "manager"), 302),
    "fulfillment.start_next_wave": ("POST", "/fulfillment/waves/next", ("fulfillment", "manager"), 302),
    "fulfillment.start": ("POST", f"/fulfillment/orders/{ORDER}/start", ("fulfillment", "manager"), 302),
    "fulfillment.mark_orders_delivered": ("POST", "/fulfillment/deliveries", ("fulfillment", "manager"), 302),
    "fulfillment.wave": ("GET", "/fulfillment/waves/{wave}", ("fulfillment", "manager"), 200),
    "fulfillment.wave_pick_list": ("GET", "/fulfillment/waves/{wave}/pick-list.pdf", ("fulfillment", "manager"), 200),
    "fulfillment.print_wave_pick_list": ("POST", "/fulfillment/waves/{wave}/pick-list.pdf", ("fulfillment", "manager"), 303),
    "fulfillment.pick": ("GET", "/fulfillment/orders/{picking}/pick", ("fulfillment", "manager"), 200),
    "fulfillment.scan": ("POST", "/fulfillment/orders/{picking}/scan", ("fulfillment", "manager"), 422),
    "fulfillment.set_picked": ("POST", "/fulfillment/orders/{picking}/lines/{pick_line}", ("fulfillment", "manager"), 422),
    "fulfillment.finish": ("POST", "/fulfillment/orders/{picking}/finish", ("fulfillment", "manager"), 302),
    "fulfillment.ship": ("GET", "/fulfillment/orders/{packed}/ship", ("fulfillment", "manager"), 200),
    "fulfillment.ship_step": ("POST", "/fulfillment/orders/{packed}/ship/dispatch", ("fulfillment", "manager"), 422),
    "live.poll": ("GET", "/live/feed?since=0", LIVE, 200),
    "notifications.index": ("GET", "/notifications/", LIVE, 200),
    "notifications.menu": ("GET", "/notifications/menu", LIVE, 200),
    "notifications.alerts": ("GET", "/notifications/alerts", LIVE, 200),
    "notifications.read_all": ("POST", "/notifications/read-all", LIVE, 302),
    # someone else's (or no) notification: the role may use the route, the record is not theirs
    "notifications.read": ("POST", "/notifications/999999/read", LIVE, 404),
    "notifications.acknowledge": ("POST", "/notifications/999999/acknowledge", LIVE, 404),
    # escalations: {escalation} was raised by sales on a confirmed order whose confirmation is not sent
    # (the team concerned is sales); the empty forms come back with their errors (422)
    "escalations.index": ("GET", "/escalations/", ("manager",), 200),
    "escalations.detail": ("GET", "/escalations/{escalation}", LIVE, 200),
    "escalations.escalate": ("POST", f"/escalations/orders/{ORDER}", LIVE, 302),
    "escalations.assign": ("POST", "/escalations/{escalation}/assign", ("manager",), 422),
    "escalations.comment": ("POST", "/escalations/{escalation}/comment", SALES, 422),
    "escalations.hold": ("POST", "/escalations/{escalation}/hold", ("manager",), 422),
    "escalations.resolve": ("POST", "/escalations/{escalation}/resolve", ("manager",), 422),
    # the audit log (issue 16): event 1 is the first user's creation
    "audit.index": ("GET", "/audit/?kind=order.", ("manager", "admin"), 200),
    "audit.event": ("GET", "/audit/events/1", ("manager", "admin"), 200),
    "audit.export": ("GET", "/audit/export.csv", ("manager", "admin"), 200),
    # attachments (issue 15): {attachment} was attached by sales; an empty upload form comes back (422)
    "orders.add_attachment": ("POST", f"/orders/{ORDER}/attachments", LIVE, 422),
    "orders.attachment_file": ("GET", f"/orders/{ORDER}/attachments/{{attachment}}/po.pdf", LIVE, 200),
    "orders.remove_attachment": ("POST", f"/orders/{ORDER}/attachments/{{attachment}}/remove", SALES, 302),
    # one search (issue 15): every team that sees orders; a saved search that is not yours is not found
    "search.index": ("GET", "/search?sku=SKU&start=2026-01-01", LIVE, 200),
    "search.export": ("GET", "/search.csv?status=confirmed", LIVE, 200),
    "search.save_filter": ("POST", "/search/saved", LIVE, 422),
    "search.delete_filter": ("POST", "/search/saved/999999/delete", LIVE, 404),
    # prices (issue 12): sales and managers read them, managers change them; {price_list} is TRADE
    # with item {price_item}, {customer_price} is the draft's customer's agreed price; an empty form comes back (422)
    "prices.index": ("GET", "/prices/", SALES, 302),
    "prices.lists": ("GET", "/prices/lists", SALES, 200),
    "prices.create_list": ("POST", "/prices/lists", ("manager",), 422),
    "prices.price_list": ("GET", "/prices/lists/{price_list}", SALES, 200),
    "prices.rename_list": ("POST", "/prices/lists/{price_list}/name", ("manager",), 422),
    "prices.set_list_active": ("POST", "/prices/lists/{price_list}/active", ("manager",), 302),
    "prices.add_list_item": ("POST", "/prices/lists/{price_list}/items", ("manager",), 422),
    "prices.change_list_item": ("POST", "/prices/lists/{price_list}/items/{price_item}", ("manager",), 422),
    "prices.remove_list_item": ("POST", "/prices/lists/{price_list}/items/{price_item}/remove", ("manager",), 302),
    "prices.customer": ("GET", "/prices/customers/{customer}?sku={sku}&quantity=2", SALES, 200),
    "prices.add_customer_price": ("POST", "/prices/customers/{customer}", ("manager",), 422),
    "prices.change_customer_price": ("POST", "/prices/customers/{customer}/{customer_price}", ("manager",), 422),
    "prices.end_customer_price": ("POST", "/prices/customers/{customer}/{customer_price}/end", ("manager",), 302),
    "prices.remove_customer_price": ("POST", "/prices/customers/{customer}/{customer_price}/remove", ("manager",), 302),
    # CSV import and export (issue 12): {upload} is a stock file for the order's SKU
    "imports.index": ("GET", "/imports/", ("manager", "admin"), 200),
    "imports.preview": ("GET", "/imports/{upload}", ("manager", "admin"), 200),
    "imports.apply": ("POST", "/imports/{upload}/apply", ("manager", "admin"), 302),
    "imports.export": ("GET", "/imports/export/products.csv", ("manager", "admin"), 200),
    # the customer's status page (issue 13): no login, the signed link is the key; {status_document} is the
    # order's confirmation; an empty change form comes back (422). Sales handle what customers ask, and the link.
    "status.page": ("GET", "/status/{status_token}", PUBLIC, 200),
    "status.ask_change": ("POST", "/status/{status_token}", PUBLIC, 422),
    "status.document": ("GET", "/status/{status_token}/documents/{status_document}", PUBLIC, 200),
    "orders.decline_change": ("POST", f"/orders/{ORDER}/change-requests/999999/decline", SALES, 302),
    "orders.revoke_status_link": ("POST", f"/orders/{ORDER}/status-link/revoke", SALES, 302),
    "orders.new_status_link": ("POST", f"/orders/{ORDER}/status-link/new", SALES, 302),
    # API tokens (issue 13): the admin creates and revokes ({api_token} is active), the manager reads
    "api_tokens.index": ("GET", "/admin/api-tokens", ("manager", "admin"), 200),
    "api_tokens.create": ("POST", "/admin/api-tokens", ("admin",), 422),
    "api_tokens.revoke": ("POST", "/admin/api-tokens/{api_token}/revoke", ("admin",), 302),
    # the JSON API (issue 13): bearer tokens, never the login session, so 401 without a token
    # whether logged in or not (tests/api/ has the token cases); its description is public
    "api.openapi": ("GET", "/api/v1/openapi.json", PUBLIC, 200),
    "api.product": ("GET", "/api/v1/products/{sku}", PUBLIC, 401),
    "api.create_order": ("POST", "/api/v1/orders", PUBLIC, 401),
    "api.order": ("GET", f"/api/v1/orders/{ORDER}", PUBLIC, 401),
    "api.amend": ("POST", f"/api/v1/orders/{ORDER}/amendments", PUBLIC, 401),
}


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without an access rule in tests/test_access.py: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"access rules for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def target(make_order, users, make_user):
    """One record of every kind the routes name. Confirmations are not rendered here (this
    fixture runs for every case): the order gets a stored stand-in document and email instead."""
    from app.orders import picking

    with confirmations_suppressed():
        order = make_order(submit=True)
        draft = make_order()
        wave = picking.start_wave([make_order(submit=True)], users["fulfillment"])
        packed = make_order(submit=True)
        picking.start_picking(packed, users["fulfillment"])
        picking.scan(packed, packed.lines[0].sku, 1, users["fulfillment"])
        picking.finish_pick(packed, users["fulfillment"])
    other = make_user("someone", roles=["sales"])
    email, message = order_paperwork(order)
    escalation = escalations.escalate(order, "Customer chasing", users["sales"])
    attachment = attach_file(order, "po.pdf", b"%PDF-1.4\n% a PO\n", users["sales"])
    price_list = PriceList(code="TRADE", name="Trade")
    price_list.items.append(PriceListItem(product_id=order.lines[0].product_id, min_quantity=1, unit_price=Decimal("8")))
    agreed = CustomerPrice(customer_id=draft.customer_id, product_id=order.lines[0].product_id, unit_price=Decimal("7"))
    contact = Contact(customer=draft.customer, name="Bo Diaz", role="Accounts")
    db.session.add_all([price_list, agreed, contact])
    upload = store_upload("stock", "stock.csv", f"sku,on_hand\r\n{order.lines[0].sku},50\r\n".encode(), users["manager"])
    status_token = status_links.token_for_link(status_links.link_for(order), "test-secret-key")
    api_token, _ = create_token("Web shop", users["admin"])
    db.session.commit()
    return {"status_token": status_token, "status_document": message.document_id,
            "price_list": price_list.code, "price_item": price_list.items[0].id, "customer_price": agreed.id,
            "address": draft.customer.addresses[0].id, "contact": contact.id, "upload": upload.token,
            "escalation": escalation.id, "attachment": attachment.id, "order": order.number, "user": other.id, "draft": draft.ref, "line": draft.lines[0].id,
            "customer": draft.customer.code, "email": email.id, "message": message.id,
            "sku": order.lines[0].sku, "wave": wave.id, "picking": wave.orders[0].number,
            "pick_line": wave.orders[0].lines[0].id, "packed": packed.number, "api_token": api_token.id}


CASES = [(endpoint, role) for endpoint in ROUTES for role in (*ROLES, None)]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r or 'anonymous'}" for e, r in CASES])
def test_access(client, users, target, endpoint, role):
    method, url, allowed, ok_status = ROUTES[endpoint]
    url = url.format(**target)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    if role:
        assert log_in(client, role).status_code == 302
        token = csrf_from(client.get("/orders/" + target["order"] if role != "admin" else "/admin/").get_data(as_text=True))
    response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
    if allowed == PUBLIC:
        expected = ok_status if isinstance(ok_status, int) else ok_status[bool(role)]
        assert response.status_code == expected
    elif role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif role in allowed:
        assert response.status_code == ok_status, response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403


def test_post_without_csrf_token_is_refused(client, users, target):
    log_in(client, "manager")
    response = client.post(f"/orders/{target['order']}/hold", data={"reason": "x", "version": 1})
    assert response.status_code == 400
