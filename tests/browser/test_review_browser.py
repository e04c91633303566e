"""The periodic review in Chromium at 1366×768: charts drawn with our stylesheet (the page's
Content-Security-Policy refuses inline styles and scripts) and readable without JavaScript."""

from playwright.sync_api import expect

from tests.reports.test_review import timeline  # noqa: F401  the week of orders the review is about


def test_review_page_in_the_browser(page, live_server, browser_login, screenshot, timeline):  # noqa: F811
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    browser_login(page, "manager")
    page.click(".topnav >> text=Review")
    page.goto(f"{live_server}/manager/review?from=2026-03-02&to=2026-03-08")
    expect(page.locator("h1")).to_have_text("Periodic review")
    expect(page.locator("svg.pygal-chart")).to_have_count(3)
    bar = page.locator("svg.pygal-chart .color-0 rect.reactive").first
    assert bar.evaluate("el => getComputedStyle(el).fill") == "rgb(37, 99, 235)"  # our palette, from charts.css
    expect(page.locator('[data-figure="orders"] [data-this]')).to_have_text("4")
    screenshot(page, "review-page")
    screenshot(page, "review-page-full", full_page=True)
    assert refused == []


def test_review_period_form_keeps_a_bad_date(page, live_server, browser_login, screenshot, users):
    browser_login(page, "manager")
    page.goto(f"{live_server}/manager/review")
    page.fill("#period-from", "2026-02-31")
    page.click("text=Show review")
    expect(page.locator("#period-from-error")).to_contain_text("is not a date")
    expect(page.locator("#period-from")).to_have_value("2026-02-31")
    screenshot(page, "review-bad-date")
