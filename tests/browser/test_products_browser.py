"""In Chromium: the inventory user creates a product, changes its list price and adds a
quantity break, and sees every price change in the product's price history; a rep reads the
product but is offered no change. Screenshots in test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_inventory_creates_a_product_edits_its_price_and_sees_the_history(page, live_server, browser_login, screenshot,
                                                                          users):
    browser_login(page, "inventory")
    page.goto(f"{live_server}/inventory/products")
    page.click("#new-product")
    expect(page.locator("h1")).to_have_text("New product")
    page.fill("#sku", "bolt-m8")
    page.fill("#name", "Hex bolt M8x40")
    page.fill("#description", "Zinc plated, DIN 933")
    page.fill("#unit", "box")
    page.fill("#pack_size", "6")
    page.fill("#unit_price", "12.50")
    page.fill("#bin_location", "c-02-1")
    page.fill("#gtin", "4006381333932")  # a wrong check digit
    page.click("#save-product")
    expect(page.locator("#gtin-error")).to_contain_text("is not a valid GTIN")
    expect(page.locator("#name")).to_have_value("Hex bolt M8x40")  # what was typed is kept
    screenshot(page, "products-create-refused", full_page=True)
    page.fill("#gtin", "4006381333931")
    page.click("#save-product")

    expect(page.locator("h1")).to_contain_text("BOLT-M8")
    expect(page.locator(".flash--success")).to_contain_text("BOLT-M8: created")
    expect(page.locator("#list-price")).to_have_text("£12.50 per box")

    page.click("#edit-product")
    page.fill("#unit_price", "13.75")
    page.click("#save-product")
    expect(page.locator(".flash--success")).to_contain_text("BOLT-M8: changed list price")
    page.click("#edit-product")
    page.fill("#new-min_quantity", "24")
    page.fill("#new-unit_price", "11.90")
    page.click("#add-break button[type=submit]")
    expect(page.locator(".flash--success")).to_contain_text("quantity break from 24 at 11.90 saved")
    screenshot(page, "products-edit", full_page=True)
    page.click("text=← Back to the product")

    history = page.locator("#price-history tbody tr")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("Break from 24")
    expect(history.nth(1)).to_contain_text("12.50")
    expect(history.nth(1)).to_contain_text("13.75")
    expect(history.nth(1)).to_contain_text("Inventory")
    expect(page.locator("#breaks")).to_contain_text("11.90")
    screenshot(page, "products-page-with-history", full_page=True)


def test_a_rep_reads_the_product_without_the_means_to_change_it(page, live_server, browser_login, screenshot,
                                                                make_product, users):
    make_product(sku="HNG-50", name="Brass hinge 50 mm", pack_size=10, unit="each")
    browser_login(page, "sales")
    page.goto(f"{live_server}/inventory/products/HNG-50")
    expect(page.locator("#selling")).to_contain_text("packs of 10")
    expect(page.locator("#edit-product")).to_have_count(0)
    expect(page.locator("#receive")).to_have_count(0)
    screenshot(page, "products-read-only-for-sales", full_page=True)
