"""API tokens in Chromium: the admin finds the page in the menu, creates a token for the web
shop, copies it from the page that shows it once (a reload shows the list, not the token),
and revokes another after confirming; the revoked one stays listed, greyed."""

import re

from playwright.sync_api import expect

from app.api.tokens import token_for
from app.extensions import db


def test_admin_creates_copies_and_revokes_tokens(page, live_server, browser_login, screenshot, users):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    browser_login(page, "admin")
    page.click(".whoami >> text=API tokens")
    expect(page.locator("h1")).to_have_text("API tokens")
    expect(page.locator(".empty")).to_contain_text("Create a token for the web shop")

    page.fill("#name", "Warehouse scanner")
    page.get_by_label("Place orders and ask for amendments").uncheck()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("h1")).to_have_text("API token Warehouse scanner created")
    page.get_by_role("link", name="Done: back to the API tokens").click()

    page.fill("#name", "Web shop")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("h1")).to_have_text("API token Web shop created")
    token = page.locator("#new-token").input_value()
    assert re.fullmatch(r"od_[\w-]{40,}", token) and token_for(token).name == "Web shop"
    db.session.rollback()  # end the test's read: the server writes next
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    expect(page.locator("[data-new-token]")).to_contain_text("shown only this once")
    screenshot(page, "api-token-created")

    page.reload()  # the address bar names the list: a reload shows it, never the token again
    expect(page.locator("h1")).to_have_text("API tokens")
    assert token not in page.content()

    row = page.locator("tr[data-token='Warehouse scanner']")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#messages")).to_contain_text("API token Warehouse scanner revoked")
    expect(row).to_have_class("row--revoked")
    expect(row).to_contain_text("Revoked")
    expect(row).to_contain_text("by Admin")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    expect(page.locator("tr[data-token='Web shop']")).to_contain_text("never")
    screenshot(page, "api-tokens-list")
