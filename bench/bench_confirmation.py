"""Confirmation PDF: render time through the app vs bare WeasyPrint, and a repeat download.

    .venv/bin/python -m bench.bench_confirmation

1. Median time to render a 10-line confirmation through the app (plain-value context from
   the order, Jinja template, WeasyPrint with the restricted fetcher) and its ratio to
   WeasyPrint rendering the same HTML string with the same stylesheet and nothing else.
2. Median time of GET /orders/<number>/confirmation.pdf once the revision is stored.
"""

import statistics
import time

from flask import render_template
from weasyprint import HTML

from app.documents.pdf import static_root
from app.orders.confirmation import confirmation_context, render_confirmation
from bench._setup import bench_app, ten_line_order

RUNS = 31
DOWNLOADS = 200


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    app = bench_app()
    with app.app_context():
        order, _user = ten_line_order()
        number = order.number
        html = render_template("documents/confirmation.html", doc=confirmation_context(order))
        base_url = static_root().as_uri() + "/"
        bare = lambda: HTML(string=html, base_url=base_url).write_pdf()  # noqa: E731
        through_app = lambda: render_confirmation(confirmation_context(order))  # noqa: E731
        bare(), through_app()  # warm up fonts and caches for both
        app_ms, bare_ms = [], []
        for n in range(RUNS):  # alternate, so load on a shared machine hits both alike
            pair = (through_app, bare) if n % 2 else (bare, through_app)
            for fn in pair:
                (app_ms if fn is through_app else bare_ms).append(median_ms(fn, 1))
        app_median, bare_median = statistics.median(app_ms), statistics.median(bare_ms)

    client = app.test_client()
    client.post("/login", data={"username": "sales", "password": "bench-password"})
    url = f"/orders/{number}/confirmation.pdf"
    assert client.get(url).status_code == 200
    download_ms = median_ms(lambda: client.get(url).data, DOWNLOADS)

    print(f"confirmation PDF, 10 lines, {RUNS} renders each:")
    print(f"  through the app    median {app_median:7.1f} ms")
    print(f"  bare WeasyPrint    median {bare_median:7.1f} ms")
    print(f"  ratio app / bare          {app_median / bare_median:7.2f}   (target <= 1.2)")
    print(f"second download of the same revision, {DOWNLOADS} requests:")
    print(f"  median {download_ms:.2f} ms   (target <= 10 ms, served from the store)")


if __name__ == "__main__":
    main()
