"""An order from the online channel with a check open waits in sales' "Needs review (online)"
queue; a rep opens it from there (screenshot: test-artifacts/screenshots/sales-needs-review-online.png)."""

from playwright.sync_api import expect

from app.api.tokens import create_token
from app.extensions import db
from app.orders.confirmation import confirmations_suppressed


def test_an_online_order_with_a_check_waits_in_sales_queue(page, client, live_server, browser_login, screenshot,
                                                          users, make_product, make_customer):
    make_product(sku="SKU-0001", on_hand=20)
    customer = make_customer(name="Birchwood Cafe")
    _row, token = create_token("Web shop")
    db.session.commit()
    body = {"customer": {"code": customer.code}, "lines": [{"sku": "SKU-0001", "quantity": 2}],
            "special_requests": [{"kind": "gift_wrap", "text": "Wrap in blue paper"}]}
    with confirmations_suppressed():
        answer = client.post("/api/v1/orders", json=body,
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "browser-1"}).get_json()
    assert answer["status"] == "needs_review"
    browser_login(page, "sales")
    page.goto(f"{live_server}/sales/?view=needs_review")
    row = page.get_by_role("link", name=answer["ref"])
    expect(row).to_be_visible()
    screenshot(page, "sales-needs-review-online")
    row.click()
    expect(page.locator("main").get_by_text("Wrap in blue paper").first).to_be_visible()
    screenshot(page, "online-order-needs-review")
