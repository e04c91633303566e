"""Order-page views for attachments: upload, download, remove (app/attachments does the work)."""

from io import BytesIO

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.attachments import services as attachments
from app.attachments.files import human_size
from app.auth.access import ORDER_VIEWERS, role_required
from app.order_page.attachment_form import AttachmentForm
from app.order_page.routes import bp, get_order, render_detail
from app.orders.permissions import require
from app.web.transaction import on_refusal

# The file itself is sandboxed: nothing in it may run, load or be sniffed as something else.
FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"

bp.add_app_template_global(attachments.attachments_of, "order_attachments")
bp.add_app_template_global(AttachmentForm, "AttachmentForm")
bp.add_app_template_filter(human_size, "filesize")


def _back(order) -> str:
    return url_for("orders.detail", ref=order.ref, _anchor="attachments")


@bp.post("/<ref>/attachments")
@role_required(*ORDER_VIEWERS)
def add_attachment(ref):
    """Attach a PDF or an image to the order; a refused file comes back as a message by the field."""
    order = get_order(ref)
    on_refusal(back=_back(order))
    require(current_user, "attach", order)
    form = AttachmentForm()
    if not form.validate():
        return render_detail(order, 422, attachment_form=form)
    on_refusal(lambda exc: _refused(ref, form, str(exc)))
    upload = form.file.data
    attachment = attachments.attach_file(order, upload.filename or "", upload.read(_limit() + 1), current_user,
                                         note=form.note.data or "")
    flash(f"{order.ref}: {attachment.filename} attached ({attachments.describe(attachment)}).", "success")
    return redirect(_back(order))


def _limit() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"]


def _refused(ref, form, message: str, status: int = 422):
    form.file.errors = [*form.file.errors, message]
    return render_detail(get_order(ref), status, attachment_form=form)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A body over MAX_CONTENT_LENGTH is refused before it is read (the form cannot be shown
    again from it): the 413 page, saying what the limit is when it was an attachment."""
    message = "What was sent is larger than Order Desk accepts. Shorten it and try again."
    if request.endpoint == "orders.add_attachment":
        message = (f"The file is larger than {human_size(_limit())}, the most that can be attached; nothing was "
                   "attached. Go back and choose a smaller file (a scan saved as PDF at a lower resolution).")
    return render_template("errors/error.html", code=413, title="Too large", message=message, go_back=True), 413


@bp.get("/<ref>/attachments/<int:attachment_id>/<filename>")
@role_required(*ORDER_VIEWERS)
def attachment_file(ref, attachment_id, filename):
    """The file as uploaded (PDFs download, images show), sandboxed; the name in the URL is for people."""
    order = get_order(ref)
    require(current_user, "view_attachment", order)
    attachment = attachments.attachment_on(order, attachment_id)
    content, content_type, name = attachments.stored_file(attachment)
    response = send_file(BytesIO(content), mimetype=content_type, as_attachment=content_type == "application/pdf",
                         download_name=name, etag=attachment.sha256 if name == attachment.filename else False,
                         conditional=True)
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/<ref>/attachments/<int:attachment_id>/remove")
@role_required(*ORDER_VIEWERS)
def remove_attachment(ref, attachment_id):
    """Take an attachment off the order (the uploader or a manager); it stays on record."""
    order = get_order(ref)
    on_refusal(back=_back(order))
    attachment = attachments.attachment_on(order, attachment_id)
    require(current_user, "remove_attachment", attachment)
    attachments.remove_attachment(attachment, current_user)
    flash(f"{order.ref}: {attachment.filename} removed from the order (it stays on record).", "success")
    return redirect(_back(order))
