"""What every route shares: the app's state, the authenticated caller, error docs, logging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Request

from .. import _protocol as p
from ._auth import RAW_BODY, KeyCache, authenticate
from ._limits import Limits, RateLimiter
from ._storage import Caller, Storage

if TYPE_CHECKING:
    from ._metrics import Metrics

HEX = p.HEX16_PATTERN
CollectionId = Annotated[str, Path(pattern=HEX, description="collection id, 32 hex digits")]
_ERROR_TEXT = {
    400: "malformed request (framing, JSON, encoding)",
    401: "not signed by an active enrolled device, stale, replayed, or a bad enrolment code",
    403: "signed, but not allowed: not an active member, not a lead, not your stream",
    404: "no such user, device, member, inspection or invitation",
    409: "conflict with stored state: id already used, a fork in a stream or the roster",
    410: "gone for good: a purged inspection, an expired invitation",
    413: "body, envelope or batch above the limit",
    415: "unsupported Content-Type or Content-Encoding",
    422: "well-formed but breaks a rule: a gap, an unknown epoch, a bad envelope or field",
    429: "rate limited (wait Retry-After seconds), or too many tries of an invitation",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": p.ErrorBody, "description": text} for code, text in _ERROR_TEXT.items()
}
BINARY = {"schema": {"type": "string", "format": "binary"}}


@dataclass(slots=True)
class State:
    storage: Storage
    clock: Callable[[], float]
    limits: Limits
    limiter: RateLimiter
    enrol_limiter: RateLimiter
    keys: KeyCache
    threads: anyio.CapacityLimiter
    metrics: Metrics | None = None

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work (storage, crypto) in a worker thread. A small, bounded number of
        threads keeps GIL hand-offs and connection waits short under load."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.threads)


def app_state(request: Request) -> State:
    return request.app.state.fieldpad  # type: ignore[no-any-return]


async def _caller(request: Request) -> Caller:
    st = app_state(request)
    body = request.scope.get(RAW_BODY)
    if body is None:
        body = await request.body()
    return await st.run(
        authenticate, request, body, st.storage, st.limits, st.limiter, st.keys, st.clock()
    )


AuthCaller = Annotated[Caller, Depends(_caller)]


def route_of(request: Request) -> str:
    """The route template a request matched (``/v1/collections/{c}/status``), for logs and
    metrics: never the path itself, which a client can fill with anything."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def unhex(value: str) -> bytes:
    return bytes.fromhex(value)
