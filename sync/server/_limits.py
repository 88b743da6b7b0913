"""Limits and the per-device rate limiter.

The rate limiter is an in-process token bucket per key (a device id, or a client address for
unauthenticated enrolment): with N server processes a device may get up to N times the rate.
That is acceptable for protecting a process from a runaway client; a shared limiter would need
a round trip to the database on every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pydantic import ConfigDict, PositiveFloat, PositiveInt
from pydantic.dataclasses import dataclass


@dataclass(frozen=True, slots=True,
           config=ConfigDict(extra="forbid", use_attribute_docstrings=True))
class Limits:
    """Every bound the server enforces. The defaults suit a team server on modest hardware.

    Set them in the ``[limits]`` table of the settings file or as
    ``FIELDPAD_SERVER_LIMITS__<NAME>`` (see sync/server/_settings.py); every value must be
    positive, and an unknown name is refused."""

    max_envelope: PositiveInt = 1024 * 1024
    """Largest single envelope accepted in a push, in bytes (413 above it)."""
    max_request: PositiveInt = 8 * 1024 * 1024
    """Largest request body of a push, in bytes (413 above it, refused before reading when
    the client says its length)."""
    max_json: PositiveInt = 256 * 1024
    """Largest body of any JSON endpoint, in bytes."""
    max_batch: PositiveInt = 1000
    """Most records in one push."""
    page_bytes: PositiveInt = 4 * 1024 * 1024
    """Byte budget of one pull page (a client may ask for less)."""
    rate_per_s: PositiveFloat = 50.0
    """Sustained requests per second per device."""
    rate_burst: PositiveInt = 200
    """Requests a device may make in a burst."""
    enrol_per_s: PositiveFloat = 0.5
    """Sustained enrolment attempts per second per client address."""
    enrol_burst: PositiveInt = 10
    """Enrolment attempts a client address may make in a burst."""
    code_ttl_s: PositiveInt = 15 * 60
    """How long an enrolment code lives, in seconds."""
    code_tries: PositiveInt = 5
    """Wrong tries after which an enrolment code is dead."""
    invite_ttl: PositiveInt = 7 * 24 * 3600
    """How long a team invitation (POST /v1/invites) may be joined, in seconds."""
    invite_tries: PositiveInt = 5
    """Join attempts an invitation takes; the next one is refused for good (429)."""
    max_skew_s: PositiveInt = 300
    """How far a signature's ``created`` may be from the server's clock, in seconds."""
    worker_threads: PositiveInt = 8
    """Worker threads for storage and signature checks (per process)."""


class RateLimiter:
    """Token buckets keyed by string; ``take(key)`` returns 0 or the seconds to wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > 50_000:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate if self.rate > 0 else 60.0

    def _forget_full(self, now: float) -> None:
        idle = self.burst / self.rate if self.rate > 0 else 0.0
        for key, (_, last) in list(self._buckets.items()):
            if now - last >= idle:
                del self._buckets[key]
