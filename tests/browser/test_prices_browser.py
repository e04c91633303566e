"""Prices in Chromium: a manager agrees a price with a customer on the price screen; a rep
then enters an order for that customer and the entry screen shows the agreed price and why."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_rep_sees_the_agreed_price_and_its_reason_on_the_entry_screen(
        page, browser, live_server, browser_login, screenshot, users, make_product, make_customer):
    make_product(sku="HNG-75", name="Brass hinge 75mm", price="12.50", on_hand=200)
    make_customer("Quayside Joinery", code="C0042")

    # the manager agrees 9.80 from 10 until the end of 2030
    browser_login(page, "manager")
    page.goto(f"{live_server}/prices/customers/C0042")
    page.get_by_label("SKU").first.fill("HNG-75")
    page.get_by_label("From quantity").fill("10")
    page.get_by_label("Unit price").fill("9.80")
    page.get_by_label("Last day").fill("31/12/2030")
    page.get_by_role("button", name="Add price").click()
    expect(page.locator(".flash")).to_contain_text("C0042")
    expect(page.locator("#price-check")).to_be_visible()
    row = page.locator("table.grid tbody tr").first
    expect(row).to_contain_text("HNG-75")
    expect(row).to_contain_text("9.80")
    screenshot(page, "prices-01-customer-prices")
    # what would they pay for 12 today?
    page.locator("#price-check").get_by_label("SKU").fill("HNG-75")
    page.locator("#price-check").get_by_label("Quantity").fill("12")
    page.locator("#price-check").get_by_role("button", name="Check").click()
    expect(page.locator(".price-answer")).to_contain_text("Customer price for C0042 (from 10, until 31/12/2030)")
    screenshot(page, "prices-02-price-check")

    # a rep takes a phone order for the customer
    rep = browser.new_page(viewport={"width": 1366, "height": 768})
    browser_login(rep, "sales")
    rep.goto(f"{live_server}/sales/orders/new")
    rep.locator("#customer-q").fill("Quayside")
    rep.locator("#customer-results [role=option]").first.click()  # starts the draft
    expect(rep).to_have_url(re.compile(r"/sales/orders/DRAFT-\d+/edit$"))
    rep.wait_for_load_state("load")
    rep.locator("#add-sku").fill("HNG-75")
    rep.locator("#add-qty").fill("12")
    rep.get_by_role("button", name="Add line").click()
    line = rep.locator("#draft-lines tbody tr").first
    expect(line).to_contain_text("9.80")
    expect(line.locator(".price-reason")).to_have_text("Customer price for C0042 (from 10, until 31/12/2030)")
    screenshot(rep, "prices-03-entry-agreed-price")

    # below the agreed quantity the list price applies, and the screen says so
    line.locator("input.qty").fill("4")
    line.locator("input.qty").dispatch_event("change")
    expect(rep.locator("#draft-lines tbody tr").first.locator(".price-reason")).to_have_text("List price")
    expect(rep.locator("#draft-lines .total")).to_have_text("£60.00")  # 4 × 12.50 = 50.00 net + 20 % VAT
    rep.close()
