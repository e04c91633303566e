"""Printing pick lists, wave pick lists and packing slips: render, archive, log.

A document is stored once per pick round (order revision × 100 + shipments so far), so a
reprint serves the bytes that were first printed; every recorded print is an event on the
order. `print_*` record (a POST calls them); `*_document` only look a stored one up, and
`render_*` render without storing (what a GET may do). The actor and the order's address
(for the QR code) are arguments: nothing here knows about the request.
"""

import hashlib

from sqlalchemy import select

from app.documents.barcodes import code128
from app.documents.company import company_details
from app.documents.models import Document
from app.documents.pdf import render_pdf
from app.documents.store import find_document, store_document
from app.events.services import record_event
from app.extensions import db
from app.orders.pick_list import pack_slip_for, pick_list, wave_summary
from app.orders.waves import tote_slot
from app.settings.store import setting
from app.timeutil import local, utcnow


def pick_round(order) -> int:
    """Which pick of this order a document belongs to (a backorder is a later round)."""
    return order.revision * 100 + len(order.shipments)


def _printing(actor) -> dict:
    return {"business_name": setting("BUSINESS_NAME"),
            "printed_at": local(utcnow()).strftime("%d %b %Y %H:%M"),
            "printed_by": actor.display_name if actor is not None else ""}


def render_pick_list(order, actor, order_url: str) -> bytes:
    return render_pdf("documents/pick_list.html", pl=pick_list(order, order_url), **_printing(actor))


def pick_list_document(order) -> Document | None:
    """The pick list printed for this round, if it has been printed."""
    return find_document(order.id, "pick_list", pick_round(order))


def print_pick_list(order, actor, order_url: str) -> Document:
    """Record a print of the order's pick list for this round (stored at the first print)."""
    document = pick_list_document(order)
    again = document is not None
    if document is None:
        document = store_document(order, "pick_list", render_pick_list(order, actor, order_url),
                                  f"pick-list-{order.number}.pdf", revision=pick_round(order), actor=actor)
    record_event("order.pick_list_printed", f"Pick list {'printed again' if again else 'printed'}",
                 order=order, actor=actor, after={"document_id": document.id})
    return document


def wave_context(wave, order_url) -> dict:
    """The wave's pick lists, each with its tote slot (A, B, …), and the summary by bin."""
    lists = [{**pick_list(order, order_url(order)), "tote": tote_slot(i)} for i, order in enumerate(wave.orders)]
    summary = wave_summary(lists)
    return {"ref": wave.ref, "lists": lists, "summary": summary, "barcode": code128(wave.ref),
            "units": sum(row["total"] for row in summary)}


def render_wave_pick_list(wave, actor, order_url) -> bytes:
    """`order_url(order)` gives each order's address for its QR code."""
    return render_pdf("documents/wave_pick_list.html", wave=wave_context(wave, order_url), **_printing(actor))


def wave_document(wave) -> Document | None:
    return db.session.get(Document, wave.document_id) if wave.document_id else None


def print_wave_pick_list(wave, actor, order_url) -> Document:
    """Record a print of the wave's pick list (summary by bin, then each order); stored on first print.
    The wave's row is locked first: two printing at once store one document."""
    db.session.refresh(wave, ["document_id", "printed_at"], with_for_update=True)
    document = wave_document(wave)
    if document is None:
        content = render_wave_pick_list(wave, actor, order_url)
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


def render_packing_slip(order, actor) -> bytes:
    return render_pdf("documents/packing_slip.html", slip=pack_slip_for(order), business=company_details(),
                      **_printing(actor))


def packing_slip_document(order) -> Document | None:
    """The packing slip of this round if printed, else the last one issued for the order."""
    return find_document(order.id, "packing_slip", pick_round(order)) or db.session.execute(
        select(Document).where(Document.order_id == order.id, Document.kind == "packing_slip")
        .order_by(Document.revision.desc()).limit(1)
    ).scalar_one_or_none()


def print_packing_slip(order, actor) -> Document:
    """Record a print of the packing slip for what was packed this round (stored at the first print)."""
    document = find_document(order.id, "packing_slip", pick_round(order))
    again = document is not None
    if document is None:
        document = store_document(order, "packing_slip", render_packing_slip(order, actor),
                                  f"packing-slip-{order.number}.pdf", revision=pick_round(order), actor=actor)
    record_event("order.packing_slip_printed", f"Packing slip {'printed again' if again else 'printed'}",
                 order=order, actor=actor, after={"document_id": document.id})
    return document
