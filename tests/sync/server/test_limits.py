"""Limits and bad input: 413 for oversize bodies, envelopes and batches, 400/415/422 for
malformed ones, 429 with Retry-After, JSON error bodies on every 4xx, never a 5xx."""

from __future__ import annotations

import gzip
import json
import os
import struct

import httpx
import pytest

from sync._framing import MEDIA_TYPE, encode_frames
from sync._signing import sign_request
from sync.server import Limits

from ._support import Device, Stream, World, push

LIMITS = Limits(max_request=40 * 1024, max_json=4096, max_envelope=8192, max_batch=10)


@pytest.fixture
def limits() -> Limits:
    return LIMITS


def setup(world: World) -> tuple[Device, bytes, httpx.Client]:
    world.user("lead")
    iid = world.inspection("I", "lead")
    lead = world.enrol("lead")
    cid = world.collection(lead, iid)
    return lead, cid, world.client(lead)


def is_error(r: httpx.Response, status: int, code: str | None = None) -> bool:
    body = r.json()
    assert set(body) == {"error", "message"} and body["message"], body
    return r.status_code == status and (code is None or body["error"] == code)


def test_oversize_bodies_are_413(world: World) -> None:
    lead, cid, c = setup(world)
    s = Stream(lead, cid)
    # a batch larger than max_request
    big = s.next(10, size=7000)
    assert sum(map(len, big)) > LIMITS.max_request
    r = push(c, cid, big)
    assert is_error(r, 413, "body_too_large")
    # one envelope larger than max_envelope
    s = Stream(lead, cid)
    r = push(c, cid, s.next(1, size=14000))
    assert is_error(r, 413, "envelope_too_large")
    # a frame that only claims to be huge
    r = c.post(f"/v1/collections/{cid.hex()}/records",
               content=struct.pack(">I", 2**31) + b"x" * 10,
               headers={"Content-Type": MEDIA_TYPE})
    assert is_error(r, 413, "envelope_too_large")
    # too many records in one push
    s = Stream(lead, cid)
    r = push(c, cid, s.next(11, size=10))
    assert is_error(r, 413, "batch_too_large")
    # a JSON body above max_json
    r = c.post(f"/v1/collections/{cid.hex()}/pull",
               json={"after": {os.urandom(16).hex(): i for i in range(200)}})
    assert is_error(r, 413, "body_too_large")
    # a gzip bomb: small on the wire, past the limit inflated
    bomb = gzip.compress(b"\0" * (LIMITS.max_request * 4))
    r = c.post(f"/v1/collections/{cid.hex()}/records", content=bomb,
               headers={"Content-Type": MEDIA_TYPE, "Content-Encoding": "gzip"})
    assert is_error(r, 413, "body_too_large")
    assert c.get(f"/v1/collections/{cid.hex()}/status").json()["heads"] == {}


def test_413_from_content_length_without_reading(app, portal) -> None:  # type: ignore[no-untyped-def]
    """The body of a too-large request is never read (the app is called directly via ASGI)."""
    sent: list[dict] = []

    async def receive() -> dict:
        raise AssertionError("the body must not be read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": f"/v1/collections/{'ab' * 16}/records",
        "raw_path": f"/v1/collections/{'ab' * 16}/records".encode(), "query_string": b"",
        "headers": [(b"content-length", str(LIMITS.max_request + 1).encode()),
                    (b"content-type", MEDIA_TYPE.encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    portal.call(app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"] == "body_too_large"


def test_chunked_body_past_the_limit_is_413(app, portal) -> None:  # type: ignore[no-untyped-def]
    chunks = [b"x" * 8192] * 20
    sent: list[dict] = []
    calls = 0

    async def receive() -> dict:
        nonlocal calls
        calls += 1
        return {"type": "http.request", "body": chunks[calls - 1], "more_body": calls < 20}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": f"/v1/collections/{'ab' * 16}/records",
        "raw_path": f"/v1/collections/{'ab' * 16}/records".encode(), "query_string": b"",
        "headers": [(b"content-type", MEDIA_TYPE.encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    portal.call(app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert calls == LIMITS.max_request // 8192 + 1  # stopped as soon as it went past


def test_malformed_bodies_are_4xx(world: World) -> None:
    lead, cid, c = setup(world)
    env = Stream(lead, cid).next(1)[0]
    url = f"/v1/collections/{cid.hex()}/records"
    framed = encode_frames([env])
    cases = [
        (framed[:-1], {"Content-Type": MEDIA_TYPE}, 400, "bad_framing"),  # truncated
        (framed[:3], {"Content-Type": MEDIA_TYPE}, 400, "bad_framing"),  # inside the prefix
        (b"\0\0\0\0", {"Content-Type": MEDIA_TYPE}, 400, "bad_framing"),  # empty frame
        (framed, {"Content-Type": "application/json"}, 415, "unsupported_media_type"),
        (framed, {"Content-Type": MEDIA_TYPE, "Content-Encoding": "br"}, 415, None),
        (b"not gzip", {"Content-Type": MEDIA_TYPE, "Content-Encoding": "gzip"}, 400, None),
    ]
    for body, headers, status, code in cases:
        r = c.post(url, content=body, headers=headers)
        assert is_error(r, status, code), (headers, r.status_code, r.text)
    pull = f"/v1/collections/{cid.hex()}/pull"
    for body, status in [(b"{", 400), (b"[]", 422), (b'{"after": {"x": 1}}', 422),
                         (b'{"after": {}, "max_bytes": 0}', 422), (b'{"extra": 1}', 422),
                         (b'{"after": {"' + b"ab" * 16 + b'": -1}}', 422),
                         (b"\xff\xfe", 400)]:
        r = c.post(pull, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == status and is_error(r, status), (body, r.text)
    assert is_error(c.get("/v1/nowhere"), 404, "no_such_route")
    assert is_error(c.put("/v1/health"), 405)
    assert is_error(c.get("/v1/collections/XYZ/status"), 422)
    assert is_error(world.client().post("/v1/enrol", content=b"{}"), 422)
    assert c.get(f"/v1/collections/{cid.hex()}/status").json()["heads"] == {}


def test_gzip_request_body_is_accepted_and_digest_covers_what_was_sent(world: World) -> None:
    lead, cid, _ = setup(world)
    envs = Stream(lead, cid).next(3)
    raw = gzip.compress(encode_frames(envs))
    path = f"/v1/collections/{cid.hex()}/records"
    headers = sign_request("POST", path, "", raw, lead.device_id, lead.key)
    r = world.client().post(path, content=raw, headers={
        **headers, "Content-Type": MEDIA_TYPE, "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["accepted"] == 3, r.text


def test_json_responses_are_compressed_records_are_not(world: World) -> None:
    lead, cid, c = setup(world)
    r = c.get("/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.json()["openapi"].startswith("3.")
    push(c, cid, Stream(lead, cid).next(5, size=2000))
    r = c.post(f"/v1/collections/{cid.hex()}/pull", json={}, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert r.headers["content-type"] == MEDIA_TYPE


class TestDeviceRateLimit:
    @pytest.fixture
    def limits(self) -> Limits:
        return Limits(rate_burst=5, rate_per_s=0.5)

    def test_429_with_retry_after_then_recovers(self, world: World) -> None:
        world.user("u")
        dev, other = world.enrol("u"), world.enrol("u")
        c = world.client(dev)
        codes = [c.get("/v1/collections").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        r = c.get("/v1/collections")
        assert is_error(r, 429, "rate_limited") and int(r.headers["Retry-After"]) >= 1
        assert world.client(other).get("/v1/collections").status_code == 200  # per device
        world.clock.advance(3)  # type: ignore[attr-defined]
        assert c.get("/v1/collections").status_code == 200
