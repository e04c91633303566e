"""50 staff on the desk for bench/bench_load.py (locust; run headless against gunicorn).

20 sales reps take orders (find the customer, start a draft, add lines one by one, review,
acknowledge the checks, submit), 10 inventory staff watch their dashboard, look products up
and receive stock, 10 fulfillment staff watch their queue, preview pick lists and start
picking, 10 managers watch their dashboard, search orders and read the reports. Everyone logs
in through the form as the demo user of their role (password `demo`), sends the CSRF token
the page gave them, pauses like a person between steps, and keeps the live feed polling at
the page's interval as an open browser tab does. Requests are named by page, so locust's
statistics are per page.
"""

import random
import re

import gevent
from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
SINCE = re.compile(r'data-live-since="(\d+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
DRAFT = re.compile(r"/sales/orders/(DRAFT-\d+)/")
FLAG_KEY = re.compile(r'name="key" (?:type="hidden" )?value="([^"]+)"')
ORDER_REF = re.compile(r'href="/orders/(SO-\d{4}-\d+)"')
SKU = re.compile(r'href="/inventory/products/(?!new")([^"/?]+)"')  # a product's page, not "Add product"
CUSTOMER_ID = re.compile(r'name="customer_id" value="(\d+)"')
PICK_SKU = re.compile(r'data-pick-value="([^"]+)"')
HX = {"HX-Request": "true"}
LIVE_POLL_SECONDS = 1.5
WORDS = ("Ltd", "Engineering", "Supplies", "Trading", "Services", "Group")


class Staff(HttpUser):
    abstract = True
    role = ""
    wait_time = between(2, 8)

    def on_start(self):
        page = self.client.get("/login", name="login form").text
        answer = self.client.post("/login", {"username": self.role, "password": "demo", "csrf_token": token(page)},
                                  name="log in")
        self.token = token(answer.text)
        self.since = max(int(v) for v in SINCE.findall(answer.text) or ["0"])
        self.poller = gevent.spawn(self.poll_live)

    def on_stop(self):
        self.poller.kill()

    def poll_live(self):
        """The top bar's live feed: a poll every interval; a change moves the cursor on."""
        while True:
            gevent.sleep(LIVE_POLL_SECONDS)
            answer = self.client.get(f"/live/feed?since={self.since}&topics=orders,notifications",
                                     headers=HX, name="live feed poll")
            if answer.status_code == 200:
                self.since = answer.json().get("head", self.since)

    def page(self, path, name, target=None):
        headers = {**HX, "HX-Target": target} if target else {}
        return self.client.get(path, headers=headers, name=name).text

    def post(self, path, name, data, htmx=True):
        headers = {"X-CSRFToken": self.token, **(HX if htmx else {})}
        return self.client.post(path, data={"csrf_token": self.token, **data}, headers=headers, name=name)


def token(html):
    match = CSRF.search(html)
    return match.group(1) or match.group(2) if match else ""


def version(html):
    found = VERSION.findall(html)
    return max(map(int, found)) if found else 0


class Sales(Staff):
    role = "sales"
    fixed_count = 20

    @task(1)
    def dashboard(self):
        self.page("/sales/", "sales dashboard")

    @task(4)
    def take_order(self):
        results = self.page(f"/sales/customers/search?q={random.choice(WORDS)}", "customer search",
                            "customer-results")
        ids = CUSTOMER_ID.findall(results)
        gevent.sleep(random.uniform(1, 3))
        if not ids:
            return
        draft = self.post("/sales/orders/new", "start draft", {"customer_id": random.choice(ids), "channel": "phone"},
                          htmx=False).text
        found = DRAFT.search(draft)
        if not found:
            return
        ref, at = found.group(1), version(draft)
        for _ in range(random.randint(3, 10)):
            gevent.sleep(random.uniform(1, 4))
            lookup = self.page(f"/sales/orders/{ref}/products?sku={random.choice('ABCDEFGHKLMPRST')}",
                               "product lookup", "product-results")
            skus = PICK_SKU.findall(lookup)
            if not skus:
                continue
            answer = self.post(f"/sales/orders/{ref}/lines", "add line",
                               {"version": at, "sku": random.choice(skus), "quantity": random.choice((1, 2, 5, 10))})
            at = version(answer.text) or at
        review = self.page(f"/sales/orders/{ref}/review", "review draft")
        keys = FLAG_KEY.findall(review)
        if keys:
            self.client.post(f"/sales/orders/{ref}/flags/acknowledge-all", name="acknowledge checks",
                             data=[("csrf_token", self.token), ("version", version(review))] + [("key", k) for k in keys],
                             headers={"X-CSRFToken": self.token, **HX})
            review = self.page(f"/sales/orders/{ref}/review", "review draft")
        gevent.sleep(random.uniform(1, 3))
        self.post(f"/sales/orders/{ref}/submit", "submit", {"version": version(review)}, htmx=False)


class Inventory(Staff):
    role = "inventory"
    fixed_count = 10

    @task(3)
    def dashboard(self):
        self.page("/inventory/", "inventory dashboard")

    @task(3)
    def product(self):
        found = SKU.findall(self.page(f"/inventory/products?q={random.choice('ABCDEFGHKLMPRST')}", "product search"))
        if found:
            gevent.sleep(random.uniform(1, 3))
            self.page(f"/inventory/products/{random.choice(found)}", "inventory product page")

    @task(1)
    def receive(self):
        found = SKU.findall(self.page("/inventory/products", "product list"))
        if found:
            sku = random.choice(found)
            self.page(f"/inventory/products/{sku}", "inventory product page")
            gevent.sleep(random.uniform(2, 5))
            self.post(f"/inventory/products/{sku}/receive", "receive stock",
                      {"quantity": random.randint(5, 50), "reference": f"PO-{random.randint(1000, 9999)}"}, htmx=False)


class Fulfillment(Staff):
    role = "fulfillment"
    fixed_count = 10

    @task(3)
    def dashboard(self):
        self.page("/fulfillment/", "fulfillment dashboard")

    @task(2)
    def pick(self):
        refs = ORDER_REF.findall(self.page("/fulfillment/?view=to_pick", "ready to pick"))
        if not refs:
            return
        ref = random.choice(refs[:25])
        order = self.page(f"/orders/{ref}", "order page")
        if f"/orders/{ref}/transition/start_pick" not in order:
            return  # a colleague started it since the list was drawn: the page offers no Start picking
        gevent.sleep(random.uniform(1, 3))
        self.client.get(f"/orders/{ref}/pick-list.pdf", name="pick list preview (PDF)")
        gevent.sleep(random.uniform(2, 5))
        with self.client.post(f"/orders/{ref}/transition/start_pick", name="start picking",
                              data={"csrf_token": self.token, "version": version(order)},
                              headers={"X-CSRFToken": self.token, **HX}, catch_response=True) as answer:
            if answer.status_code == 409:  # a colleague started it first: the page says so
                answer.success()


class Manager(Staff):
    role = "manager"
    fixed_count = 10

    @task(3)
    def dashboard(self):
        self.page("/manager/", "manager dashboard")
        gevent.sleep(random.uniform(1, 3))
        self.page("/manager/", "manager counts refresh", "counts")

    @task(2)
    def search(self):
        refs = ORDER_REF.findall(self.page(f"/search?q={random.choice(WORDS)}", "order search"))
        if refs:
            gevent.sleep(random.uniform(1, 3))
            self.page(f"/orders/{random.choice(refs)}", "order page")

    @task(1)
    def reports(self):
        self.page("/manager/review", "periodic review (reports)")
        gevent.sleep(random.uniform(2, 5))
        self.page("/escalations/", "escalations")
