"""Search through the databases' text indexes (SQLite FTS5 trigram, PostgreSQL pg_trgm):
parts of numbers, words of names, SKU fragments, any case; what people type is matched as
text, never as search syntax; changes are found at once; list counts stop at a cap. The same
answers on both databases (CI runs this file on each)."""

import re

import pytest

from app.catalog.queries import find_products, product_list
from app.customers.models import Customer
from app.customers.queries import customers_matching
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from tests.conftest import log_out
from tests.test_search import found, refs

SYNTAX = ['"', '""', "*", "a*", "NEAR", "NEAR(", "-", "--x", ":", "sku:", "%", "_", "%_", "\\", "^", "(", ")",
          "{", "AND", "OR NOT", 'Quote "Q', "'; DROP", "ÿ" * 3]


def rows(stmt) -> list:
    return db.session.execute(stmt).scalars().all()


@pytest.fixture
def shop(make_customer, make_product, make_order):
    """Three customers, three products (one with a GTIN) and an order of each customer, confirmed."""
    muller = make_customer("Müller Bäckerei GmbH", code="MUL01", contact_name="Jörg Brandt", phone="0113 496 0000")
    quote = make_customer('Quote "Q" Ltd', code="QUO01", email="orders@quote.example")
    plain = make_customer("Acme Tools", code="ACME1")
    bolt = make_product(sku="BOLT-M8-ZINC", name="Hex bolt M8 × 40, zinc", gtin="05012345678900")
    star = make_product(sku="STAR-1", name="Star*Bolt NEAR-1:2 50%_off")
    nut = make_product(sku="NUT-M8", name="Nut M8")
    with confirmations_suppressed():
        orders = [make_order(lines=[(p, 1)], customer=c, submit=True) for c, p in ((muller, bolt), (quote, star), (plain, nut))]
    orders[0].customer_reference, orders[1].customer_reference = "PO-77 Rush", "50%_OFF"
    db.session.commit()
    return {"orders": orders, "products": (bolt, star, nut), "customers": (muller, quote, plain)}


def test_orders_by_number_part_customer_word_po_and_line_sku(client, login, shop):
    muller, quote, plain = (o.ref for o in shop["orders"])
    login("sales")
    assert refs(found(client, f"/search?q={plain[-4:]}")) == [plain]  # the end of its number
    assert refs(found(client, "/search?q=BÄCKEREI")) == [muller]  # a word of the name, another case
    assert refs(found(client, "/search?q=bäck gmbh")) == [muller]  # every word, in any order
    assert refs(found(client, "/search?q=mul01")) == [muller]  # the customer's code
    assert refs(found(client, "/search?q=rush")) == [muller]  # a word of the PO
    assert refs(found(client, "/search?q=PO-77")) == [muller]
    assert refs(found(client, "/search?sku=m8-z")) == [muller]  # a fragment of a line's SKU
    assert refs(found(client, "/search?q=AC")) == [plain]  # short: the start of a code or number
    assert set(refs(found(client, "/search?q=SO"))) == {muller, quote, plain}
    assert refs(found(client, "/search?q=cafe")) == []


def test_products_by_sku_fragment_name_word_and_gtin(client, login, shop):
    bolt, star, nut = shop["products"]
    assert [p.sku for p in rows(product_list("m8"))] == []  # short: SKUs starting with it
    assert [p.sku for p in rows(product_list("-M8"))] == ["BOLT-M8-ZINC", "NUT-M8"]
    assert [p.sku for p in rows(product_list("ZINC hex"))] == ["BOLT-M8-ZINC"]
    assert [p.sku for p in rows(product_list("2345678"))] == ["BOLT-M8-ZINC"]  # part of the GTIN
    assert [p.sku for p in find_products("bo")] == ["BOLT-M8-ZINC"]
    assert [p.sku for p in find_products("bolt")] == ["BOLT-M8-ZINC", "STAR-1"]  # SKU start first, then names
    login("inventory")
    page = found(client, "/inventory/products?q=zinc")
    assert "BOLT-M8-ZINC" in page and "NUT-M8" not in page


def test_customers_by_code_name_contact_email_and_phone(shop):
    muller, quote, _plain = shop["customers"]
    assert rows(customers_matching("jörg")) == [muller]
    assert rows(customers_matching("JÖRG BRANDT")) == [muller]
    assert rows(customers_matching("quote.example")) == [quote]
    assert rows(customers_matching("0113 496 0000")) == [muller]
    assert rows(customers_matching("Mü")) == [muller]  # short: the start of a name or code
    assert rows(customers_matching("qu")) == [quote]


def test_search_syntax_is_text_and_never_an_error(client, login, shop):
    for role, urls in (("sales", ("/search", "/sales/customers/")), ("inventory", ("/inventory/products",))):
        login(role)
        for url in urls:
            for q in SYNTAX:
                assert client.get(url, query_string={"q": q}).status_code == 200, (url, q)
        log_out(client)


def test_syntax_characters_match_literally(client, login, shop):
    _muller, quote, _plain = (o.ref for o in shop["orders"])
    login("sales")
    assert refs(found(client, "/search?q=50%25_OFF")) == [quote]
    assert refs(found(client, "/search?q=%25_O")) == [quote]
    assert refs(found(client, "/search?q=%22Q%22")) == [quote]  # "Q" with its quotes
    assert refs(found(client, "/search?q=%25%25%25")) == []  # %%% is not a wildcard
    assert [p.sku for p in rows(product_list("Star*Bolt"))] == ["STAR-1"]
    assert [p.sku for p in rows(product_list("NEAR-1:2"))] == ["STAR-1"]
    assert [p.sku for p in rows(product_list("r*B"))] == ["STAR-1"]
    assert rows(product_list("t*B")) == [] and rows(product_list("NEAR(")) == []


def test_new_edited_and_deleted_rows_are_found_at_once(shop, make_customer, make_product):
    bolt = shop["products"][0]
    bolt.name = "Coach screw"
    new = make_product(sku="NEW-9", name="Fresh widget", on_hand=0)
    db.session.flush()
    assert rows(product_list("screw")) == [bolt] and rows(product_list("Hex bolt")) == []
    assert rows(product_list("widget")) == [new]
    db.session.delete(new)
    db.session.flush()
    assert rows(product_list("widget")) == []
    gone = make_customer("Transient Traders", code="TRA01")
    assert rows(customers_matching("transient")) == [gone]
    db.session.delete(gone)
    db.session.commit()
    assert rows(customers_matching("transient")) == [] and db.session.get(Customer, gone.id) is None


def test_list_counts_stop_at_the_cap_and_pages_still_turn(app, client, login, make_product, monkeypatch):
    for n in range(8):
        make_product(sku=f"CAP-{n}", name="Counted item")
    monkeypatch.setitem(app.config, "LIST_COUNT_CAP", 5)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login("inventory")
    first = found(client, "/inventory/products?q=counted")
    assert "Page 1 · 1–2 of 5+" in first and 'rel="next"' in first
    third = found(client, "/inventory/products?q=counted&page=3")
    assert "Page 3 · 5–6 of 6+" in third and re.search(r'href="[^"]*page=4', third)
    last = found(client, "/inventory/products?q=counted&page=4")
    assert "Page 4 of 4 · 8 in all" in last and 'rel="next"' not in last and "CAP-7" in last
    assert "CAP-7" in found(client, "/inventory/products?q=counted&page=99")  # past the end: the last page
