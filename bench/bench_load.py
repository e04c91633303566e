"""Load: 50 staff across the four teams for 2 minutes (locust, bench/locustfile.py).

Run: `.venv/bin/python -m bench.bench_load` (SQLite), with BENCH_DATABASE_URL=postgresql+psycopg://…
for PostgreSQL. BENCH_LOAD_SECONDS (default 120) and BENCH_USERS (default 50) change the run.

A copy of the seeded demo database (bench/_served.py) behind gunicorn with 2 workers; locust
runs headless in its own process (its CSV statistics in a temporary folder); staff arrive two a
second (a login is a deliberate slow password hash, 50 at once is not a morning) — 20 sales,
10 inventory, 10 fulfillment and 10 manager users. Printed: the request count and errors
(target 0), and p50/p95 per page name from locust's CSV (client-side wall time, which is what
staff feel; it includes the wait for a busy worker).

Why locust: maintained, plain Python (the scenario is code beside the app's), real sessions
and cookies per user, and a headless mode with CSV statistics that a script can read.
"""

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._served import ROOT, dialect, seeded_database, serve, writable_copy

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 120))
USERS = int(os.environ.get("BENCH_USERS", 50))


def run_locust(base: str, folder: Path) -> tuple[list[dict], str]:
    locust = Path(sys.executable).parent / "locust"
    done = subprocess.run(
        [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base,
         "-u", str(USERS), "-r", "2", "-t", f"{SECONDS}s", "--stop-timeout", "30",
         "--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 300)
    with open(folder / "load_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    failures = (folder / "load_failures.csv").read_text() if (folder / "load_failures.csv").exists() else ""
    return rows, failures + done.stderr[-2000:] * bool(done.returncode not in (0, 1))


def table(rows: list[dict]) -> str:
    lines = ["| page | requests | errors | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all requests**" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        lines.append(f"| {name} | {r['Request Count']} | {r['Failure Count']} | {r['50%']} | {r['95%']} |")
    return "\n".join(lines)


def main():
    print(f"bench_load: {USERS} staff (20 sales, 10 inventory, 10 fulfillment, 10 managers) for {SECONDS} s, "
          f"gunicorn -w 2 on {dialect()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    copy, drop = writable_copy(seeded_database("demo"))
    server = None
    try:
        server = serve(copy, workers=2)
        with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
            rows, failures = run_locust(server.url, Path(folder))
    finally:
        if server:
            server.stop()
        drop()
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"  {total['Request Count']} requests, {total['Failure Count']} errors (target 0), "
          f"{float(total['Requests/s']):.1f} requests/s; load average after {os.getloadavg()[0]:.1f}\n")
    print(table(rows))
    if int(total["Failure Count"]):
        print("\nErrors:\n" + failures.strip()[:3000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
