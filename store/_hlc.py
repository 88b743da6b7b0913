"""Hybrid logical clock: timestamps that order events across devices even when clocks drift."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class Hlc:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        wall, counter, node = text.split("-", 2)
        return cls(int(wall), int(counter), node)


class Clock:
    """Issues increasing HLC values; ``observe`` folds in timestamps seen on other devices."""

    def __init__(self, node: str, now_ms: Callable[[], int] | None = None) -> None:
        self.node = node
        self._now = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._last = Hlc(0, 0, node)

    def now(self) -> Hlc:
        wall = self._now()
        if wall > self._last.wall_ms:
            self._last = Hlc(wall, 0, self.node)
        else:
            self._last = Hlc(self._last.wall_ms, self._last.counter + 1, self.node)
        return self._last

    def observe(self, other: Hlc) -> None:
        if (other.wall_ms, other.counter) > (self._last.wall_ms, self._last.counter):
            self._last = Hlc(other.wall_ms, other.counter, self.node)
