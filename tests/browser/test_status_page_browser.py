"""Issue 13, Done when: the customer opens the link from the confirmation email in Chromium and
asks for a change, which sales then sees on the dashboard and on the order page."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mail.models import OutboxMessage
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


def test_customer_asks_for_a_change_from_the_emailed_link_and_sales_sees_it(
        app, live_server, browser, page, browser_login, screenshot, monkeypatch, make_order, make_product,
        make_customer):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    customer = make_customer(name="Glenrock Marine Ltd", contact_name="Tom Ward")
    order = make_order(customer=customer, submit=True, lines=[
        (make_product(name="Marine bearing 25 mm", price="18.40", on_hand=10), 4),
        (make_product(name="Stainless clamp M8", price="2.15", on_hand=5), 8)])  # 3 on backorder
    number = order.number
    body = db.session.execute(select(OutboxMessage.body_text).where(OutboxMessage.order_id == order.id)).scalar_one()
    db.session.commit()
    link = re.search(r"See your order's progress at (\S+)", body).group(1)
    assert link.startswith(f"{live_server}/status/")

    # the customer: no login, their own browser (CSP bypassed only so that axe-core can be injected)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    context.set_default_timeout(10_000)
    customer_page = context.new_page()
    customer_page.goto(link)
    assert number in customer_page.inner_text("h1") and "Confirmed" in customer_page.inner_text("h1")
    assert "Marine bearing 25 mm" in customer_page.inner_text(".status-lines")
    assert customer_page.locator("a[href*='/documents/']").count() == 1
    assert customer_page.locator("a[href^='/sales'], a[href^='/orders'], a[href^='/login']").count() == 0
    screenshot(customer_page, "status-page-desktop", full_page=True)
    assert axe_violations(customer_page) == []
    customer_page.select_option("#topic", "quantities")
    customer_page.fill("#text", "Please make it 6 bearings instead of 4.")
    customer_page.fill("#name", "Tom Ward")
    customer_page.click("button:has-text('Send to sales')")
    customer_page.wait_for_selector(".flash--success")
    assert "Sales will contact you to confirm the change" in customer_page.inner_text(".flash--success")
    assert "Waiting for sales to contact you" in customer_page.inner_text("#requests")
    customer_page.set_viewport_size({"width": 390, "height": 844})
    screenshot(customer_page, "status-page-phone", full_page=True)
    assert customer_page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the phone
    assert axe_violations(customer_page) == []
    context.close()

    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/?view=customer_changes")
    assert number in page.inner_text("main")
    page.click(f"td a.ref:has-text('{number}')")
    panel = page.locator("#customer-changes")
    assert "Please make it 6 bearings instead of 4." in panel.inner_text() and "Tom Ward" in panel.inner_text()
    panel.scroll_into_view_if_needed()
    screenshot(page, "status-sales-panel")
    page.click("#customer-changes a:has-text('Amend the order')")
    assert "Please make it 6 bearings" in page.inner_text(".banner--asked")
    assert page.input_value("#requested_by") == "Tom Ward"
