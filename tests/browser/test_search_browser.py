"""In Chromium: `/` from a dashboard, a customer typed into the top bar's search, then SKU and
a date range narrow the results in place (the address keeps them), the search is saved and
exported as CSV. Screenshots in test-artifacts/screenshots/."""

import csv
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.timeutil import frozen_clock

pytestmark = pytest.mark.browser


@pytest.fixture
def book(make_order, make_customer, make_product):
    """Harrow's orders over two months, two of them in March with SKU-0042."""
    wanted, other = make_product(sku="SKU-0042", name="Brass hinge 75 mm"), make_product(sku="SKU-0107")
    harrow, acme = make_customer("Harrow Building Supplies", code="HAR01"), make_customer("Acme Tools", code="ACM01")

    def on(day, lines, customer=harrow):
        with frozen_clock(datetime.combine(day, datetime.min.time()) + timedelta(hours=11)):
            return make_order(lines=lines, customer=customer).ref

    made = {
        "march": on(date(2026, 3, 9), [(wanted, 4)]),
        "march_mixed": on(date(2026, 3, 24), [(other, 1), (wanted, 10)]),
        "february": on(date(2026, 2, 16), [(wanted, 2)]),
        "other_sku": on(date(2026, 3, 11), [(other, 6)]),
        "acme": on(date(2026, 3, 12), [(wanted, 1)], customer=acme),
    }
    db.session.commit()
    return made


def test_search_by_sku_and_dates_then_export_csv(page, live_server, browser_login, screenshot, book, tmp_path):
    browser_login(page, "inventory")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#global-q")).to_be_focused()
    page.keyboard.type("Harrow")
    page.keyboard.press("Enter")
    expect(page.locator("#results a.ref")).to_have_count(4)  # every Harrow order, newest first
    expect(page.locator("#q")).to_have_value("Harrow")

    page.evaluate("window.stillTheSamePage = true")
    page.fill("#sku", "SKU-0042")
    page.fill("#start", "01/03/2026")  # typed as the business writes dates; the address keeps ISO
    page.fill("#end", "31/03/2026")
    expect(page.locator("#results a.ref")).to_have_text([book["march_mixed"], book["march"]])
    assert page.evaluate("window.stillTheSamePage") is True  # the results were swapped in place
    expect(page.locator("#results h2")).to_have_text("2 orders found")
    assert "sku=SKU-0042" in page.url and "start=2026-03-01" in page.url and "end=2026-03-31" in page.url
    screenshot(page, "search-sku-and-dates", full_page=True)

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename.startswith("orders-") and path.suffix == ".csv"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["order", "status", "customer_code", "customer"]
    assert [r[0] for r in rows[1:]] == [book["march_mixed"], book["march"]]
    assert {r[2] for r in rows[1:]} == {"HAR01"}

    page.fill("#saved-name", "Harrow hinges in March")
    page.click("text=Save this search")
    expect(page.locator(".saved-list")).to_contain_text("Harrow hinges in March")
    expect(page.locator("#messages")).to_contain_text("Saved this search")
    page.goto(f"{live_server}/search")
    expect(page.locator("#results a.ref")).to_have_count(5)
    page.click(".saved-list >> text=Harrow hinges in March")
    expect(page.locator("#results a.ref")).to_have_text([book["march_mixed"], book["march"]])
    screenshot(page, "search-saved", full_page=True)


def test_a_bad_date_is_explained_next_to_it(page, live_server, browser_login, screenshot, book):
    browser_login(page, "sales")
    page.goto(f"{live_server}/search?start=2026-02-30")
    expect(page.locator("#start-error")).to_contain_text("“2026-02-30” is not a date: there is no such day")
    expect(page.locator("#results")).to_contain_text("not valid")
    screenshot(page, "search-bad-date")
