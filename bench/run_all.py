"""Run every benchmark in bench/ (bench_*.py), one after the other: `make bench`."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(names=None) -> int:
    here = Path(__file__).parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in modules:
        if names and name not in names:
            continue
        started = time.perf_counter()
        print(f"\n== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
