"""Issue 15, warehouse: the next wave started and printed in two clicks from the dashboard,
ten units picked with one scan and a number, and the way on to the wave's next order."""

import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.orders.waves import PickWave
from app.timeutil import business_today
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
PDF_DIR = ARTIFACTS.parent / "pdfs"


@pytest.fixture
def ready_orders(make_order, make_product):
    """Six orders ready to pick; the one promised soonest (already late) has 10 bolts to pick."""
    bolt = make_product(sku="SKU-BOLT", name="Hex bolt M8 x 40", on_hand=40, bin_location="A-03-2")
    numbers = []
    with confirmations_suppressed():
        for days in (-1, 1, 2, 2, 3, 6):
            lines = [(bolt, 10)] if days == -1 else [(bolt, 2), (make_product(on_hand=20), 1)]
            order = make_order(lines, submit=True)
            order.promised_date = business_today() + timedelta(days=days)
            numbers.append(order.number)
    db.session.commit()
    db.session.rollback()
    return numbers


@pytest.mark.real_pdf
def test_next_wave_in_two_clicks_then_ten_units_in_one_scan(live_server, page, browser_login, screenshot,
                                                          ready_orders):
    clicks = 0
    browser_login(page, "fulfillment")
    page.goto(f"{live_server}/fulfillment/")
    late_row = page.locator("#queue tr", has_text=ready_orders[0])
    assert "· late" in late_row.inner_text()
    one_line = ("td => { const r = document.createRange(); r.selectNodeContents(td);"
                " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size === 1; }")
    cells = late_row.locator("td.nowrap:not(.actions)").all()
    assert len(cells) == 2
    for cell in cells:  # Promised and Age: compact, never wrapped
        assert cell.evaluate(one_line), cell.inner_text()
    button = page.locator("#start-next-wave")
    assert button.inner_text() == "Start next wave (5)"
    screenshot(page, "warehouse-next-wave-dashboard")

    button.click()
    clicks += 1
    page.wait_for_url("**/fulfillment/waves/*")
    flash = page.inner_text(".flashes")
    assert "started: 5 ready orders, earliest promised first, in totes A–E. Print its pick list now." in flash
    assert page.locator("#print-wave").evaluate("el => el === document.activeElement")
    screenshot(page, "warehouse-next-wave-page")
    with page.expect_popup(timeout=30_000) as popup:  # the tab opens once the PDF is rendered and stored
        page.click("#print-wave")
        clicks += 1
    popup.value.wait_for_url("**/pick-list.pdf")
    pdf = page.request.get(popup.value.url)
    popup.value.close()
    assert clicks == 2 and pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    (PDF_DIR / "next-wave-pick-list.pdf").write_bytes(pdf.body())
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(PDF_DIR / "next-wave-pick-list.pdf"),
                    str(PDF_DIR / "next-wave-pick-list")], check=True)
    text = PdfReader(PDF_DIR / "next-wave-pick-list.pdf").pages[0].extract_text()
    assert "Totes: A " + ready_orders[0] in text and ready_orders[5] not in text  # five oldest promises
    db.session.rollback()
    wave = db.session.query(PickWave).one()
    assert wave.printed_at is not None and [o.number for o in wave.orders] == ready_orders[:5]
    wave_id = wave.id
    db.session.rollback()

    # Tote A: scan a bolt, type 10 and Enter: ten picked.
    page.click(f"main table a:has-text('{ready_orders[0]}')")
    page.wait_for_url("**/pick")
    assert page.locator("#scan-sku").evaluate("el => el === document.activeElement")
    page.keyboard.type("SKU-BOLT")
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-message:has-text('SKU-BOLT: 1 of 10 picked')")
    page.keyboard.type("10")
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-message:has-text('SKU-BOLT: 10 of 10 picked (that scan counted 10)')")
    assert page.locator("tr[data-sku='SKU-BOLT'] input[name=picked]").input_value() == "10"
    assert page.locator("#scan-sku").evaluate("el => el === document.activeElement && el.value === ''")
    assert page.inner_text(".wave-nav .tote") == "Tote A"
    screenshot(page, "warehouse-pick-with-quantity")

    # On to the wave's next order (tote B), and back to the wave.
    page.click("#next-in-wave")
    page.wait_for_url(f"**/orders/{ready_orders[1]}/pick")
    assert page.inner_text(".wave-nav .tote") == "Tote B"
    page.click("#back-to-wave")
    page.wait_for_url(f"**/fulfillment/waves/{wave_id}")
