"""Printing pick lists, wave pick lists and packing slips: render once, archive, log.

A document is stored once per pick round (order revision × 100 + shipments so far), so a
reprint serves the bytes that were first printed; every print is an event on the order.
"""

import hashlib

from flask import current_app, make_response, url_for
from flask_login import current_user

from app.documents.barcodes import code128
from app.documents.models import Document
from app.documents.pdf import render_pdf
from app.documents.store import find_document, store_document
from app.events.services import record_event
from app.extensions import db
from app.orders.pick_list import pack_slip_for, pick_list, wave_summary
from app.timeutil import local, utcnow


def pick_round(order) -> int:
    """Which pick of this order a document belongs to (a backorder is a later round)."""
    return order.revision * 100 + len(order.shipments)


def _printing(actor) -> dict:
    return {"business_name": current_app.config["BUSINESS_NAME"],
            "printed_at": local(utcnow()).strftime("%d %b %Y %H:%M"),
            "printed_by": actor.display_name if actor is not None else ""}


def order_url(order) -> str:
    return url_for("orders.detail", ref=order.ref, _external=True)


def render_pick_list(order, actor) -> bytes:
    return render_pdf("documents/pick_list.html", pl=pick_list(order, order_url(order)), **_printing(actor))


def print_pick_list(order, actor=None) -> Document:
    """The order's pick list for this round: the stored one, or a new one rendered and stored."""
    actor = actor if actor is not None else _user()
    document = find_document(order.id, "pick_list", pick_round(order))
    again = document is not None
    if document is None:
        document = store_document(order, "pick_list", render_pick_list(order, actor),
                                  f"pick-list-{order.number}.pdf", revision=pick_round(order), actor=actor)
    record_event("order.pick_list_printed", f"Pick list {'printed again' if again else 'printed'}",
                 order=order, actor=actor, after={"document_id": document.id})
    return document


def wave_context(wave) -> dict:
    lists = [pick_list(order, order_url(order)) for order in wave.orders]
    summary = wave_summary(lists)
    return {"ref": wave.ref, "lists": lists, "summary": summary, "barcode": code128(wave.ref),
            "units": sum(row["total"] for row in summary)}


def render_wave_pick_list(wave, actor) -> bytes:
    return render_pdf("documents/wave_pick_list.html", wave=wave_context(wave), **_printing(actor))


def print_wave_pick_list(wave, actor=None) -> Document:
    """The wave's pick list (summary by bin, then each order); stored on first print."""
    actor = actor if actor is not None else _user()
    document = db.session.get(Document, wave.document_id) if wave.document_id else None
    if document is None:
        content = render_wave_pick_list(wave, actor)
        document = Document(order_id=None, kind="wave_pick_list", revision=wave.id,
                            filename=f"pick-list-{wave.ref}.pdf", sha256=hashlib.sha256(content).hexdigest(),
                            content=content, created_by_id=actor.id if actor else None)
        db.session.add(document)
        db.session.flush()
        wave.document_id, wave.printed_at = document.id, utcnow()
    for order in wave.orders:
        record_event("order.pick_list_printed", f"Pick list printed in wave {wave.ref}", order=order,
                     actor=actor, after={"document_id": document.id, "wave_id": wave.id})
    return document


def print_packing_slip(order, actor=None) -> Document:
    """The packing slip for what was packed this round (stored at the first print)."""
    actor = actor if actor is not None else _user()
    document = find_document(order.id, "packing_slip", pick_round(order))
    if document is None:
        content = render_pdf("documents/packing_slip.html", slip=pack_slip_for(order), **_printing(actor))
        document = store_document(order, "packing_slip", content, f"packing-slip-{order.number}.pdf",
                                  revision=pick_round(order), actor=actor)
        record_event("order.packing_slip_printed", "Packing slip printed", order=order, actor=actor,
                     after={"document_id": document.id})
    return document


def pdf_response(document):
    """Serve the stored bytes of an issued document."""
    response = make_response(document.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response


def _user():
    return current_user if current_user and current_user.is_authenticated else None
