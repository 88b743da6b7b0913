"""The progress line of ``fieldpad sync``: one line rewritten in place on a terminal."""

from __future__ import annotations

import sys
import time
from typing import Any


class ProgressLine:
    def __init__(self, enabled: bool = True, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.enabled and self.stream.isatty()
        self._last = 0.0
        self._shown = False

    def update(self, p: Any) -> None:  # sync.client.Progress
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty and now - self._last < 0.1 and p.phase != "done":
            return
        self._last = now
        total = f"/{p.pull_total}" if p.pull_total else ""
        text = (f"{p.phase:<7} {p.collection[:30]:<30} up {p.up_records} ({p.up_bytes // 1024} "
                f"KB) · down {p.down_records}{total} ({p.down_bytes // 1024} KB)")
        if self.tty:
            self.stream.write("\r" + text[:100].ljust(100))
            self._shown = True
        elif p.phase in ("push", "pull", "done"):
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()
