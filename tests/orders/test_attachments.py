"""Files attached to an order: a PDF or an image, checked by its bytes, within the size limit,
listed on the order page and in its history, downloaded as uploaded (sandboxed), removed from
view by the uploader or a manager (kept on record), and emptied by the retention purge."""

import hashlib
import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.attachments import services as attachments
from app.attachments.files import safe_filename
from app.attachments.models import OrderAttachment
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from app.retention.placeholders import REMOVED, REMOVED_PDF
from app.retention.purge import months_before, purge
from app.timeutil import utcnow
from tests.conftest import csrf_from, log_in, log_out

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png(size=(40, 20), fmt="PNG") -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def order(make_order):
    with confirmations_suppressed():
        return make_order(submit=True)


def upload(client, token, order, content, filename, content_type="application/octet-stream", note=""):
    return client.post(f"/orders/{order.ref}/attachments", content_type="multipart/form-data", data={
        "csrf_token": token, "attachment-note": note,
        "attachment-file": (BytesIO(content), filename, content_type)})


def stored() -> list[OrderAttachment]:
    db.session.expire_all()
    return db.session.scalars(select(OrderAttachment).order_by(OrderAttachment.id)).all()


def page_of(client, order) -> str:
    return client.get(f"/orders/{order.ref}").get_data(as_text=True)


def attachments_panel(html: str) -> str:
    return re.search(r'<section class="panel[^"]*" id="attachments">.*?</section>', html, re.S).group(0)


def download_link(html: str, filename: str) -> str:
    return re.search(r'href="([^"]+)"[^>]*>' + re.escape(filename) + "</a>", attachments_panel(html)).group(1)


def test_a_pdf_and_a_photo_are_attached_listed_and_downloaded_as_uploaded(client, login, order, users):
    token = login("sales")
    assert "No files attached" in attachments_panel(page_of(client, order))
    response = upload(client, token, order, PDF, "PO 4471.pdf", "application/pdf", note="Customer's signed PO")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order.ref}#attachments")
    photo = png()
    upload(client, token, order, photo, "damaged box.PNG", "image/png")

    pdf, image = stored()
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.note) == ("PO 4471.pdf", "application/pdf", len(PDF), "Customer's signed PO")
    assert (image.filename, image.content_type, image.size) == ("damaged box.PNG", "image/png", len(photo))
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest() and pdf.uploaded_by_id == users["sales"].id
    assert db.session.get(Document, pdf.document_id).kind == "attachment"  # kept like every issued document

    html = page_of(client, order)
    panel = attachments_panel(html)
    assert "PO 4471.pdf" in panel and "Customer&#39;s signed PO" in panel and "PNG image" in panel and "Sales" in panel

    got = client.get(download_link(html, "PO 4471.pdf"))
    assert got.status_code == 200 and got.data == PDF
    assert got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;") and "PO 4471.pdf" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"].startswith("default-src 'none'")
    shown = client.get(download_link(html, "damaged box.PNG"))
    assert shown.data == photo and shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline;")


def test_the_success_message_names_the_file_and_what_it_is(client, login, order):
    token = login("inventory")  # every team that sees the order may attach to it
    response = upload(client, token, order, png((800, 600), "JPEG"), "drawing.jpg")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf"{order.ref}: drawing.jpg attached \(JPEG image, \d+ KB\)\.", html)


def test_an_exe_renamed_to_pdf_is_refused_by_the_field_and_the_note_is_kept(client, login, order):
    token = login("sales")
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    response = upload(client, token, order, exe, "invoice.pdf", "application/pdf", note="From the buyer")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="field__error" id="attachment-file-error">([^<]*)</p>', html).group(1)
    assert "invoice.pdf is not a PDF or an image" in error
    assert 'value="From the buyer"' in html  # what was typed stays
    assert stored() == [] and db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_text_sent_as_a_png_is_refused(client, login, order):
    token = login("fulfillment")
    response = upload(client, token, order, b"<html><script>alert(1)</script></html>", "photo.png", "image/png")
    assert response.status_code == 422 and "photo.png is not a PDF or an image" in response.get_data(as_text=True)
    assert stored() == []


def test_a_file_over_the_limit_is_refused_with_the_limit(client, login, order, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2048)
    token = login("sales")
    response = upload(client, token, order, PDF + b"%" * 4000, "big.pdf")
    assert response.status_code == 422
    assert "big.pdf is larger than 2 KB, the most that can be attached." in response.get_data(as_text=True)
    assert stored() == []


def test_a_body_over_max_content_length_is_refused_before_it_is_read(client, login, order, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    token = login("sales")
    response = upload(client, token, order, PDF + b"%" * 10_000, "huge.pdf")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is larger than 10 MB, the most that can be attached; nothing was attached." in html
    assert "Go back to the form" in html
    assert stored() == []


def test_an_empty_form_asks_for_a_file(client, login, order):
    token = login("sales")
    response = client.post(f"/orders/{order.ref}/attachments", data={"csrf_token": token})
    assert response.status_code == 422 and "Choose a PDF or an image to attach." in response.get_data(as_text=True)


def test_roles_without_the_order_get_403_and_visitors_log_in(client, login, order, users, make_user):
    attachment = attachments.attach_file(order, "po.pdf", PDF, users["sales"])
    db.session.commit()
    url = f"/orders/{order.ref}/attachments/{attachment.id}/po.pdf"
    assert client.get(url).headers["Location"].startswith("/login")
    token = login("admin")
    assert client.get(url).status_code == 403
    assert upload(client, token, order, PDF, "x.pdf").status_code == 403
    assert len(stored()) == 1


def test_an_upload_needs_the_csrf_token(client, login, order):
    login("sales")
    response = upload(client, "not-the-token", order, PDF, "po.pdf")
    assert response.status_code == 400 and stored() == []


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/passwd", "passwd.pdf"),
    ("<img src=x onerror=alert(1)>.pdf", "img src_x onerror_alert(1)_.pdf"),
    ("drawing.exe", "drawing.exe.pdf"),  # the ending follows what the bytes are
    ("\u202egnp.exe", "gnp.exe.pdf"),  # a right-to-left override cannot disguise the ending
    ("...", "attachment.pdf"),
])
def test_file_names_are_made_safe_to_show_and_to_send(client, login, order, sent, kept):
    token = login("sales")
    assert upload(client, token, order, PDF, sent).status_code == 302
    [attachment] = stored()
    assert attachment.filename == kept
    html = page_of(client, order)
    assert "<img src=x" not in html
    got = client.get(download_link(html, kept))
    assert got.status_code == 200 and kept in got.headers["Content-Disposition"]


@pytest.mark.parametrize(("sent", "kept"), [  # names as some clients send them (browsers send the last part only)
    ("C:\\Users\\jo\\Desktop\\PO 12.pdf", "PO 12.pdf"),
    ('quote"; filename=evil.exe', "quote_ filename_evil.exe.pdf"),
    ("line\r\nSet-Cookie: x=1.pdf", "line_Set-Cookie_ x_1.pdf"),
    ("Zeichnung für Müller.PDF", "Zeichnung für Müller.PDF"),
])
def test_names_lose_folders_quotes_and_line_breaks(sent, kept):
    assert safe_filename(sent, "application/pdf") == kept


def test_a_long_name_is_shortened_keeping_its_ending(client, login, order):
    token = login("sales")
    upload(client, token, order, png(), "x" * 300 + ".png")
    [attachment] = stored()
    assert len(attachment.filename) == 120 and attachment.filename.endswith("x.png")


def test_attaching_and_removing_show_in_the_history(client, login, order):
    token = login("sales")
    upload(client, token, order, PDF, "po.pdf")
    [attachment] = stored()
    client.post(f"/orders/{order.ref}/attachments/{attachment.id}/remove", data={"csrf_token": token})
    kinds = db.session.scalars(select(Event.kind).where(Event.order_id == order.id, Event.kind.like("order.attachment%"))
                               .order_by(Event.id)).all()
    assert kinds == ["order.attachment_added", "order.attachment_removed"]
    history = page_of(client, order).split("<h2>History</h2>")[1]
    assert f"Attached po.pdf (PDF, {len(PDF)} bytes)" in history and "Removed attachment po.pdf" in history


def test_only_the_uploader_or_a_manager_removes_and_the_file_stays_on_record(client, login, order, users, make_user):
    make_user("sam", roles=["sales"], full_name="Sam")
    attachment = attachments.attach_file(order, "po.pdf", PDF, users["sales"])
    db.session.commit()
    remove = f"/orders/{order.ref}/attachments/{attachment.id}/remove"
    log_in(client, "sam")
    token = csrf_from(client.get(f"/orders/{order.ref}").get_data(as_text=True))
    assert 'action="' + remove not in page_of(client, order)  # no button for someone who may not
    response = client.post(remove, data={"csrf_token": token})
    assert response.status_code == 403 and "Only the person who attached a file, or a manager" in response.get_data(as_text=True)
    assert stored()[0].removed_at is None

    log_out(client)
    token = login("manager")
    panel = attachments_panel(page_of(client, order))
    assert f'action="{remove}"' in panel and 'data-confirm="Remove po.pdf from this order? It stays on record."' in panel
    assert client.post(remove, data={"csrf_token": token}).status_code == 302
    [kept] = stored()
    assert kept.removed_at is not None and kept.removed_by_id == users["manager"].id
    assert db.session.get(Document, kept.document_id).content == PDF  # the bytes stay on record
    assert "po.pdf" not in attachments_panel(page_of(client, order))
    assert client.get(f"/orders/{order.ref}/attachments/{kept.id}/po.pdf").status_code == 404
    assert client.post(remove, data={"csrf_token": token}).status_code == 302  # again: a message, not an error
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "order.attachment_removed")) == 1


def test_an_attachment_of_another_order_is_not_found(client, login, make_order, users):
    with confirmations_suppressed():
        one, other = make_order(submit=True), make_order(submit=True)
    attachment = attachments.attach_file(one, "po.pdf", PDF, users["sales"])
    db.session.commit()
    login("sales")
    assert client.get(f"/orders/{other.ref}/attachments/{attachment.id}/po.pdf").status_code == 404


def test_a_draft_takes_attachments_too(client, login, make_order):
    draft = make_order()
    token = login("sales")
    assert upload(client, token, draft, PDF, "po.pdf").status_code == 302
    assert "po.pdf" in attachments_panel(page_of(client, draft))


def test_retention_replaces_the_bytes_and_the_note_and_keeps_the_record(client, login, order_in, users):
    with confirmations_suppressed():
        old = order_in("delivered")
    attachment = attachments.attach_file(old, "PO Jane Doe.png", png(), users["sales"], note="Jane's PO, 07700 900123")
    old.closed_at = months_before(utcnow(), 13)
    db.session.commit()
    report = purge()
    db.session.commit()
    assert report.counts["attachment notes"] == 1
    kept = stored()[0]
    assert (kept.filename, kept.sha256, kept.note) == ("PO Jane Doe.png", attachment.sha256, REMOVED)
    assert db.session.get(Document, kept.document_id).content == REMOVED_PDF
    login("sales")
    got = client.get(f"/orders/{old.ref}/attachments/{kept.id}/PO%20Jane%20Doe.png")
    assert got.status_code == 200 and got.data == REMOVED_PDF and got.mimetype == "application/pdf"
    assert "PO Jane Doe-removed.pdf" in got.headers["Content-Disposition"]
    assert purge().counts["attachment notes"] == 0  # a second run finds nothing new
