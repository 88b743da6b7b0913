"""``make bench``: every budget of DESIGN §9 with the figure measured and a floor from the run,
then the scale table of issue 16 (``bench_scale``).

A suite adds rows to the scale table by defining ``scale_rows() -> list[tuple[str, ...]]``
(rows as ``_table.Line.row()`` gives them); ``bench_scale.run()`` gives its own.
``FIELDPAD_BENCH_SCALE=1k,10k`` limits the sizes the scale table measures.
"""

from __future__ import annotations

import importlib
import sys

from ._table import print_table

SUITES = ("bench_store", "bench_server", "bench_sync", "bench_tui")


def _import(name: str):
    try:
        return importlib.import_module(f"tests.bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.bench.{name}":
            raise
        return None


def main() -> int:
    rows: list[tuple[str, ...]] = []
    scale: list[tuple[str, ...]] = []
    for name in SUITES:
        module = _import(name)
        if module is None:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows.extend(module.run())
        if hasattr(module, "scale_rows"):
            scale.extend(module.scale_rows())
    print_table(rows)
    module = _import("bench_scale")
    if module is not None:
        print("running bench_scale …", file=sys.stderr, flush=True)
        scale = module.run() + scale
    if scale:
        print()
        print("scale (issue 16; floor KDF)")
        print_table(scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
