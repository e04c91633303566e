"""VAT and the company's legal details on the customer's documents: the confirmation PDF and
its email, and the packing slip — real PDFs read back with pypdf (two PDFs in all: they are slow)."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.documents.deferred import render_now
from app.documents.models import Document
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders import picking
from app.settings.models import Setting
from tests.orders.helpers import pdf_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def company(app):
    """The company's numbers as saved on the settings page."""
    db.session.add_all([Setting(name="COMPANY_NUMBER", value="09876543"),
                        Setting(name="VAT_NUMBER", value="GB 123 4567 89"),
                        Setting(name="BUSINESS_EMAIL", value="accounts@northwind.example")])
    db.session.commit()


@pytest.fixture
def mixed_order(make_order, make_product, make_customer, company):
    """An order at 20 %, 5 % and 0 % for a UK trade customer with a VAT number, confirmed."""
    lines = [(make_product(sku="TAP-20", name="Mixer tap", price="40.00"), 2),
             (make_product(sku="SAFE-5", name="Child safety gate", price="19.99", tax_rate=Decimal("5")), 3),
             (make_product(sku="BOOK-0", name="Fitting manual", price="12.50", tax_rate=Decimal("0")), 1)]
    customer = make_customer("Calder Plumbing Ltd", vat_number="GB 987 6543 21")
    return make_order(lines=lines, customer=customer, submit=True)


def words(text: str) -> str:
    return " ".join(text.split())


def snap(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)  # `pdftoppm -png -r 60` it to look


@pytest.mark.real_pdf
def test_confirmation_pdf_and_email_show_net_vat_per_rate_gross_and_both_vat_numbers(mixed_order):
    document = render_now(db.session.execute(select(Document).where(
        Document.order_id == mixed_order.id, Document.kind == "confirmation")).scalar_one())
    snap("vat-confirmation.pdf", document.content)
    text = words(pdf_text(document.content))
    # 80.00 at 20 % + 59.97 at 5 % + 12.50 at 0 % = 152.47 net; VAT 16.00 + 3.00 (2.9985) + 0.00
    assert "Net £152.47" in text
    assert "VAT at 20% on £80.00 £16.00" in text and "VAT at 5% on £59.97 £3.00" in text and "VAT at 0% on £12.50 £0.00" in text
    assert "Total to pay £171.47" in text
    assert "VAT registration No. GB 123 4567 89" in text and "Registered in England and Wales No. 09876543" in text
    assert "VAT No. GB 987 6543 21" in text  # the customer's
    assert "accounts@northwind.example" in text
    email = db.session.execute(select(OutboxMessage).where(OutboxMessage.order_id == mixed_order.id)).scalar_one()
    for body in (email.body_text, email.body_html):
        assert "£152.47" in body and "VAT at 20%" in body and "£171.47" in body
        assert "Registered in England and Wales No. 09876543" in body and "VAT registration No. GB 123 4567 89" in body
    assert "Your VAT No. GB 987 6543 21" in email.body_text
    assert "GBP" not in email.body_text + email.body_html + text


@pytest.mark.real_pdf
def test_packing_slip_shows_the_order_value_and_the_legal_words_for_a_reverse_charge_customer(
        client, login, make_order, make_product, make_customer, users, company):
    customer = make_customer("Rotterdam Bouw BV", tax_treatment="reverse_charge", vat_number="NL123456789B01")
    order = make_order(lines=[(make_product(sku="TAP-20", price="40.00"), 2)], customer=customer, submit=True)
    picking.start_picking(order, users["fulfillment"])
    picking.scan(order, "TAP-20", 2, users["fulfillment"])
    picking.finish_pick(order, users["fulfillment"])
    db.session.commit()
    login("fulfillment")
    response = client.get(f"/orders/{order.number}/packing-slip.pdf")
    snap("vat-packing-slip.pdf", response.data)
    text = words(pdf_text(response.data))
    assert "Net £80.00" in text and "VAT at 0% £0.00" in text and "Total £80.00" in text
    assert "Reverse charge: customer to account for VAT to HMRC" in text
    assert "Registered in England and Wales No. 09876543" in text and "VAT registration No. GB 123 4567 89" in text
