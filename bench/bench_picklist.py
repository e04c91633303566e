"""Pick list rendering: one order of 200 lines, and a wave of 50 orders × 8 lines.

Run: .venv/bin/python -m bench.bench_picklist   (targets on a 2-core machine: ≤ 1.5 s and ≤ 6 s)

Each case runs in its own subprocess against a fresh SQLite database, so the figures
are render time (best of 3, after one warm-up), tracemalloc peak of one render, and the
subprocess's peak RSS (ru_maxrss).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal

CASES = {"order_200_lines": (1, 200), "wave_50x8": (50, 8)}
TARGETS = {"order_200_lines": 1.5, "wave_50x8": 6.0}


def _build(orders, lines_per_order):
    from app.auth.services import create_user
    from app.catalog import services as stock
    from app.catalog.models import Product
    from app.customers.models import Address, Customer
    from app.extensions import db
    from app.orders import picking
    from app.orders import services as order_services

    user = create_user("bench", "bench-pass", ["fulfillment", "sales"])
    products = []
    for i in range(max(200, lines_per_order * 4)):
        p = Product(sku=f"SKU-{i:04d}", name=f"Bench product {i} with a realistic long-ish name",
                    unit_price=Decimal("9.99"), bin_location=f"{'ABCDEF'[i % 6]}-{(i // 6) % 20 + 1:02d}-{i % 4 + 1}")
        db.session.add(p)
        db.session.flush()
        stock.move_stock(p.id, "receipt", 10_000, "Bench stock")
        products.append(p)
    result = []
    for n in range(orders):
        customer = Customer(code=f"B{n:04d}", name=f"Bench customer {n}", email=f"b{n}@example.com")
        customer.addresses.append(Address(label="Main", text="1 Bench Street\nLeeds\nLS1 1AA", is_default=True))
        db.session.add(customer)
        db.session.flush()  # the address's defaults (active) are set by the insert
        order = order_services.create_draft(customer, channel="phone", actor=user, instructions="Fragile: do not stack.")
        for k in range(lines_per_order):
            order_services.add_line(order, products[(n * 7 + k * 13) % len(products)] if orders > 1 else products[k], 1 + k % 5)
        db.session.flush()
        order_services.submit_order(order, user)
        result.append(order)
    db.session.commit()
    if orders > 1:
        wave = picking.start_wave(result, user)
        db.session.commit()
        return user, wave
    return user, result[0]


def run_case(name):
    os.environ["SECRET_KEY"] = "bench"
    from app import create_app
    from app.config import Config
    from app.documents import printing as documents
    from app.extensions import db

    tmp = tempfile.mkdtemp()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite", SERVER_NAME="orderdesk.local")
    orders, lines = CASES[name]
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        with app.test_request_context():
            user, target = _build(orders, lines)
            render = documents.render_wave_pick_list if orders > 1 else documents.render_pick_list
            url = ((lambda o: f"http://orderdesk.local/orders/{o.ref}") if orders > 1
                   else f"http://orderdesk.local/orders/{target.ref}")
            pdf = render(target, user, url)  # warm-up: fonts, templates
            times, cpu = [], []
            for _ in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                pdf = render(target, user, url)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            tracemalloc.start()
            render(target, user, url)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        db.engine.dispose()
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if os.environ.get("BENCH_SAVE_PDF"):  # a folder: keep the PDF to look at its pages
        with open(os.path.join(os.environ["BENCH_SAVE_PDF"], f"{name}.pdf"), "wb") as out:
            out.write(pdf)
    print(json.dumps({"case": name, "best_s": min(times), "median_s": sorted(times)[1], "cpu_s": min(cpu), "pages": pages,
                      "pdf_kb": len(pdf) // 1024, "tracemalloc_peak_mb": peak / 2**20,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main(argv=()):
    """All cases, each in a subprocess; with a case name (how the subprocess is called), that case."""
    if argv and argv[0] in CASES:
        return run_case(argv[0])
    print(f"Pick list rendering ({os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; "
          "wall time suffers when other work shares the cores, CPU time does not)")
    for name in CASES:
        out = subprocess.run([sys.executable, "-m", "bench.bench_picklist", name], capture_output=True, text=True,
                             timeout=300, check=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        verdict = "OK" if r["best_s"] <= TARGETS[name] else "OVER TARGET"
        print(f"  {name:16} best {r['best_s']:.2f} s  median {r['median_s']:.2f} s  CPU {r['cpu_s']:.2f} s  (target ≤ {TARGETS[name]} s: {verdict})"
              f"  {r['pages']} pages, {r['pdf_kb']} KB  peak traced {r['tracemalloc_peak_mb']:.0f} MB,"
              f"  max RSS {r['maxrss_mb']:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
