"""Messages say what happened: the record, the outcome and who is next."""

from app.web.messages import outcome
from tests.conftest import csrf_from


def test_outcome_shape():
    assert outcome("SO-2026-00473", "delivery window request added", "waiting for fulfillment") == \
        "SO-2026-00473: delivery window request added, waiting for fulfillment."
    assert outcome("SKU-1", "received 5", "") == "SKU-1: received 5."


def test_receiving_stock_says_how_many_are_now_on_hand(client, login, make_product):
    token = login("inventory")
    product = make_product(on_hand=10)
    response = client.post(f"/inventory/products/{product.sku}/receive",
                           data={"csrf_token": token, "quantity": "5", "reference": "PO-1"}, follow_redirects=True)
    assert f"{product.sku}: received 5, now 15 on hand." in response.get_data(as_text=True)


def test_admin_creating_a_user_says_with_which_roles(client, login):
    token = login("admin")
    response = client.post("/admin/", data={"csrf_token": token, "username": "newbie", "full_name": "New Bie",
                                            "email": "new@example.com", "password": "long-password-1",
                                            "roles": ["sales", "inventory"]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "User newbie: created as sales, inventory, they can log in now." in page
    assert csrf_from(page)
