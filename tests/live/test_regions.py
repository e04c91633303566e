"""Live regions: each one answers its htmx refresh with itself alone, never the whole page."""

from app.extensions import db
from app.orders import services as orders


def refresh(client, url, target):
    return client.get(url, headers={"HX-Request": "true", "HX-Target": target}).get_data(as_text=True)


def test_queue_region_redraws_with_the_new_order(client, login, users, make_order):
    login("fulfillment")
    assert "Nothing to pick" in refresh(client, "/fulfillment/?view=to_pick", "queue")
    order = make_order(submit=True)
    html = refresh(client, "/fulfillment/?view=to_pick", "queue")
    assert html.lstrip().startswith('<div id="queue"') and html.count('id="queue"') == 1
    assert order.number in html and "<html" not in html
    assert 'hx-get="/fulfillment/?view=to_pick"' in html


def test_manager_counts_region(client, login, make_order):
    make_order(submit=True)
    login("manager")
    html = refresh(client, "/manager/", "counts")
    assert html.lstrip().startswith('<section id="counts"') and 'id="queue"' not in html
    assert 'data-live-topic="orders"' in html


def test_inventory_panels_region(client, login, make_order):
    make_order(submit=True)
    login("inventory")
    html = refresh(client, "/inventory/", "stock-panels")
    assert html.lstrip().startswith('<aside id="stock-panels"') and "Low stock" in html


def test_order_page_region_shows_new_status_and_history(client, login, users, make_order):
    order = make_order(submit=True)
    login("sales")
    orders.transition(order, "start_pick", users["fulfillment"])
    db.session.commit()
    html = refresh(client, f"/orders/{order.number}", "order-live")
    assert html.lstrip().startswith('<div id="order-live"') and "<html" not in html
    assert "Picking" in html and "Start picking: Confirmed → Picking" in html
    assert f'data-live-topic="order:{order.id}"' in html


def test_a_draft_page_follows_its_order_once_numbered(client, login, users, make_order):
    draft = make_order()
    login("sales")
    orders.submit_order(draft, users["sales"])
    db.session.commit()
    response = client.get(f"/orders/DRAFT-{draft.id}", headers={"HX-Request": "true", "HX-Target": "order-live"})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{draft.number}"


def test_top_bar_menu_and_alert_regions(client, login, make_order):
    make_order(submit=True)
    login("fulfillment")
    menu = client.get("/notifications/menu", headers={"HX-Request": "true", "HX-Current-URL": "http://x/fulfillment/?view=to_pick"})
    html = menu.get_data(as_text=True)
    assert html.lstrip().startswith('<details id="notif-menu"') and 'data-unread="1"' in html
    assert 'name="next" value="/fulfillment/?view=to_pick"' in html
    assert client.get("/notifications/alerts").get_data(as_text=True).lstrip().startswith('<div id="alerts"')
