"""CSV import in Chromium: a manager uploads products, sees the preview (and a bad file's rows
listed with Apply off), applies with the busy indicator, and finds the products imported."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db
from tests.dataio.helpers import GOOD_PRODUCTS, products_csv


def _upload(page, live_server, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(f"{live_server}/imports/")
    page.select_option("#kind", "products")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("h1")).to_have_text(f"Preview: {name}")


def test_manager_uploads_previews_and_applies_a_products_csv(page, live_server, browser_login, screenshot,
                                                             users, tmp_path):
    browser_login(page, "manager")
    page.click(".whoami >> text=Import")
    expect(page.locator("h1")).to_have_text("Import and export")
    screenshot(page, "import-page")

    bad = products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,12.5.0,20,,,yes",
                       "P-1,Hinge again,,each,1,,2.50,20,,,yes")
    _upload(page, live_server, tmp_path, "bad-products.csv", bad)
    rows = page.locator("#problems tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3")
    expect(rows.nth(0)).to_contain_text("list_price")
    expect(rows.nth(1)).to_contain_text("the same as line 2")
    expect(page.get_by_role("button", name="Apply")).to_be_disabled()
    screenshot(page, "import-preview-problems", full_page=True)

    _upload(page, live_server, tmp_path, "products.csv", GOOD_PRODUCTS)
    expect(page.locator('[data-count="new"]')).to_have_text("3")
    expect(page.locator("#sample tbody tr")).to_have_count(3)
    screenshot(page, "import-preview", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: import 3 rows").click()
    expect(page.locator(".flash--success")).to_contain_text("Imported products.csv: 3 new, 0 changed")
    expect(page.locator("h1")).to_have_text("Import and export")
    screenshot(page, "import-applied")
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 3
