"""Pick lists, wave pick lists and packing slips: real PDFs, read back with pypdf."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.catalog import stock
from app.documents.models import Document
from app.events.models import Event
from app.extensions import db
from app.orders import picking
from app.orders.models import SpecialRequest
from app.orders.pick_list import walk_key


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_walking_order_snakes_through_the_aisles():
    bins = ["B-02-1", "A-10-1", "", "A-02-1", "B-10-1", "A-02-2", "C-01-1"]
    assert sorted(bins, key=walk_key) == ["A-02-1", "A-02-2", "A-10-1", "B-10-1", "B-02-1", "C-01-1", ""]


def _order_with_bins(make_product, make_order, bins, quantity=1):
    products = [make_product(on_hand=50, bin_location=b, sku=f"SKU-P{i:03d}") for i, b in enumerate(bins)]
    return make_order([(p, quantity) for p in products], submit=True), products


@pytest.mark.real_pdf
def test_pick_list_pdf_in_bin_order_with_banner_and_number_on_every_page(client, login, make_product, make_order):
    bins = [f"{'AB'[i % 2]}-{(i * 7) % 23 + 1:02d}-1" for i in range(60)]
    order, products = _order_with_bins(make_product, make_order, bins)
    order.instructions = "Call 30 minutes before arrival."
    db.session.add(SpecialRequest(order_id=order.id, kind="gift_wrap", text="Wrap in red paper",
                                  owner_team="fulfillment", status="approved"))
    db.session.add(SpecialRequest(order_id=order.id, kind="engraving", text="Rejected idea",
                                  owner_team="fulfillment", status="rejected"))
    token = login("fulfillment")
    preview = client.get(f"/orders/{order.number}/pick-list.pdf")  # looking is not printing
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert db.session.execute(select(Document).where(Document.kind == "pick_list")).first() is None
    assert db.session.execute(select(Event).where(Event.kind == "order.pick_list_printed")).first() is None
    printed = client.post(f"/orders/{order.number}/pick-list.pdf", data={"csrf_token": token})
    assert printed.status_code == 303 and printed.headers["Location"] == f"/orders/{order.number}/pick-list.pdf"
    response = client.get(printed.headers["Location"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = pages_text(response.data)
    assert len(pages) >= 2
    for n, text in enumerate(pages, 1):
        assert order.number in text and f"page {n} of {len(pages)}" in text
    text = "\n".join(pages)
    assert "GIFT WRAP: Wrap in red paper" in text and "Rejected idea" not in text
    assert "Call 30 minutes before arrival." in text
    printed_skus = re.findall(r"SKU-P\d{3}", text)
    expected = [p.sku for p in sorted(products, key=lambda p: walk_key(p.bin_location))]
    assert list(dict.fromkeys(printed_skus)) == expected
    # Printing is recorded; a reprint serves the stored bytes.
    again = client.post(f"/orders/{order.number}/pick-list.pdf", data={"csrf_token": token}, follow_redirects=True)
    assert again.data == response.data
    assert client.get(f"/orders/{order.number}/pick-list.pdf", headers={"If-None-Match": response.headers["ETag"]}
                      ).status_code == 304
    documents = db.session.execute(select(Document).where(Document.kind == "pick_list")).scalars().all()
    assert len(documents) == 1 and documents[0].content == response.data
    events = db.session.execute(select(Event.summary).where(Event.kind == "order.pick_list_printed")
                                .order_by(Event.id)).scalars().all()
    assert events == ["Pick list printed", "Pick list printed again"]


@pytest.mark.real_pdf
def test_wave_pick_list_has_a_bin_summary_then_each_order(client, login, make_product, make_order, users):
    shared = make_product(on_hand=50, bin_location="A-01-1", sku="SKU-SHARED")
    orders = [make_order([(shared, n), (make_product(on_hand=9, bin_location=f"C-0{n}-1"), 1)], submit=True)
              for n in (1, 2, 3)]
    wave = picking.start_wave(orders, users["fulfillment"])
    db.session.commit()
    token = login("fulfillment")
    response = client.post(f"/fulfillment/waves/{wave.id}/pick-list.pdf", data={"csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200
    pages = pages_text(response.data)
    assert len(pages) == 4  # summary, then one page per order
    assert wave.ref in pages[0] and "Summary by bin" in pages[0]
    summary_row = re.search(r"SKU-SHARED\s+Test product 1\s+(\d+)", pages[0])
    assert summary_row and summary_row.group(1) == "6"  # 1 + 2 + 3 units of the shared SKU
    # Each order has a tote slot: the summary says how many go in which tote, each page names its tote.
    numbers = [o.number for o in orders]
    assert "Totes: A {} · B {} · C {}".format(*numbers) in pages[0]
    assert re.search(r"A\s+1 {}\s+B\s+2 {}\s+C\s+3 {}".format(*numbers), pages[0])
    for order, slot, page in zip(orders, "ABC", pages[1:], strict=True):
        assert order.number in page and "page" in page and f"TOTE {slot} wave {wave.ref}" in page
    # The summary page carries a barcode per SKU row (plus the wave's own) to scan at the bin.
    summary_page = PdfReader(io.BytesIO(response.data)).pages[0].get_contents().get_data()
    assert len(re.findall(rb"/\S+ Do\b", summary_page)) == 1 + 4
    assert db.session.get(type(wave), wave.id).document_id is not None
    assert db.session.execute(select(Event).where(Event.kind == "order.pick_list_printed")).scalars().all()


@pytest.mark.real_pdf
def test_packing_slip_lists_this_parcel_and_what_follows(client, login, make_product, make_order, users):
    a, b = make_product(on_hand=5, sku="SKU-PA"), make_product(on_hand=1, sku="SKU-PB")
    order = make_order([(a, 2), (b, 3)], submit=True)
    picking.start_picking(order, users["fulfillment"])
    picking.scan(order, "SKU-PA", 2, users["fulfillment"])
    picking.scan(order, "SKU-PB", 1, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    db.session.commit()
    login("fulfillment")
    response = client.get(f"/orders/{order.number}/packing-slip.pdf")
    text = "\n".join(pages_text(response.data))
    assert order.number in text and "In this parcel" in text and "To follow" in text
    assert re.search(r"SKU-PB.*\b2\b", text.split("To follow")[1], re.S)


def test_stock_check_cli(runner, make_product, make_order, users):
    product = make_product(on_hand=4)
    make_order([(product, 2)], submit=True)
    stock.receive_stock(product, 3, "PO", users["inventory"])
    db.session.commit()
    result = runner.invoke(args=["stock", "check"])
    assert result.exit_code == 0 and "reconciles" in result.output
    product.reserved = 3  # a reservation nobody holds
    db.session.commit()
    result = runner.invoke(args=["stock", "check"])
    assert result.exit_code == 1
    assert product.sku in result.output and "reserved 3 vs held by open orders 2" in result.output
