"""Going live on the business's own data, from an empty database (issue 12, "Done when"):
`users create` for the admin; the admin creates staff in the browser, sets the company's VAT
and registration numbers, imports products, customers, prices and opening stock from CSV
(a file with one bad row is refused with that row's line and nothing is written); a rep takes
an order that shows the imported customer price and VAT, and its confirmation PDF shows net,
VAT and gross with the company's VAT number; an order over a customer's credit limit cannot
be submitted until a manager clears it."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from app.catalog.models import CustomerPrice, Product
from app.customers.models import Customer
from app.extensions import db

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "Copper-Ledger-Window-41"
STAFF = {"sam": ("Sam Rivers", "Sales", "Tidal-Orchard-Lantern-8"),
         "mo": ("Mo Patel", "Manager", "Granite-Festival-Kettle-3")}
PRODUCTS = ("sku,name,description,unit,pack_size,bin,list_price,tax_rate,lead_time_days,reorder_point,active\r\n"
            "GL-100,Oak worktop 3m,Solid oak,each,1,A-01-1,250.00,20,5,2,yes\r\n"
            "GL-200,Children's safety gate,,each,1,A-01-2,40.00,5,5,2,yes\r\n"
            "GL-300,Brass hinge 75mm,Pair,pair,2,B-02-1,6.00,20,7,10,yes\r\n")
CUSTOMERS = ("code,name,email,phone,contact,address,payment_terms,credit_limit,vat_number\r\n"
             'C1001,Quayside Joinery,orders@quayside.example,0113 496 0101,Ann Lee,"4 Dock Road\nLeeds\nLS1 4AB",'
             "30 days,,GB980780684\r\n"
             'C1002,Small Shop Ltd,buy@smallshop.example,0113 496 0102,Ben Ode,"9 High St\nYork\nYO1 7HH",'
             "14 days,100.00,\r\n")
PRICES = ("customer_code,sku,min_quantity,unit_price,valid_from,valid_to\r\n"
          "C1001,GL-100,1,225.00,2020-01-01,\r\n"
          ",GL-300,50,5.40,,\r\n")
BAD_PRICES = ("customer_code,sku,min_quantity,unit_price,valid_from,valid_to\r\n"
              "C1002,GL-200,1,38.00,,\r\n"
              "C1002,GL-999,1,1.00,,\r\n")  # line 3: no such SKU
STOCK = "sku,on_hand\r\nGL-100,20\r\nGL-200,40\r\nGL-300,500\r\n"


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def _upload(page, live_server, tmp_path, kind, name, data):
    path = tmp_path / name
    path.write_text(data, encoding="utf-8", newline="")
    page.goto(f"{live_server}/imports/")
    page.select_option("#kind", kind)
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("h1")).to_have_text(f"Preview: {name}")


def _apply(page, name):
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Apply")).click()
    expect(page.locator(".flash--success")).to_contain_text(f"Imported {name}")


def _count(model) -> int:
    try:
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        db.session.remove()  # no read left open while the server writes


def _take_order(page, customer_name, sku, quantity):
    """At the desk: n, find the customer, add one line; the draft's edit page."""
    page.keyboard.press("n")
    expect(page.locator("#customer-q")).to_be_focused()
    page.keyboard.type(customer_name)
    options = page.locator("#customer-results [role=option]")
    expect(options.first).to_contain_text(customer_name)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sales/orders/DRAFT-\d+/edit$"))
    expect(page.locator("#add-sku")).to_be_focused()
    page.wait_for_load_state("load")
    page.keyboard.type(sku)
    page.keyboard.press("Tab")
    page.keyboard.type(str(quantity))
    page.keyboard.press("Enter")
    expect(page.locator("#draft-lines tbody tr").first).to_contain_text(sku)


@pytest.mark.real_pdf
def test_go_live_from_an_empty_database(app, browser, page, live_server, screenshot, tmp_path):
    page.set_default_timeout(20_000)
    assert _count(Customer) == 0 and _count(Product) == 0  # no demo data: an empty database
    created = app.test_cli_runner().invoke(args=["users", "create", "ada", "--role", "admin", "--full-name", "Ada Admin"],
                                           input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert created.exit_code == 0, created.output
    db.session.remove()  # the command's session ends here: the server writes from now on

    # the admin creates the staff in the browser
    _log_in(page, live_server, "ada", ADMIN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for username, (full_name, role, password) in STAFF.items():
        page.fill("#username", username)
        page.fill("#full_name", full_name)
        page.fill("#password", password)
        page.get_by_label(role, exact=True).check()
        page.get_by_role("button", name="Create user").click()
        expect(page.locator(".flash--success")).to_contain_text(f"User {username}: created as {role.lower()}")

    # company details for documents
    page.get_by_role("link", name="Settings").click()
    page.fill("#vat_number", "GB 123 4561 39")
    page.fill("#company_number", "09876543")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash--success")).to_contain_text("Settings saved")
    expect(page.locator("#vat_number")).to_have_value(re.compile(r"GB\s?123\s?456\s?1\s?39|GB\s?123\s?4561\s?39"))

    # the business's data from CSV: a bad row is refused with its line, and nothing is written
    _upload(page, live_server, tmp_path, "products", "products.csv", PRODUCTS)
    _apply(page, "products.csv")
    _upload(page, live_server, tmp_path, "customers", "customers.csv", CUSTOMERS)
    _apply(page, "customers.csv")
    _upload(page, live_server, tmp_path, "prices", "bad-prices.csv", BAD_PRICES)
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("3")
    expect(problems.first).to_contain_text("sku")
    expect(page.get_by_role("button", name=re.compile(r"^Apply"))).to_be_disabled()
    screenshot(page, "go-live-01-bad-prices-refused", full_page=True)
    assert _count(CustomerPrice) == 0  # the good line 2 was not imported either
    _upload(page, live_server, tmp_path, "prices", "prices.csv", PRICES)
    _apply(page, "prices.csv")
    _upload(page, live_server, tmp_path, "stock", "stock.csv", STOCK)
    _apply(page, "stock.csv")
    assert (_count(Product), _count(Customer), _count(CustomerPrice)) == (3, 2, 1)

    # a rep takes an order: the imported customer price, why, and VAT
    rep = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    rep.set_default_timeout(20_000)
    _log_in(rep, live_server, "sam", STAFF["sam"][2])
    expect(rep).to_have_url(re.compile(r"/sales/$"))
    _take_order(rep, "Quayside", "GL-100", 2)
    line = rep.locator("#draft-lines tbody tr").first
    expect(line).to_contain_text("225.00")
    expect(line.locator(".price-reason")).to_contain_text("Customer price for C1001")
    lines = rep.locator("#draft-lines")
    expect(lines).to_contain_text("Net")
    expect(lines).to_contain_text("VAT at 20%")
    expect(lines.locator(".total")).to_have_text("£540.00")  # 2 × 225.00 = 450.00 + 90.00 VAT
    screenshot(rep, "go-live-02-customer-price-and-vat", full_page=True)
    rep.keyboard.press("Alt+a")
    rep.keyboard.press("Alt+r")
    expect(rep).to_have_url(re.compile(r"/review$"))
    rep.get_by_role("button", name="Submit and confirm order").click()
    expect(rep).to_have_url(re.compile(r"/orders/SO-\d{4}-\d{5}$"))
    number = rep.url.rsplit("/", 1)[1]

    pdf = rep.request.get(f"{live_server}/orders/{number}/confirmation.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = re.sub(r"\s+", " ", text)
    for expected in ("Net £450.00", "VAT at 20% £90.00", "£540.00", "GB123456139", "09876543", "GB980780684"):
        assert expected in text, (expected, text)

    # an order past Small Shop's £100.00 limit waits for a manager
    rep.goto(f"{live_server}/sales/")
    rep.wait_for_load_state("load")
    _take_order(rep, "Small Shop", "GL-200", 3)  # 3 × 40.00 + 5 % VAT = 126.00
    expect(rep.locator("#verify")).to_contain_text("Takes C1002 to £126.00 against a limit of £100.00.")
    draft_url = rep.url
    rep.keyboard.press("Alt+a")
    rep.keyboard.press("Alt+r")
    expect(rep.locator("#credit-blocked")).to_be_visible()
    expect(rep.get_by_role("button", name="Submit and confirm order")).to_be_disabled()
    screenshot(rep, "go-live-03-credit-blocked", full_page=True)

    boss = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    boss.set_default_timeout(20_000)
    _log_in(boss, live_server, "mo", STAFF["mo"][2])
    boss.goto(draft_url)
    clear = boss.locator("#verify form.clear-credit")
    clear.get_by_label("Reason").fill("Paid the last invoice today")
    clear.get_by_role("button", name="Clear credit check").click()
    expect(boss.locator("#verify")).to_contain_text("Cleared by Mo Patel")
    boss.context.close()

    rep.reload()
    submit = rep.get_by_role("button", name="Submit and confirm order")
    expect(submit).to_be_enabled()
    submit.click()
    expect(rep).to_have_url(re.compile(r"/orders/SO-\d{4}-\d{5}$"))
    screenshot(rep, "go-live-04-submitted-after-clearance", full_page=True)
    rep.context.close()
