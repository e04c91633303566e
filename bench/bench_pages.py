"""The page table: every team's pages and the htmx regions they refresh, on the demo and on a year.

Run: `.venv/bin/python -m bench.bench_pages` (SQLite), with BENCH_DATABASE_URL=postgresql+psycopg://…
for PostgreSQL (databases named <that database>_demo and _year_<orders> are made beside it and
kept). The year is `flask seed-demo --orders 100000 --customers 5000 --products 20000` (sizes
from BENCH_ORDERS, BENCH_CUSTOMERS, BENCH_PRODUCTS); BENCH_YEAR=0 measures the demo only.
Both databases are built once and kept (instance/bench/ or PostgreSQL); BENCH_RESEED=1 rebuilds.

gunicorn with 2 workers, one client at a time; each request is sent WARMUP times unmeasured,
then REPEAT times: p50/p95 of the app's own time (Server-Timing) and of the wall time seen by
the client. Targets: a page p95 ≤ 100 ms, a region (what htmx or the live feed fetches) p95 ≤
30 ms, and the year's p50 within 2× the demo's. GETs write nothing, so the kept databases
stay as seeded.
"""

import math
import os
import sys
import time

from bench._served import Staff, dialect, sample, seeded_database, serve, want_year, year_size
from bench.common import median, p95

REPEAT = int(os.environ.get("BENCH_REPEAT", 30))
WARMUP = 3
PAGE_TARGET, REGION_TARGET, RATIO_TARGET = 100.0, 30.0, 2.0


def requests_of(s: dict) -> list[tuple[str, str, str, str | None]]:
    """(role, name, path, htmx target or None for a whole page) for every page and region."""
    order, sku, customer = s["order"], s["sku"], s["customer"]
    rows = [
        ("sales", "sales dashboard", "/sales/", None),
        ("sales", "↳ queue refresh", "/sales/", "queue"),
        ("sales", "customer list", "/sales/customers/", None),
        ("sales", "customer page", f"/sales/customers/{customer}", None),
        ("sales", "customer search (new order)", f"/sales/customers/search?q={s['customer_word']}", "customer-results"),
        ("sales", "new order", "/sales/orders/new", None),
        ("sales", "order page", f"/orders/{order}", None),
        ("sales", "↳ order live refresh", f"/orders/{order}", "order-live"),
        ("sales", "order search (customer word)", f"/search?q={s['customer_word']}", None),
        ("sales", "↳ search results (SKU)", f"/search?q={sku}", "results"),
        ("sales", "live feed poll (idle; wall time)", "/live/feed?since={head}&topics=orders,notifications", "live-feed"),
        ("inventory", "inventory dashboard", "/inventory/", None),
        ("inventory", "↳ stock panels refresh", "/inventory/", "stock-panels"),
        ("inventory", "product list", "/inventory/products", None),
        ("inventory", "product search", f"/inventory/products?q={s['product_word']}", None),
        ("inventory", "↳ product search results", f"/inventory/products?q={s['product_word']}", "products"),
        ("inventory", "inventory product page", f"/inventory/products/{sku}", None),
        ("inventory", "notifications menu", "/notifications/menu", "notif-menu"),
        ("fulfillment", "fulfillment dashboard", "/fulfillment/", None),
        ("fulfillment", "↳ queue refresh", "/fulfillment/", "queue"),
        ("fulfillment", "ready to pick", "/fulfillment/?view=to_pick", None),
        ("fulfillment", "↳ ready to pick refresh", "/fulfillment/?view=to_pick", "queue"),
        ("fulfillment", "notifications menu", "/notifications/menu", "notif-menu"),
        ("manager", "manager dashboard", "/manager/", None),
        ("manager", "↳ counts refresh", "/manager/", "counts"),
        ("manager", "↳ queue refresh", "/manager/", "queue"),
        ("manager", "order search (customer word)", f"/search?q={s['customer_word']}", None),
        ("manager", "periodic review (reports)", "/manager/review", None),
        ("manager", "escalations", "/escalations/", None),
        ("manager", "audit log", "/audit/", None),
        ("manager", "notifications page", "/notifications/", None),
        ("manager", "↳ alerts refresh", "/notifications/alerts", "alerts"),
        ("manager", "notifications menu", "/notifications/menu", "notif-menu"),
    ]
    if s["draft"]:
        rows.insert(6, ("sales", "↳ product lookup on a draft", f"/sales/orders/{s['draft']}/products?sku={sku[:6]}",
                        "product-results"))
    return rows


def feed_head(client: Staff) -> int:
    """The live feed's current head (what an idle page polls with): the page's data-live-since."""
    from bench.bench_live import SINCE

    _, html = client.get("/sales/")
    return max(int(v) for v in SINCE.findall(html))


def measure(client: Staff, path: str, target: str | None) -> dict:
    server, wall, errors = [], [], 0
    for i in range(WARMUP + REPEAT):
        started = time.perf_counter()
        try:  # a first request may compute what is then kept (a closed period's review): wait longer
            status, _ = client.get(path, target, timeout=300 if i < WARMUP else 30)
        except OSError:  # a timeout: counted, and the table goes on
            status = None
        elapsed = (time.perf_counter() - started) * 1000
        if status not in (200, 204):
            errors += 1
            continue
        if i >= WARMUP:  # an idle feed poll is answered before Flask (no Server-Timing): its wall time
            server.append(elapsed if math.isnan(client.last_server_ms) else client.last_server_ms)
            wall.append(elapsed)
    if not server:
        return {"errors": errors}
    return {"p50": median(server), "p95": p95(server), "wall50": median(wall), "wall95": p95(wall), "errors": errors}


def measure_database(url: str) -> dict:
    """{(role, name): figures} for every request, against gunicorn -w 2 on `url`."""
    s = sample(url)
    server = serve(url, workers=2)
    try:
        staff = {role: Staff(server.url).log_in(role) for role in ("sales", "inventory", "fulfillment", "manager")}
        head = feed_head(staff["sales"])
        results = {}
        for role, name, path, target in requests_of(s):
            path = path.replace("{head}", str(head))
            results[(role, name)] = {"target": target, **measure(staff[role], path, target)}
    finally:
        server.stop()
    return results


def verdict(figures: dict, demo: dict | None) -> str:
    if "p95" not in figures:
        return f"{figures['errors']} errors"
    limit = REGION_TARGET if figures["target"] else PAGE_TARGET
    notes = [] if figures["p95"] <= limit else [f"p95 > {limit:g} ms"]
    if demo and "p50" in demo and figures["p50"] > RATIO_TARGET * demo["p50"]:
        notes.append(f"> {RATIO_TARGET:g}× demo")
    if figures["errors"]:
        notes.append(f"{figures['errors']} errors")
    return "met" if not notes else "missed: " + ", ".join(notes)


def table(demo: dict, year: dict | None) -> str:
    head = "| role | request | demo p50 / p95 ms | demo wall p95 |"
    rule = "|---|---|---|---|"
    if year:
        head += " year p50 / p95 ms | year wall p95 | year/demo p50 |"
        rule += "---|---|---|"
    lines = [head + " target |", rule + "---|"]
    for key, d in demo.items():
        fig = lambda f: f"{f['p50']:.1f} / **{f['p95']:.1f}**" if "p50" in f else "—"  # noqa: E731
        row = f"| {key[0]} | {key[1]} | {fig(d)} | {d.get('wall95', float('nan')):.1f} |"
        if year:
            y = year[key]
            ratio = y["p50"] / d["p50"] if "p50" in y and "p50" in d else float("nan")
            row += f" {fig(y)} | {y.get('wall95', float('nan')):.1f} | {ratio:.1f}× |"
        lines.append(row + f" {verdict(year[key] if year else d, d if year else None)} |")
    return "\n".join(lines)


def main():
    print(f"bench_pages: gunicorn -w 2 on {dialect()}, {REPEAT} requests each after {WARMUP} unmeasured, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    started = time.perf_counter()
    demo_url = seeded_database("demo")
    print(f"  demo database ready ({time.perf_counter() - started:.0f} s)", flush=True)
    demo = measure_database(demo_url)
    year = None
    if want_year():
        size = year_size()
        started = time.perf_counter()
        year_url = seeded_database(f"year_{size['orders']}", size)
        print(f"  year database ready: {size} ({time.perf_counter() - started:.0f} s)", flush=True)
        year = measure_database(year_url)
    print(f"  load average after: {os.getloadavg()[0]:.1f}\n")
    print(table(demo, year))
    return 0


if __name__ == "__main__":
    sys.exit(main())
