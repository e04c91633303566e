"""An order's money (app/orders/money.py): net, VAT per rate rounded half up, gross; the rate
kept on each line; customers who pay no VAT; the installation's currency on screen."""

from decimal import Decimal

import pytest

from app.extensions import db
from app.orders import amendments, drafts
from app.orders.money import order_totals, printed_totals, totals
from app.settings.models import Setting


class Line:
    """An order line as totals() reads it (no database needed for the arithmetic)."""

    def __init__(self, unit_price, quantity, tax_rate=None, product_rate="20"):
        self.unit_price, self.quantity = Decimal(unit_price), quantity
        self.tax_rate = None if tax_rate is None else Decimal(tax_rate)
        self.product = type("P", (), {"tax_rate": Decimal(product_rate)})()


def test_mixed_rates_give_one_vat_line_per_rate_highest_first():
    t = totals([Line("10.00", 3, "20"), Line("4.99", 2, "5"), Line("7.50", 1, "0"), Line("1.25", 4, "20")])
    assert t.net == Decimal("52.48")  # 30.00 + 9.98 + 7.50 + 5.00
    assert [(v.rate, v.net, v.vat) for v in t.vat_lines] == [
        (Decimal("20.00"), Decimal("35.00"), Decimal("7.00")),
        (Decimal("5.00"), Decimal("9.98"), Decimal("0.50")),  # 0.499 rounds up
        (Decimal("0.00"), Decimal("7.50"), Decimal("0.00")),
    ]
    assert t.vat == Decimal("7.50") and t.gross == Decimal("59.98") and t.note == ""


def test_vat_is_rounded_half_up_on_each_rates_net_not_per_line():
    # three lines of 0.02 at 20 %: 0.004 each would round to 0.00 three times; on the 0.06 net it is 0.012 → 0.01
    assert totals([Line("0.02", 1, "20")] * 3).vat == Decimal("0.01")
    # exactly half a penny goes up: 0.10 at 5 % is 0.005 → 0.01; 0.30 at 17.5 % is 0.0525 → 0.05
    assert totals([Line("0.10", 1, "5")]).vat == Decimal("0.01")
    assert totals([Line("0.30", 1, "17.5")]).vat == Decimal("0.05")


@pytest.mark.parametrize("treatment, words", [
    ("reverse_charge", "Reverse charge: customer to account for VAT to HMRC"),
    ("zero_rated", "Zero-rated export"),
    ("exempt", "Exempt from VAT"),
])
def test_customers_who_pay_no_vat_pay_the_net_and_the_document_says_why(app, treatment, words):
    t = totals([Line("10.00", 3, "20"), Line("4.00", 1, "5")], treatment)
    assert t.net == t.gross == Decimal("34.00") and t.vat == Decimal("0.00")
    assert [(v.rate, v.vat) for v in t.vat_lines] == [(Decimal("0.00"), Decimal("0.00"))]
    assert words in t.note
    printed = printed_totals(t)
    assert printed["vat_lines"] == [{"label": "VAT at 0%", "net": "£34.00", "vat": "£0.00"}]
    assert printed["gross"] == "£34.00" and words in printed["note"]


def test_a_line_without_a_kept_rate_falls_back_to_the_products_rate_now():
    t = totals([Line("10.00", 1, None, product_rate="5"), Line("10.00", 1, "20", product_rate="5")])
    assert [(v.rate, v.vat) for v in t.vat_lines] == [(Decimal("20.00"), Decimal("2.00")), (Decimal("5.00"), Decimal("0.50"))]


def test_every_new_line_keeps_the_products_rate_and_a_later_rate_change_leaves_the_order(
        make_order, make_product, make_customer, users):
    food, tool = make_product(price="2.00", tax_rate=Decimal("5")), make_product(price="10.00")
    order = make_order(lines=[(tool, 1)])  # services.add_line (demo data, tests)
    drafts.add_product(order, food, 10, users["sales"])  # the sales desk and email intake
    db.session.commit()
    assert [line.tax_rate for line in order.lines] == [Decimal("20.00"), Decimal("5.00")]
    food.tax_rate = Decimal("0")
    db.session.commit()
    assert order_totals(order).vat == Decimal("3.00")  # 2.00 on 10.00 + 1.00 on 20.00: still 5 %


def test_an_amendment_that_adds_a_product_keeps_its_rate(make_order, make_product, users):
    order = make_order(submit=True)
    zero = make_product(price="3.00", tax_rate=Decimal("0"))
    amendments._add(order, zero, 2)
    db.session.flush()
    assert order.lines[-1].tax_rate == Decimal("0.00")
    assert order_totals(order).vat_lines[-1].rate == Decimal("0.00")


def test_the_order_page_and_the_draft_show_net_vat_per_rate_and_total(client, login, make_order, make_product):
    order = make_order(lines=[(make_product(price="10.00"), 3), (make_product(price="4.00", tax_rate=Decimal("5")), 5)])
    login("sales")
    for url in (f"/sales/orders/{order.ref}/edit", f"/sales/orders/{order.ref}/review", f"/orders/{order.ref}"):
        page = " ".join(client.get(url).get_data(as_text=True).split())
        assert "Net</th><td class=\"num\">£50.00" in page, url
        assert "VAT at 20%" in page and "£6.00" in page, url
        assert "VAT at 5%" in page and "£1.00" in page, url
        assert "Total</th><td class=\"num total\">£57.00" in page, url


def test_a_reverse_charge_customer_sees_no_vat_and_the_words_on_the_order_page(client, login, make_order, make_customer):
    order = make_order(customer=make_customer(tax_treatment="reverse_charge", vat_number="DE123456789"), submit=True)
    login("sales")
    page = client.get(f"/orders/{order.ref}").get_data(as_text=True)
    assert "VAT at 0%" in page and "Reverse charge: customer to account for VAT to HMRC" in page


def test_the_installations_currency_is_shown_as_the_business_locale_writes_it(app, client, login, make_order):
    order = make_order()
    app.config["CURRENCY"] = "EUR"
    try:
        login("sales")
        page = client.get(f"/orders/{order.ref}").get_data(as_text=True)
        assert "€24.00" in page and "£" not in page  # 2 × 10.00 + 20 % VAT
        db.session.add(Setting(name="CURRENCY", value="USD"))  # the settings page wins over the environment
        db.session.commit()
        assert "US$24.00" in client.get(f"/orders/{order.ref}").get_data(as_text=True)
    finally:
        app.config["CURRENCY"] = "GBP"


def test_csv_exports_keep_plain_decimals(client, login, make_order):
    make_order(submit=True)
    login("manager")
    body = client.get("/search.csv").get_data(as_text=True)
    assert ",20.00," in body and "£" not in body
