"""The guide in the app and dates typed in the business's format, in Chromium."""

from datetime import timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.orders.models import Order
from app.timeutil import business_today


def test_question_mark_lists_the_keys_and_opens_the_guide(page, live_server, browser_login, screenshot, users):
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/")
    page.wait_for_load_state("load")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    expect(dialog).to_be_visible()
    for text in ("New order", "Go to an order by number", "Search all orders", "The list of shortcuts"):
        expect(dialog).to_contain_text(text)
    screenshot(page, "help-01-shortcuts-dialog")
    dialog.locator("[data-guide-link]").click()
    expect(page).to_have_url(f"{live_server}/help/sales")
    expect(page.locator("h1")).to_have_text("Sales: the guide")
    expect(page.locator("#shortcuts-list")).to_contain_text("Acknowledge every check shown")
    screenshot(page, "help-02-guide-sales", full_page=True)
    page.locator(".guide__teams a", has_text="Fulfillment").click()
    expect(page.locator("#shortcuts-list")).to_contain_text("Count one scan as that many units")
    page.emulate_media(media="print")
    screenshot(page, "help-03-guide-fulfillment-print", full_page=True)


def test_dashboard_head_links_to_its_guide(page, live_server, browser_login, screenshot, users):
    browser_login(page, "fulfillment")
    page.goto(f"{live_server}/fulfillment/")
    link = page.locator(".page-head [data-guide-link]")
    expect(link).to_be_visible()
    screenshot(page, "help-04-fulfillment-dashboard-guide-link")
    link.click()
    expect(page).to_have_url(f"{live_server}/help/fulfillment")


def test_requested_date_typed_as_dd_mm_yyyy_is_saved(page, live_server, browser_login, make_order, screenshot, users):
    draft = make_order()
    ref, draft_id, wanted = draft.ref, draft.id, business_today() + timedelta(days=12)
    db.session.rollback()  # end the test's own transaction: the server writes the draft
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/orders/{ref}/edit")
    box = page.locator("#requested_date")
    expect(box).to_have_attribute("placeholder", "dd/mm/yyyy")
    page.wait_for_load_state("load")
    box.fill("31/31/2030")
    with page.expect_response(lambda r: r.url.endswith("/header")):
        box.press("Tab")
    expect(page.locator("#requested_date-error")).to_contain_text("“31/31/2030” is not a date: there is no month 31.")
    expect(box).to_have_value("31/31/2030")
    screenshot(page, "help-05-entry-date-refused")
    box.fill(wanted.strftime("%d/%m/%Y"))
    with page.expect_response(lambda r: r.url.endswith("/header")):
        box.press("Tab")
    expect(page.locator("#header-status")).to_contain_text("Saved")
    page.reload()
    expect(page.locator("#requested_date")).to_have_value(wanted.strftime("%d/%m/%Y"))
    screenshot(page, "help-06-entry-date-saved")
    db.session.expire_all()
    assert db.session.get(Order, draft_id).requested_date == wanted
