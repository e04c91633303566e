"""The sales desk in Chromium: a phone order entered with the keyboard only, and an
order that came by email, both through to a confirmed order."""

import re

import pytest
from playwright.sync_api import expect

from tests.sales.conftest import eml

pytestmark = pytest.mark.browser


@pytest.fixture
def shelf(make_product):
    """Five products a rep would find by name; the cable has only 2 in stock."""
    names = [("Claw hammer 16oz", 50), ("Brass hinge 75mm", 200), ("Wood screws 4x40 box", 80),
             ("Extension cable 10m", 2), ("Safety goggles", 40)]
    return [make_product(name=name, on_hand=on_hand, price="12.50") for name, on_hand in names]


def press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def test_phone_order_with_the_keyboard_only(page, live_server, browser_login, screenshot, users, shelf):
    browser_login(page, "sales")
    expect(page).to_have_url(re.compile(r"/sales/$"))
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/sales/orders/new$"))
    expect(page.locator("#customer-q")).to_be_focused()
    screenshot(page, "sales-01-new-order")

    # a new customer, inline: Tab past the channel to "New customer", open it, fill it in
    press(page, "Tab", "Tab")
    expect(page.locator("summary", has_text="New customer")).to_be_focused()
    press(page, "Enter", "Tab")
    expect(page.locator("#new-name")).to_be_focused()
    for value in ("Quayside Joinery", "Bob Marsh", "bob@quayside.example", "01947 555 123"):
        page.keyboard.type(value)
        press(page, "Tab")
    page.keyboard.type("7 Harbour Yard\nWhitby\nYO21 3PU")
    screenshot(page, "sales-02-new-customer")
    press(page, "Tab", "Enter")
    expect(page).to_have_url(re.compile(r"/sales/orders/DRAFT-\d+/edit$"))
    expect(page.locator("#add-sku")).to_be_focused()
    # The box has focus as soon as it is parsed; htmx listens once the page has loaded (a
    # person's first key comes later than that; a test's can come first on a busy machine).
    page.wait_for_load_state("load")

    # five lines: type, ↓, Enter, quantity, Enter
    lines = [("hammer", "3"), ("hinge", "24"), ("screws", "5"), ("cable", "4"), ("goggles", "6")]
    for n, (term, quantity) in enumerate(lines, start=1):
        page.keyboard.type(term)
        expect(page.locator("#product-results [role=option]")).to_have_count(1)
        press(page, "ArrowDown", "Enter")
        expect(page.locator("#add-qty")).to_be_focused()
        page.keyboard.type(quantity)
        press(page, "Enter")
        expect(page.locator("#draft-lines tbody tr")).to_have_count(n)
        expect(page.locator("#add-sku")).to_be_focused()
        if n == 1:
            screenshot(page, "sales-03-first-line")
    expect(page.locator("#draft-lines tr.is-short")).to_have_count(1)
    expect(page.locator("#draft-lines .total")).to_have_text("£630.00")  # 42 units × 12.50 = 525.00 net + 20 % VAT
    expect(page.locator("#verify")).to_contain_text("Only 2 of")
    screenshot(page, "sales-04-five-lines")

    # acknowledge the shortage check: Tab on from the product field to the panel's button
    acknowledge = page.locator("#verify").get_by_role("button", name="Acknowledge", exact=True)
    for _ in range(20):
        press(page, "Tab")
        if page.locator("#verify .check-item button:focus").count():
            break
    expect(acknowledge).to_be_focused()
    press(page, "Enter")
    expect(page.locator("#verify .check-item--done")).to_have_count(1)
    expect(page.locator("#verify")).to_contain_text("✓ Sales")
    expect(page.locator("#verify button", has_text="Acknowledge")).to_have_count(0)
    screenshot(page, "sales-05-acknowledged")

    press(page, "Alt+r")
    expect(page).to_have_url(re.compile(r"/review$"))
    submit = page.get_by_role("button", name="Submit and confirm order")
    expect(submit).to_be_focused()
    press(page, "Shift+Tab")
    backorder = page.get_by_label("Backorder the rest")
    expect(backorder).to_be_focused()
    press(page, "Space")
    expect(backorder).to_be_checked()
    screenshot(page, "sales-06-review")
    press(page, "Tab")
    expect(submit).to_be_focused()
    press(page, "Enter")

    expect(page).to_have_url(re.compile(r"/orders/SO-\d{4}-\d{5}$"), timeout=30_000)  # submitting renders the confirmation PDF
    number = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("h1 .status")).to_have_text("Confirmed")
    cable = page.locator("tr", has_text="Extension cable 10m")
    expect(cable.locator("td").nth(5)).to_have_text("2")   # reserved
    expect(cable.locator("td").nth(8)).to_have_text("2")   # backordered
    expect(page.locator(".flash--success")).to_contain_text(f"{number}: confirmed for Quayside Joinery, confirmation emailed")
    screenshot(page, "sales-07-confirmed", full_page=True)


def test_email_order_to_a_confirmed_order(page, live_server, browser_login, screenshot, users, shelf,
                                          make_customer, tmp_path):
    make_customer(name="Ann's Shop", email="ann@shop.example")
    message = tmp_path / "order.eml"
    message.write_bytes(eml("Ann Lee <ann@shop.example>", "Order PO-4471", "Hi,\n\nSKU-T001 2\nSKU-T004 5\n\nAnn\n",
                            attachments=[("order.csv", b"sku,quantity\nSKU-T005,3\n", "text/csv")]))
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/orders/email")
    screenshot(page, "email-01-upload")
    page.set_input_files("input[type=file]", str(message))
    page.get_by_role("button", name="Make draft").click()

    expect(page).to_have_url(re.compile(r"/sales/orders/DRAFT-\d+/edit$"))
    expect(page.locator("#draft-lines tbody tr")).to_have_count(3)
    expect(page.locator("#customer_reference")).to_have_value("PO-4471")
    expect(page.locator(".email-body")).to_contain_text("SKU-T004 5")
    screenshot(page, "email-02-draft", full_page=True)

    page.get_by_role("link", name=re.compile("Review order")).click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.get_by_role("button", name="Submit and confirm order")).to_be_disabled()
    screenshot(page, "email-03-review")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page).to_have_url(re.compile(r"/review$"))
    submit = page.get_by_role("button", name="Submit and confirm order")
    expect(submit).to_be_enabled()
    submit.click()

    expect(page).to_have_url(re.compile(r"/orders/SO-\d{4}-\d{5}$"))
    expect(page.locator("h1 .status")).to_have_text("Confirmed")
    expect(page.locator("main")).to_contain_text("Email order")
    screenshot(page, "email-04-confirmed", full_page=True)
