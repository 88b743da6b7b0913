"""Printing budget lines: what, measured, budget, floor, and whether the budget holds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Line:
    what: str
    measured: str
    budget: str
    floor: str
    ok: bool | None = None

    def row(self) -> tuple[str, str, str, str, str]:
        verdict = "" if self.ok is None else ("ok" if self.ok else "OVER")
        return self.what, self.measured, self.budget, self.floor, verdict


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def print_table(lines: list[tuple[str, ...]]) -> None:
    head = ("what", "measured", "budget", "floor", "")
    lines = [tuple(r) + ("",) * (5 - len(r)) for r in lines]
    widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(5)]
    for r in [head, *lines]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())
