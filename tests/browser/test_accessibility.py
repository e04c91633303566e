"""Issue 15, accessible to everyone on the team: axe-core (WCAG 2.1 AA and best practice)
finds nothing on any page state that matters, for every role; the focus ring is at least
3:1 on every surface it can appear on; search results never hide the box being typed in.

To cover a new page, add a `State` to STATES (or to `queue_states`): the role that opens it,
its path (formatted with the `book` fixture's names) and, if needed, what to do first.
The integrator reruns this after merging every helper's branch.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.models import CustomerPrice, PriceList, PriceListItem
from app.dataio.uploads import store_upload
from app.escalations.services import escalate
from app.events.models import Event
from app.extensions import db
from app.fulfillment.routes import QUEUES as FULFILLMENT_QUEUES
from app.inventory.routes import QUEUES as INVENTORY_QUEUES
from app.manager.routes import QUEUES as MANAGER_QUEUES
from app.orders import lifecycle, picking, requests
from app.orders.confirmation import confirmations_suppressed
from app.sales.routes import QUEUES as SALES_QUEUES
from app.timeutil import business_today
from tests.conftest import order_paperwork

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"  # pinned in package.json; `make assets` copies it here
CSS = ROOT / "static" / "css" / "app.css"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
ANONYMOUS = None


@dataclass(frozen=True)
class State:
    """One page state: who opens it, where, and what they do there before axe looks."""
    name: str
    role: str | None
    path: str
    action: Callable | None = None
    status: int = 200


# --- what people do on a page before it is checked ---------------------------------------

def type_customer(page):
    page.locator("#customer-q").fill("Acme")
    expect(page.locator("#customer-results [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")


def type_product(page):
    page.locator("#add-sku").fill("Hinge")
    expect(page.locator("#product-results [role=option]").first).to_be_visible()
    page.locator("#add-sku").press("ArrowDown")


def open_shortcuts(page):
    page.locator("h1").first.click()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()


def wrong_password(page):
    page.fill("#username", "sales")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".field__error, .flash--error").first).to_be_visible()


def empty_user_form(page):
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".field__error").first).to_be_visible()


def bad_cutoff(page):
    page.fill("#order_cutoff", "2pm")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#order_cutoff-error")).to_be_visible()


def empty_password_form(page):
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".field__error").first).to_be_visible()


def open_notifications(page):
    page.locator(".notif-menu > summary").click()
    expect(page.locator(".notif-menu__panel")).to_be_visible()


def open_every_section(page):
    """The order page with every fold, the More menu and the older history open."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    expect(page.get_by_role("button", name="Add note")).to_be_visible()


def empty_note(page):
    open_every_section(page)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#order-notes .field__error").first).to_be_visible()


def empty_product_form(page):
    page.locator("#save-product").click()
    expect(page.locator("#sku-error")).to_be_visible()
def open_every_price(page):
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    expect(page.get_by_role("button", name="Save").first).to_be_visible()


def refused_price(page):
    page.get_by_role("button", name="Add price").click()
    expect(page.locator(".field__error").first).to_be_visible()


def create_api_token(page):
    page.fill("#name", "Web shop")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()


def revoke_api_token(page):
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").first.click()
    expect(page.locator(".row--revoked").first).to_be_visible()


def queue_states(role, base, queues):
    """Each tab of a dashboard's queue, plus the list emptied by a search."""
    states = [State(f"{role} {key}", role, f"{base}?view={key}") for key in queues]
    return states + [State(f"{role} no match", role, f"{base}?q=zz-no-such-order")]


STATES = [
    State("login", ANONYMOUS, "/login"),
    State("login refused", ANONYMOUS, "/login", wrong_password),
    *queue_states("sales", "/sales/", SALES_QUEUES),
    State("shortcuts dialog", "sales", "/sales/", open_shortcuts),
    State("notifications menu", "sales", "/sales/", open_notifications),
    State("customers", "sales", "/sales/customers/"),
    State("customer", "sales", "/sales/customers/{customer}"),
    State("customer edit", "sales", "/sales/customers/{customer}/edit"),
    State("customer edit by manager", "manager", "/sales/customers/{customer}/edit"),
    State("customer on credit hold", "sales", "/sales/customers/{held_customer}"),
    State("new address", "sales", "/sales/customers/{customer}/addresses/new"),
    State("new contact", "sales", "/sales/customers/{customer}/contacts/new"),
    State("entry credit check", "sales", "/sales/orders/{credit}/edit"),
    State("entry credit check for manager", "manager", "/sales/orders/{credit}/edit"),
    State("review credit blocked", "sales", "/sales/orders/{credit}/review"),
    State("new order", "sales", "/sales/orders/new"),
    State("customer results", "sales", "/sales/orders/new", type_customer),
    State("entry", "sales", "/sales/orders/{draft}/edit"),
    State("product results", "sales", "/sales/orders/{draft}/edit", type_product),
    State("review with checks", "sales", "/sales/orders/{draft}/review"),
    State("email intake", "sales", "/sales/orders/email"),
    State("order draft", "sales", "/orders/{draft}"),
    State("order confirmed", "sales", "/orders/{confirmed}"),
    State("order on hold", "sales", "/orders/{held}"),
    State("order with requests", "sales", "/orders/{requests}"),
    State("order picking", "sales", "/orders/{picking}"),
    State("order dispatched", "sales", "/orders/{dispatched}"),
    State("order cancelled", "sales", "/orders/{cancelled}"),
    State("order every section open", "sales", "/orders/{confirmed}", open_every_section),
    State("order note refused", "sales", "/orders/{requests}", empty_note),
    State("amendment", "sales", "/orders/{confirmed}/amend"),
    State("search", "sales", "/search?sku={sku}"),
    State("search refused", "sales", "/search?start=2026-13-45", status=422),
    State("guide sales", "sales", "/help/sales"),
    State("mail", "sales", "/mail/"),
    State("mail message", "sales", "/mail/{message}"),
    State("notifications", "sales", "/notifications/"),
    State("forbidden", "sales", "/admin/", status=403),
    State("not found", "sales", "/orders/SO-1999-99999", status=404),
    *queue_states("inventory", "/inventory/", INVENTORY_QUEUES),
    State("products", "inventory", "/inventory/products"),
    State("product", "inventory", "/inventory/products/{sku}"),
    State("product edit", "inventory", "/inventory/products/{sku}/edit"),
    State("product edit never ordered", "inventory", "/inventory/products/{spare_sku}/edit"),
    State("new product", "inventory", "/inventory/products/new"),
    State("new product refused", "inventory", "/inventory/products/new", empty_product_form),
    State("order for inventory", "inventory", "/orders/{requests}"),
    *queue_states("fulfillment", "/fulfillment/", FULFILLMENT_QUEUES),
    State("product for fulfillment", "fulfillment", "/inventory/products/{sku}"),
    State("wave", "fulfillment", "/fulfillment/waves/{wave}"),
    State("guide fulfillment", "fulfillment", "/help/fulfillment"),
    State("pick", "fulfillment", "/fulfillment/orders/{wave_order}/pick"),
    State("ship", "fulfillment", "/fulfillment/orders/{packed}/ship"),
    State("order packed", "fulfillment", "/orders/{packed}"),
    *queue_states("manager", "/manager/", MANAGER_QUEUES),
    State("escalations", "manager", "/escalations/"),
    State("escalation", "manager", "/escalations/{escalation}"),
    State("review", "manager", "/manager/review"),
    State("review refused", "manager", "/manager/review?from=2026-13-45&to=x", status=422),
    State("audit", "manager", "/audit/"),
    State("guide manager", "manager", "/help/manager"),
    State("audit event", "manager", "/audit/events/{event}"),
    State("order for manager", "manager", "/orders/{held}"),
    State("price lists", "manager", "/prices/lists"),
    State("price list", "manager", "/prices/lists/TRADE", open_every_price),
    State("customer prices", "manager", "/prices/customers/{customer}?sku={sku}&quantity=5", open_every_price),
    State("customer price refused", "manager", "/prices/customers/{customer}", refused_price),
    State("customer prices for sales", "sales", "/prices/customers/{customer}"),
    State("import and export", "manager", "/imports/"),
    State("import preview", "manager", "/imports/{good_upload}"),
    State("import preview with problems", "manager", "/imports/{bad_upload}"),
    State("users", "admin", "/admin/"),
    State("user form refused", "admin", "/admin/", empty_user_form),
    State("user", "admin", "/admin/users/{user}"),
    State("settings", "admin", "/admin/settings"),
    State("settings refused", "admin", "/admin/settings", bad_cutoff),
    State("api token shown once", "admin", "/admin/api-tokens", create_api_token),
    State("api tokens with a revoked one", "admin", "/admin/api-tokens", revoke_api_token),
    State("settings read-only", "manager", "/admin/settings"),
    State("change password", "sales", "/account/password"),
    State("change password refused", "sales", "/account/password", empty_password_form),
]


@pytest.fixture
def book(order_in, make_order, make_customer, make_product, users):
    """Orders in the statuses each team sees, with a hold, requests, a wave, an escalation,
    a queued email and a draft with checks and a short line: {name: value for the paths}."""
    with confirmations_suppressed():
        acme = make_customer("Acme Engineering Ltd", phone="0113 496 0000")
        make_customer("Acme Plumbing Supplies")
        birch = make_customer("Birchwood Joinery")
        hinge = make_product(name="Brass hinge 50 mm", on_hand=2, reorder_point=10)
        make_product(name="Steel hinge 75 mm", on_hand=40)
        spare = make_product(name="Spare washer", on_hand=0)  # never ordered nor stocked: may be deleted
        soon = business_today() + timedelta(days=2)
        made = {
            "draft": make_order([(hinge, 5)], customer=acme),
            "credit": make_order([(hinge, 1)], customer=make_customer(
                "Cedar Stores", credit_hold=True, credit_hold_reason="Invoice 881 overdue")),
            "confirmed": order_in("confirmed", customer=acme, promised=soon),
            "held": order_in("confirmed", customer=birch, promised=soon),
            "requests": order_in("confirmed", customer=birch, promised=business_today() - timedelta(days=3)),
            "picking": order_in("picking", customer=acme),
            "packed": order_in("packed", customer=birch),
            "dispatched": order_in("dispatched", customer=acme),
            "cancelled": order_in("cancelled", customer=birch),
            "delivered": order_in("delivered", customer=acme),
        }
        lifecycle.set_hold(made["held"], users["sales"], "Waiting for the customer's PO")
        requests.add_request(made["requests"], "delivery_window", "Before 10:00 only", users["sales"])
        requests.add_request(made["requests"], "substitute", "Zinc instead of brass is fine", users["sales"])
        wave_orders = [order_in("confirmed", customer=c, promised=soon) for c in (acme, birch)]
        wave = picking.start_wave(wave_orders, users["fulfillment"])
        escalation = escalate(made["held"], "The customer has chased twice", users["sales"])
        _email, message = order_paperwork(made["dispatched"])
        trade = PriceList(code="TRADE", name="Trade")
        trade.items.append(PriceListItem(product_id=hinge.id, min_quantity=1, unit_price=Decimal("8.00")))
        db.session.add(trade)
        db.session.flush()
        acme.price_list_id = trade.id
        db.session.add(CustomerPrice(customer_id=acme.id, product_id=hinge.id, min_quantity=5, unit_price=Decimal("7.50"),
                                     valid_to=business_today() + timedelta(days=90)))
        db.session.commit()
    names = {key: order.ref for key, order in made.items()}
    names.update(customer=acme.code, held_customer=made["credit"].customer.code, sku=hinge.sku, spare_sku=spare.sku,
                 user=users["sales"].id, wave=wave.id, wave_order=wave_orders[0].ref,
                 escalation=escalation.id, message=message.id,
                 event=db.session.execute(select(Event.id).order_by(Event.id.desc()).limit(1)).scalar())
    names.update(good_upload=store_upload("stock", "stock.csv", f"sku,on_hand\r\n{hinge.sku},8\r\n".encode()).token,
                 bad_upload=store_upload("prices", "prices.csv", b"customer_code,sku,min_quantity,unit_price,"
                                         b"valid_from,valid_to\r\n,NOPE,1,x,2026-02-30,\r\n").token)
    db.session.commit()
    return names


# --- running axe ---------------------------------------------------------------------

def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, help: v.help, impact: v.impact,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", AXE_TAGS)


def describe(state: State, path: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"[{state.role or 'anonymous'}] {state.name} ({path}): {violation['id']} "
                         f"at {node['target']}: {summary}")
    return "\n".join(lines)


def test_no_axe_violations_on_any_page_state(browser, live_server, book, screenshot):
    assert AXE.exists(), f"{AXE} is missing: run `make assets` (npm ci fetches the pinned axe-core, then it is copied there)"
    pages, found, checked = {}, [], 0
    for state in STATES:
        page = pages.get(state.role)
        if page is None:
            # axe is injected as a script tag, which the app's Content-Security-Policy refuses
            context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            context.set_default_timeout(10_000)
            page = pages[state.role] = context.new_page()
            if state.role is not ANONYMOUS:
                page.goto(f"{live_server}/login")
                page.fill("#username", state.role)
                page.fill("#password", "secret-pass")
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
        path = state.path.format(**book)
        response = page.goto(live_server + path)
        assert response.status == state.status, f"{state.name}: {path} answered {response.status}"
        if state.action:
            state.action(page)
        violations = axe_violations(page)
        checked += 1
        if violations:
            found.append(describe(state, path, violations))
        screenshot(page, ("a11y-violation-" if violations else "a11y-") + re.sub(r"\W+", "-", state.name))
    for page in pages.values():
        page.context.close()
    assert checked == len(STATES)
    assert not found, f"axe-core found violations in {len(found)} of {checked} page states:\n" + "\n".join(found)


# --- the focus ring -------------------------------------------------------------------

def channels(hex_colour: str) -> tuple[int, int, int]:
    """(r, g, b) of #rgb or #rrggbb."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


def css_rgb(hex_colour: str) -> str:
    """How getComputedStyle writes the colour."""
    return "rgb({}, {}, {})".format(*channels(hex_colour))


def luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of #rgb or #rrggbb."""
    srgb = (c / 255 for c in channels(hex_colour))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def custom_properties() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS.read_text(), re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", root))


# Every surface a focused element can sit on or be filled with (custom properties of app.css).
FOCUS_SURFACES = ["card", "bg", "topbar", "topbar-raised", "row-hover", "head-bg", "accent", "danger",
                  "warn-bg", "info-bg", "neutral-bg", "option-active", "alert-bg"]


def test_luminance_and_contrast_match_wcag():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#f59e0b", "#ffffff") == pytest.approx(2.15, abs=0.01)  # the old ring: below 3:1


@pytest.mark.parametrize("surface", FOCUS_SURFACES)
def test_focus_ring_is_at_least_3_to_1_on_every_surface(surface):
    colours = custom_properties()
    # the ring is two colours side by side (an inner and an outer ring): one of them must stand out
    ring = [colours["focus"], colours["focus-halo"]]
    best = max(contrast(c, colours[surface]) for c in ring)
    assert best >= 3.0, f"focus ring on --{surface} ({colours[surface]}): {best:.2f}:1"
    assert contrast(colours["focus"], colours["focus-halo"]) >= 3.0  # each ring visible against the other


def test_focused_elements_wear_the_ring(page, live_server, browser_login, book, screenshot):
    colours = custom_properties()
    ring = {"outline": css_rgb(colours["focus"]), "style": "solid", "width": "2px",
            "halo": f"{css_rgb(colours['focus-halo'])} 0px 0px 0px 2px"}
    worn = """() => { const el = document.activeElement, s = getComputedStyle(el);
        return {id: el.id || el.textContent.trim(), outline: s.outlineColor, style: s.outlineStyle,
                width: s.outlineWidth, halo: s.boxShadow}; }"""
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/?view=all")
    page.locator("h1").click()
    page.keyboard.press("/")  # the list's search box, on the page background
    page.keyboard.press("Tab")  # its Search button, on the page background
    seen = [page.evaluate(worn)]
    page.keyboard.press("Tab")  # the first tab link
    seen.append(page.evaluate(worn))
    page.locator("#queue a.ref").first.focus()  # a link in a white table row
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    seen.append(page.evaluate(worn))
    screenshot(page, "a11y-focus-ring-list")
    page.keyboard.press("g")  # the top bar's Go to order box, on the dark bar
    page.keyboard.press("Tab")  # the next control in the top bar
    seen.append(page.evaluate(worn))
    screenshot(page, "a11y-focus-ring-topbar")
    for focused in seen:
        assert {key: focused[key] for key in ring} == ring, focused


def test_results_list_never_covers_the_box_and_shows_the_active_option(page, live_server, browser_login,
                                                                          book, screenshot):
    browser_login(page, "sales")
    for path, box, results, action in (("/sales/orders/new", "#customer-q", "#customer-results", type_customer),
                                       (f"/sales/orders/{book['draft']}/edit", "#add-sku", "#product-results",
                                        type_product)):
        page.goto(live_server + path)
        action(page)
        input_box = page.locator(box).bounding_box()
        listbox = page.locator(results).bounding_box()
        assert listbox["y"] >= input_box["y"] + input_box["height"], (box, input_box, listbox)
        active = page.locator(f"{results} [aria-selected=true]")
        expect(active).to_have_count(1)
        style = active.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
        assert style[0] == "solid" and float(style[1].rstrip("px")) >= 2, style
        expect(page.locator(box)).to_be_focused()  # the person keeps typing in the box
        screenshot(page, "a11y-results-" + results.lstrip("#"))
