"""The credit check in Chromium: a rep's order that takes the customer past their credit
limit is blocked, the manager (told by a notification) clears it with a reason, and the rep
submits."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.orders import drafts
from app.orders.services import create_draft

pytestmark = pytest.mark.browser


@pytest.fixture
def draft_over_limit(make_customer, make_product, users):
    """A draft for C0042 (limit £1,000.00) holding one £500.00 + VAT item: within the limit."""
    customer = make_customer(code="C0042", name="Quayside Joinery", credit_limit=Decimal("1000.00"),
                             payment_terms="30 days end of month")
    product = make_product(sku="SKU-OAK", name="Oak worktop 3m", price="500.00", tax_rate=Decimal("20"))
    order = create_draft(customer, channel="phone", actor=users["sales"])
    drafts.add_product(order, product, 1, users["sales"])
    ref = order.ref
    db.session.commit()  # and no more reading here: the server writes while the test waits
    return ref


def test_rep_blocked_manager_clears_rep_submits(browser, page, live_server, browser_login, screenshot, users,
                                                 draft_over_limit):
    ref = draft_over_limit
    page.set_default_timeout(30_000)  # six helpers share two cores while this runs
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/orders/{ref}/edit")
    page.wait_for_load_state("load")
    # a second worktop: 2 × 600.00 gross takes the customer to £1,200.00
    quantity = page.locator("#draft-lines input[name=quantity]").first
    quantity.fill("2")
    quantity.press("Tab")  # the change saves it
    verify = page.locator("#verify")
    expect(verify).to_contain_text("Takes C0042 to £1,200.00 against a limit of £1,000.00.")
    expect(verify).to_contain_text("Waiting for a manager to clear it")
    expect(verify.get_by_role("button", name="Clear credit check")).to_have_count(0)
    screenshot(page, "credit-01-rep-sees-the-check")

    page.keyboard.press("Alt+r")
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.locator("#credit-blocked")).to_contain_text("A manager must clear the credit check")
    expect(page.get_by_role("button", name="Submit and confirm order")).to_be_disabled()
    screenshot(page, "credit-02-rep-cannot-submit", full_page=True)

    boss = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    boss.set_default_timeout(30_000)
    browser_login(boss, "manager")
    boss.locator("#notif-menu summary").click()  # told: the notification names the order
    note = boss.locator("#notif-menu .notif-list li", has_text="A manager must clear it").first
    expect(note).to_contain_text(ref)
    screenshot(boss, "credit-03-manager-told")
    boss.goto(f"{live_server}/sales/orders/{ref}/edit")
    boss.wait_for_load_state("load")
    clear = boss.locator("#verify form.clear-credit")
    clear.get_by_label("Reason").fill("Paid £600 by card today")
    screenshot(boss, "credit-04-manager-clears")
    clear.get_by_role("button", name="Clear credit check").click()
    expect(boss.locator("#verify")).to_contain_text("Cleared by Manager")
    expect(boss.locator("#verify")).to_contain_text("Paid £600 by card today")
    screenshot(boss, "credit-05-cleared")
    boss.context.close()

    page.reload()
    submit = page.get_by_role("button", name="Submit and confirm order")
    expect(submit).to_be_enabled()
    expect(page.locator(".readback")).to_contain_text("Paid £600 by card today")
    submit.click()
    expect(page).to_have_url(re.compile(r"/orders/SO-\d{4}-\d{5}$"), timeout=30_000)
    expect(page.locator("body")).to_contain_text("Credit check cleared")
    screenshot(page, "credit-06-submitted", full_page=True)
