"""The import page: upload → preview (counts, sample, every bad row) → apply, manager and admin."""

import re
from io import BytesIO

from sqlalchemy import func, select

from app.catalog.models import Product
from app.dataio.models import ImportUpload
from app.events.models import Event
from app.extensions import db
from tests.dataio.helpers import GOOD_PRODUCTS, products_csv, row_counts


def upload(client, token, data, kind="products", filename="products.csv"):
    return client.post("/imports/", content_type="multipart/form-data",
                       data={"csrf_token": token, "kind": kind, "file": (BytesIO(data), filename, "text/csv")})


def preview_of(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"])
    return response.headers["Location"], page.status_code, page.get_data(as_text=True)


def count(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">([\d,]+)<', html).group(1).replace(",", ""))


def test_a_bad_row_is_listed_on_the_preview_and_apply_is_off(client, login):
    token = login("manager")
    bad = products_csv("P-1,Hinge,,each,1,,12.50,20,,,yes", "P-2,Screw,,each,1,,12.5.0,20,,,yes")
    url, status, html = preview_of(client, upload(client, token, bad))
    assert status == 200
    assert count(html, "problems") == 1 and count(html, "new") == 1
    problems = html.split('id="problems"')[1].split("</table>")[0]
    assert re.search(r'<td class="num">3</td><td class="mono">list_price</td><td>“12.5.0” is not an amount', problems)
    assert re.search(r"<button type=\"button\" disabled[^>]*>Apply</button>", html)
    assert "nothing will be imported" in html
    before = row_counts()
    # a hand-made POST to apply is refused all the same, with the problems, and writes nothing
    response = client.post(url + "/apply", data={"csrf_token": token})
    assert response.status_code == 422 and "list_price" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_good_file_is_previewed_then_applied_once_as_one_event(client, login, users):
    token = login("admin")
    url, status, html = preview_of(client, upload(client, token, GOOD_PRODUCTS))
    assert (count(html, "new"), count(html, "changed"), count(html, "problems")) == (3, 0, 0)
    assert "Brass hinge 50 mm" in html.split('id="sample"')[1]
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 0  # the preview writes nothing
    response = client.post(url + "/apply", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/imports/"
    page = client.get("/imports/").get_data(as_text=True)
    assert "Imported products.csv: 3 new, 0 changed, 0 unchanged (3 rows)." in page
    assert db.session.execute(select(func.count()).select_from(Product)).scalar_one() == 3
    (event,) = db.session.execute(select(Event).where(Event.kind == "import.applied")).scalars().all()
    assert event.actor_id == users["admin"].id and event.after["new"] == 3
    # the same upload cannot be applied twice
    again = client.post(url + "/apply", data={"csrf_token": token})
    assert again.status_code == 302
    assert "already been imported" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Event).where(Event.kind == "import.applied")).scalar_one() == 1


def test_apply_writes_the_previewed_bytes_and_refuses_when_they_no_longer_check_out(client, login, make_product):
    token = login("manager")
    url, _status, _html = preview_of(client, upload(client, token, b"sku,on_hand\r\nSKU-X,5\r\n", kind="stock",
                                                    filename="stock.csv"))
    assert "SKU-X" in client.get(url).get_data(as_text=True)
    stored = db.session.execute(select(ImportUpload)).scalar_one()
    assert stored.content == b"sku,on_hand\r\nSKU-X,5\r\n" and stored.kind == "stock"
    # the product did not exist at upload: refused at apply, listing the row
    response = client.post(url + "/apply", data={"csrf_token": token})
    assert response.status_code == 422 and "no product with the SKU" in response.get_data(as_text=True)
    make_product(sku="SKU-X", on_hand=0)
    assert client.post(url + "/apply", data={"csrf_token": token}).status_code == 302
    assert db.session.execute(select(Product.on_hand).where(Product.sku == "SKU-X")).scalar_one() == 5


def test_upload_without_a_file_shows_the_form_again(client, login):
    token = login("manager")
    response = client.post("/imports/", data={"csrf_token": token, "kind": "products"})
    assert response.status_code == 422 and "Choose a CSV file" in response.get_data(as_text=True)


def test_export_links_download_the_same_columns(client, login):
    token = login("manager")
    client.post(preview_of(client, upload(client, token, GOOD_PRODUCTS))[0] + "/apply", data={"csrf_token": token})
    page = client.get("/imports/").get_data(as_text=True)
    assert 'href="/imports/export/products.csv"' in page
    response = client.get("/imports/export/products.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.splitlines()[0] == "sku,name,description,unit,pack_size,bin,list_price,tax_rate,lead_time_days,reorder_point,active"
    assert "P-100,Brass hinge 50 mm" in body
    assert client.get("/imports/export/stock.csv").status_code == 404


def test_only_manager_and_admin_see_the_import_link(client, login):
    login("sales")
    assert 'href="/imports/"' not in client.get("/sales/").get_data(as_text=True)
    assert client.get("/imports/").status_code == 403
