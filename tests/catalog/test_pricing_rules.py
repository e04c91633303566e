"""Which price applies on a day and at a quantity, and why: the customer's own price, else
their (active) price list, else a quantity break below list, else the list price."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.catalog.models import CustomerPrice, PriceBreak, PriceList, PriceListItem
from app.catalog.pricing import active_price_lists, price_for, prices_for
from app.extensions import db
from app.timeutil import business_today
from tests.conftest import counting_statements

DAY = date(2026, 6, 15)


@pytest.fixture
def shop(make_product, make_customer):
    """A 10.00 product with a break at 10 (9.00); a trade list at 8.50 from 1 and 8.00 from 20;
    customer C0001 is on the list with their own 7.50 from 10; C0002 is on the list only."""
    product = make_product(price="10.00")
    trade = PriceList(code="TRADE", name="Trade")
    db.session.add(trade)
    db.session.flush()
    mine = make_customer(code="C0001", price_list_id=trade.id)
    listed = make_customer(code="C0002", price_list_id=trade.id)
    walk_in = make_customer(code="C0003")
    db.session.add_all([
        PriceBreak(product_id=product.id, min_quantity=10, unit_price=Decimal("9.00")),
        PriceListItem(price_list_id=trade.id, product_id=product.id, min_quantity=1, unit_price=Decimal("8.50")),
        PriceListItem(price_list_id=trade.id, product_id=product.id, min_quantity=20, unit_price=Decimal("8.00")),
        CustomerPrice(customer_id=mine.id, product_id=product.id, min_quantity=10, unit_price=Decimal("7.50"),
                      valid_to=date(2026, 12, 31)),
    ])
    db.session.commit()
    return product, trade, mine, listed, walk_in


def _price(customer, product, quantity, on=DAY):
    return price_for(customer.id if customer else None, product, quantity, on)


def test_the_customers_own_price_wins_from_its_quantity(shop):
    product, _trade, mine, _listed, _walk_in = shop
    price = _price(mine, product, 10)
    assert (price.unit_price, price.source) == (Decimal("7.50"), "customer")
    assert price.reason == "Customer price for C0001 (from 10, until 31/12/2026)"
    assert _price(mine, product, 500).unit_price == Decimal("7.50")


def test_below_the_customers_quantity_their_price_list_applies(shop):
    product, _trade, mine, _listed, _walk_in = shop
    price = _price(mine, product, 9)
    assert (price.unit_price, price.source, price.reason) == (Decimal("8.50"), "price_list", "Trade price list (from 1)")


def test_the_price_list_takes_the_item_from_the_highest_quantity_reached(shop):
    product, _trade, _mine, listed, _walk_in = shop
    assert _price(listed, product, 19).unit_price == Decimal("8.50")
    price = _price(listed, product, 20)
    assert (price.unit_price, price.reason) == (Decimal("8.00"), "Trade price list (from 20)")


def test_a_price_list_wins_over_a_cheaper_break(shop, make_customer):
    product, trade, _mine, listed, _walk_in = shop
    db.session.add(PriceBreak(product_id=product.id, min_quantity=5, unit_price=Decimal("6.00")))
    db.session.commit()
    assert _price(listed, product, 5).source == "price_list"


def test_an_inactive_price_list_is_ignored(shop):
    product, trade, _mine, listed, _walk_in = shop
    trade.active = False
    db.session.commit()
    assert _price(listed, product, 1).source == "list"
    price = _price(listed, product, 10)
    assert (price.unit_price, price.source, price.reason) == (Decimal("9.00"), "break", "Quantity break from 10")
    assert [pl.code for pl in active_price_lists()] == []


def test_without_agreements_the_best_break_or_the_list_price(shop):
    product, _trade, _mine, _listed, walk_in = shop
    assert _price(walk_in, product, 9) == _price(None, product, 9)
    price = _price(walk_in, product, 9)
    assert (price.unit_price, price.source, price.reason, price.label) == (
        Decimal("10.00"), "list", "List price", "List price")
    assert _price(walk_in, product, 10).reason == "Quantity break from 10"


def test_a_break_above_the_list_price_is_not_used(make_product, make_customer):
    product = make_product(price="10.00")
    db.session.add(PriceBreak(product_id=product.id, min_quantity=5, unit_price=Decimal("11.00")))
    db.session.commit()
    price = price_for(make_customer().id, product, 50, DAY)
    assert (price.unit_price, price.source) == (Decimal("10.00"), "list")


@pytest.mark.parametrize(("on", "applies"), [
    (date(2026, 12, 31), True),   # the last day is included
    (date(2027, 1, 1), False),
    (date(2026, 1, 1), True),
])
def test_the_customer_price_applies_until_its_last_day_inclusive(shop, on, applies):
    product, _trade, mine, _listed, _walk_in = shop
    assert (_price(mine, product, 10, on).source == "customer") is applies


def test_rows_outside_their_days_are_ignored(shop):
    product, trade, _mine, listed, walk_in = shop
    db.session.add_all([
        PriceListItem(price_list_id=trade.id, product_id=product.id, min_quantity=50, unit_price=Decimal("5.00"),
                      valid_from=date(2026, 7, 1)),
        PriceBreak(product_id=product.id, min_quantity=8, unit_price=Decimal("6.00"),
                   valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 14)),
    ])
    db.session.commit()
    assert _price(listed, product, 50).unit_price == Decimal("8.00")  # the 5.00 starts in July
    assert _price(listed, product, 50, date(2026, 7, 1)).unit_price == Decimal("5.00")
    assert _price(walk_in, product, 10).unit_price == Decimal("9.00")  # the 6.00 ended the day before
    # the day before, the cheaper break of the two that apply is the best
    six = _price(walk_in, product, 10, date(2026, 6, 14))
    assert (six.unit_price, six.reason) == (Decimal("6.00"), "Quantity break from 8, until 14/06/2026")


def test_a_newer_price_from_the_same_quantity_wins_while_both_apply(shop):
    product, _trade, mine, _listed, _walk_in = shop
    db.session.add(CustomerPrice(customer_id=mine.id, product_id=product.id, min_quantity=10,
                                 unit_price=Decimal("7.00"), valid_from=date(2026, 6, 1)))
    db.session.commit()
    assert _price(mine, product, 10).unit_price == Decimal("7.00")
    assert _price(mine, product, 10, date(2026, 5, 31)).unit_price == Decimal("7.50")


def test_the_day_defaults_to_the_business_today(shop):
    product, _trade, mine, _listed, _walk_in = shop
    today = price_for(mine.id, product, 10)
    assert today == price_for(mine.id, product, 10, business_today())
    expired = price_for(mine.id, product, 10, business_today() + timedelta(days=3650))
    assert expired.source == "price_list"


def test_prices_for_a_whole_order_take_the_same_few_queries_for_1_or_20_lines(shop, make_product):
    _product, trade, mine, _listed, _walk_in = shop
    products = [make_product(price="4.00") for _ in range(20)]
    for product in products:
        db.session.add_all([
            PriceBreak(product_id=product.id, min_quantity=2, unit_price=Decimal("3.50")),
            PriceListItem(price_list_id=trade.id, product_id=product.id, min_quantity=3, unit_price=Decimal("3.00")),
            CustomerPrice(customer_id=mine.id, product_id=product.id, min_quantity=4, unit_price=Decimal("2.00"))])
    db.session.commit()
    counts, customer_id = [], mine.id
    for wanted in ([(products[0], 4)], [(p, 1 + i % 4) for i, p in enumerate(products)]):
        db.session.expire_all()
        loaded = [(db.session.merge(p), q) for p, q in wanted]  # the products are loaded, as an order's lines are
        for p, _q in loaded:
            p.unit_price  # noqa: B018
        with counting_statements() as counted:
            prices = prices_for(customer_id, loaded, DAY)
        counts.append(len(counted))
    assert counts[0] == counts[1] <= 3
    assert [p.source for p in prices[:4]] == ["list", "break", "price_list", "customer"]
