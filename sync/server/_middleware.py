"""Body limits before the app sees a request: 413 from Content-Length without reading, 413
while reading past the limit, gzip request bodies decoded with the same bound.

The raw bytes as sent (what ``Content-Digest`` covers) are kept in ``scope["fieldpad.raw_body"]``
for signature checking; the app reads the decoded body as usual.
"""

from __future__ import annotations

import json
import zlib

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._auth import RAW_BODY
from ._limits import Limits


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _gunzip(raw: bytes, limit: int) -> bytes | None:
    """Decode gzip up to ``limit`` bytes; None if it would be larger. ValueError if bad."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise ValueError(str(exc)) from None
    if len(out) > limit or d.unconsumed_tail:
        return None
    if not d.eof:
        raise ValueError("truncated gzip stream")
    return out


class BodyLimitMiddleware:
    """Pure ASGI middleware: bounds, buffers and (if gzip) decodes request bodies."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    def limit_for(self, path: str) -> int:
        return self.limits.max_request if path.endswith("/records") else self.limits.max_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(send, 400, "bad_content_length", "Content-Length is not a number")
                return
            if int(length) > limit:
                await _reply(
                    send, 413, "body_too_large",
                    f"the body is {length} bytes; this endpoint takes at most {limit}: "
                    "send smaller batches",
                )
                return
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            await _reply(
                send, 415, "unsupported_encoding",
                f"Content-Encoding {encoding!r} is not supported: use gzip or none",
            )
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _reply(
                    send, 413, "body_too_large",
                    f"the body is larger than {limit} bytes: send smaller batches",
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        body = raw
        if encoding == "gzip" and raw:
            try:
                decoded = _gunzip(raw, limit)
            except ValueError:
                await _reply(send, 400, "bad_encoding", "the gzip body is not valid gzip")
                return
            if decoded is None:
                await _reply(
                    send, 413, "body_too_large",
                    f"the body inflates past {limit} bytes: send smaller batches",
                )
                return
            body = decoded
        scope[RAW_BODY] = raw
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
