"""Every list that can grow downloads as CSV (`?format=csv`): the whole list as searched, not
one page, for whoever may see the list, with cells a spreadsheet could run neutralised."""

import csv
import io

from app.escalations.services import escalate
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed
from tests.conftest import log_out


def rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_customers_list_exports_every_match_not_one_page(app, client, login, make_customer, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make_customer(f"Harrow Fixings {n}")
    make_customer("=HYPERLINK(\"http://evil\")", phone="+44 113 496 0000")
    make_customer("Birchwood Joinery")
    db.session.commit()
    login("sales")
    page = client.get("/sales/customers/?q=Harrow").get_data(as_text=True)
    assert 'href="/sales/customers/?q=Harrow&amp;format=csv"' in page and "Export CSV" in page

    found = rows(client.get("/sales/customers/?q=Harrow&format=csv"))
    assert sorted(r["name"] for r in found) == [f"Harrow Fixings {n}" for n in range(5)]  # all five, past page 1
    assert list(found[0]) == ["code", "name", "email", "phone", "contact", "address", "payment_terms",
                              "credit_limit", "vat_number"]  # the customers file of CONTRACTS.md
    everyone = rows(client.get("/sales/customers/?format=csv"))
    evil = next(r for r in everyone if "HYPERLINK" in r["name"])
    assert evil["name"].startswith("'=") and evil["phone"] == "'+44 113 496 0000"


def test_products_list_exports_stock_figures_for_inventory_only(client, login, make_product):
    make_product(sku="SKU-H1", name="Brass hinge", on_hand=7, reorder_point=3)
    make_product(sku="SKU-S1", name="Steel screw")
    db.session.commit()
    login("inventory")
    found = rows(client.get("/inventory/products?q=hinge&format=csv"))
    assert [(r["sku"], r["on_hand"], r["available"], r["reorder_point"], r["active"]) for r in found] == [
        ("SKU-H1", "7", "7", "3", "yes")]
    log_out(client)
    login("sales")
    assert client.get("/inventory/products?format=csv").status_code == 403  # the list is not theirs


def test_escalations_export_the_tab_shown(client, login, order_in, users):
    with confirmations_suppressed():
        first, second = order_in("confirmed"), order_in("confirmed")
    escalate(first, "-1 units short, customer chasing", users["sales"])
    escalate(second, "Promised date slipped", users["sales"])
    db.session.commit()
    login("manager")
    page = client.get("/escalations/").get_data(as_text=True)
    assert "format=csv" in page
    found = rows(client.get("/escalations/?show=open&format=csv"))
    assert [(r["order"], r["raised_by"], r["status"]) for r in found] == [
        (first.ref, users["sales"].display_name, "open"), (second.ref, users["sales"].display_name, "open")]
    assert found[0]["reason"] == "'-1 units short, customer chasing"
    assert rows(client.get(f"/escalations/?q={second.ref}&format=csv"))[0]["order"] == second.ref
    assert rows(client.get("/escalations/?show=resolved&format=csv")) == []
