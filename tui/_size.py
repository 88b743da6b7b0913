"""The smallest terminal fieldpad is laid out for. Apart from the notice that says so
(``screens/too_small.py``) and from the app's part in it (``_size_notice.py``), which checks the
size at start and on every tick without importing the notice (start-up time)."""

from __future__ import annotations

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT
