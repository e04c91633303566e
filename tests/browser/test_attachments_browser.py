"""In Chromium: a customer's PO (PDF) and a photo attached on the order page, listed, downloaded
and shown; a file over the limit refused as soon as it is chosen; an .exe named .pdf refused by
the field. Screenshots of each state go to test-artifacts/screenshots/."""

from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.retention.placeholders import _pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def order_ref(make_order, make_customer):
    with confirmations_suppressed():
        order = make_order(submit=True, customer=make_customer(name="Harrow Fabrication Ltd"))
    ref = order.ref
    db.session.close()  # hold no lock while the browser works
    return ref


@pytest.fixture
def files(tmp_path):
    po = tmp_path / "PO-88213 Harrow.pdf"
    po.write_bytes(_pdf("Purchase order 88213: 40 steel brackets, deliver to Harrow Fabrication Ltd."))
    photo = tmp_path / "bracket drawing.png"
    out = BytesIO()
    Image.new("RGB", (320, 200), (40, 90, 160)).save(out, "PNG")
    photo.write_bytes(out.getvalue())
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)
    big = tmp_path / "scan 600dpi.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 300_000)
    return {"po": po, "photo": photo, "fake": fake, "big": big}


def test_attach_a_po_and_a_drawing_on_the_order_page(page, live_server, browser_login, screenshot, order_ref, files, app,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 200_000)
    browser_login(page, "sales")
    page.goto(f"{live_server}/orders/{order_ref}")
    panel = page.locator("#attachments")
    expect(panel.get_by_role("heading", name="Attachments")).to_be_visible()
    expect(panel.locator("details")).not_to_have_attribute("open", "")  # folded while there is nothing to show
    panel.get_by_role("heading", name="Attachments").click()
    expect(panel).to_contain_text("No files attached")
    panel.scroll_into_view_if_needed()
    screenshot(page, "attachments-1-empty")

    # over the limit: refused as soon as it is chosen, nothing sent
    page.get_by_label("File (PDF or image)").set_input_files(str(files["big"]))
    expect(panel.locator("#attachment-file-error")).to_contain_text("scan 600dpi.pdf is 292 KB; files up to 195 KB can be attached")
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_label("File (PDF or image)")).to_be_focused()
    expect(panel).to_contain_text("No files attached")
    screenshot(page, "attachments-2-too-large")

    page.get_by_label("File (PDF or image)").set_input_files(str(files["po"]))
    expect(panel.locator("#attachment-file-error")).to_have_text("")  # chosen again: the message goes
    page.get_by_label("Note (optional)").fill("Signed PO from the buyer")
    page.get_by_role("button", name="Attach").click()
    expect(page.locator(".flash--success")).to_contain_text(f"{order_ref}: PO-88213 Harrow.pdf attached (PDF, ")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel).to_contain_text("Signed PO from the buyer")

    # an .exe named .pdf: the server looks at the bytes; the message is by the field, the note kept
    page.get_by_label("File (PDF or image)").set_input_files(str(files["fake"]))
    page.get_by_label("Note (optional)").fill("Invoice copy")
    page.get_by_role("button", name="Attach").click()
    expect(page.locator("#attachment-file-error")).to_contain_text("invoice.pdf is not a PDF or an image")
    expect(page.get_by_label("Note (optional)")).to_have_value("Invoice copy")
    page.locator("#attachments").scroll_into_view_if_needed()
    screenshot(page, "attachments-3-refused-type")

    page.get_by_label("File (PDF or image)").set_input_files(str(files["photo"]))
    page.get_by_label("Note (optional)").fill("")
    page.get_by_role("button", name="Attach").click()
    expect(page.locator(".flash--success")).to_contain_text("bracket drawing.png attached (PNG image")
    panel = page.locator("#attachments")
    expect(panel.locator("tbody tr")).to_have_count(2)
    panel.scroll_into_view_if_needed()
    screenshot(page, "attachments-4-listed")

    with page.expect_download() as download:
        panel.get_by_role("link", name="PO-88213 Harrow.pdf").click()
    assert download.value.suggested_filename == "PO-88213 Harrow.pdf"
    assert open(download.value.path(), "rb").read() == files["po"].read_bytes()

    with page.context.expect_page() as opened:
        panel.get_by_role("link", name="bracket drawing.png").click()
    image_tab = opened.value
    image_tab.wait_for_load_state()
    assert image_tab.evaluate("document.images.length && document.images[0].naturalWidth") == 320
    screenshot(image_tab, "attachments-5-image-shown")
    image_tab.close()

    history = page.locator("section.panel", has=page.get_by_role("heading", name="History"))
    expect(history).to_contain_text("Attached bracket drawing.png (PNG image")
    expect(history).to_contain_text("Attached PO-88213 Harrow.pdf (PDF")

    page.once("dialog", lambda dialog: dialog.accept())
    panel.locator("tr", has_text="bracket drawing.png").get_by_role("button", name="Remove").click()
    expect(page.locator(".flash--success")).to_contain_text("bracket drawing.png removed from the order (it stays on record)")
    expect(page.locator("#attachments tbody tr")).to_have_count(1)
