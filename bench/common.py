"""Shared set-up for the benchmarks: an app on a throwaway database built by the migrations."""

import os
import platform
import re
import statistics
import tempfile
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.config import Config

TIMING_RE = re.compile(r"app;dur=([0-9.]+)")


class BenchConfig(Config):
    SECRET_KEY = "bench"
    WTF_CSRF_ENABLED = False  # the benchmark measures the work, not the token check
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def bench_app(name: str, **overrides):
    """An app on a fresh SQLite file (or BENCH_DATABASE_URL), schema from the migrations."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app(BenchConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    with app.app_context():
        upgrade(revision="heads")
    return app


def server_ms(response) -> float:
    """The app's own time for a request, from its Server-Timing header."""
    match = TIMING_RE.search(response.headers.get("Server-Timing", ""))
    assert match, "no Server-Timing header"
    return float(match.group(1))


def median(values) -> float:
    return statistics.median(values)


def p95(values) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
