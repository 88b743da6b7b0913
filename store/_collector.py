"""Python's cyclic collector kept out of the way while tens of thousands of objects are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block (left off if it already was): making tens of
    thousands of notes, rows or payloads, none in a cycle, it would walk them all again and
    again (a third of the CPU of a 50,000-note unlock or list)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
