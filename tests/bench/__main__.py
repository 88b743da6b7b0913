"""``make bench``: every budget of DESIGN §9 with the figure measured and a floor from the run."""

from __future__ import annotations

import importlib
import sys

from ._table import print_table

SUITES = ("bench_store", "bench_server", "bench_sync", "bench_tui")


def main() -> int:
    rows: list[tuple[str, ...]] = []
    for name in SUITES:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.bench.{name}":
                raise
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
