"""In Chromium: the admin creates a user, resets their password (a made-up one shown once),
the user logs in and must choose their own before anything else; the admin opens the settings
and changes the cut-off. Screenshots in test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.settings.models import Setting

pytestmark = pytest.mark.browser

CHOSEN = "Amber-Tulip-Kettle-42"


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#username")).to_be_visible()


def test_admin_creates_resets_and_the_user_chooses_a_password(page, live_server, browser_login, users, screenshot):
    browser_login(page, "admin")
    page.fill("#username", "robin")
    page.fill("#full_name", "Robin Hale")
    page.fill("#password", "password123")  # refused: a common password
    page.get_by_label("Fulfillment").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#password-error")).to_contain_text("one of the most common passwords")
    screenshot(page, "staff-create-refused")
    page.fill("#password", "Quiet-Harbour-Lamp-7")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".flash--success")).to_contain_text("User robin: created as fulfillment")

    page.get_by_role("link", name="robin").click()
    expect(page.get_by_role("heading", name="User robin")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # "Reset the password of robin?"
    page.get_by_role("button", name="Reset password").click()
    temporary = page.locator("#temporary-password")
    expect(temporary).to_be_visible()
    expect(page.locator("[data-must-change]")).to_be_visible()
    screenshot(page, "staff-reset-shown-once")
    password = temporary.inner_text().strip()
    log_out(page)

    browser_login(page, "robin", password)
    expect(page).to_have_url(f"{live_server}/account/password")
    expect(page.locator("[data-must-change]")).to_be_visible()
    page.goto(f"{live_server}/fulfillment/")  # every page sends them back
    expect(page).to_have_url(f"{live_server}/account/password")
    page.fill("#current", password)
    page.fill("#password", "robin-the-picker")
    page.fill("#repeat", "robin-the-picker")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-error")).to_contain_text("must not contain the username")
    screenshot(page, "staff-change-refused")
    page.fill("#current", password)
    page.fill("#password", CHOSEN)
    page.fill("#repeat", CHOSEN)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server}/fulfillment/")
    expect(page.locator(".flash--success")).to_contain_text("Your password is changed.")
    screenshot(page, "staff-changed-on-dashboard")


def test_admin_changes_the_cutoff_and_the_manager_reads_it(page, live_server, browser_login, users, screenshot):
    browser_login(page, "admin")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page.locator("[data-source=ORDER_CUTOFF]")).to_have_text("From the environment (ORDER_CUTOFF)")
    screenshot(page, "settings-admin", full_page=True)
    page.fill("#order_cutoff", "18:30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#business_closes-error")).to_contain_text("the cut-off no later than closing")
    screenshot(page, "settings-refused")
    page.fill("#order_cutoff", "15:30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash--success")).to_contain_text("Settings saved: order cut-off.")
    expect(page.locator("[data-source=ORDER_CUTOFF]")).to_contain_text("Changed by Admin on")
    log_out(page)

    browser_login(page, "manager")
    page.goto(f"{live_server}/admin/settings")
    expect(page.locator("#order_cutoff")).to_have_value("15:30")
    expect(page.locator("#order_cutoff")).to_be_disabled()
    expect(page.get_by_role("button", name="Save settings")).to_have_count(0)
    screenshot(page, "settings-manager-reads", full_page=True)
    assert db.session.get(Setting, "ORDER_CUTOFF").value == "15:30"  # stored (after the browser is done)
