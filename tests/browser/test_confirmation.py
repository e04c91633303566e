"""In a real browser: submit an order, see its promised date and confirmation state, open the
PDF link, log a call. The PDF page is rendered to PNG for people to look at."""

import shutil
import subprocess

import pytest

from app.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.orders.helpers import add_request, pdf_text

pytestmark = pytest.mark.browser


@pytest.mark.real_pdf
def test_confirm_order_and_open_its_pdf(live_server, page, browser_login, screenshot, make_order, make_product,
                                        make_customer):
    customer = make_customer(name="Glenrock Marine Ltd", contact_name="Tom Ward")
    lines = [(make_product(name=name, price=price), qty) for name, price, qty in (
        ("Marine bearing 25 mm", "18.40", 4), ("Stainless clamp M8", "2.15", 24), ("High-flow filter 1/2 in", "36.00", 2))]
    order = make_order(lines=lines, customer=customer)
    order.instructions = "Deliver to the boatyard office, not the slipway."
    add_request(order, "labelling", "Label each box with our PO", "approved")
    ref = order.ref
    db.session.commit()  # and touch no ORM object after: on SQLite a read here would hold the write lock

    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/orders/{ref}/review")
    assert "if submitted now" in page.inner_text("#promise")
    while page.locator("#verify button:has-text('Acknowledge')").count():  # checks raised for a new customer
        page.locator("#verify button:has-text('Acknowledge')").first.click()
        page.wait_for_load_state("networkidle")
    screenshot(page, "confirmation-review-with-promise")
    page.click("button:has-text('Submit and confirm order')")
    page.wait_for_selector("[data-promised-date]")
    number = page.inner_text("h1 .mono")
    assert number.startswith("SO-")
    assert page.get_attribute("[data-confirmation-state]", "data-confirmation-state") == "pending"
    screenshot(page, "confirmation-order-page", full_page=True)

    link = page.locator("a[data-confirmation-pdf]").first
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert number in pdf_text(response.body()) and "Marine bearing 25 mm" in pdf_text(response.body())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "confirmation.pdf"
    pdf_path.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf_path),
                        str(ARTIFACTS / "confirmation-pdf")], check=True)
        assert (ARTIFACTS / "confirmation-pdf.png").stat().st_size > 10_000

    page.click("text=Log a call or message")  # the log form is folded until wanted
    page.select_option("#medium", "phone")
    page.fill("#contact", "Tom Ward")
    page.fill("#summary", "Called Tom, read back the lines and the date; all agreed.")
    page.check("#confirms")
    page.click("button:has-text('Log it')")
    page.wait_for_selector("[data-confirmation-state=done]")
    assert "Confirmed by phone call by Sales" in page.inner_text("#communications")
    page.locator("#communications").scroll_into_view_if_needed()
    screenshot(page, "confirmation-communication-log", full_page=True)
