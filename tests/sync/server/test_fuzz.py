"""Fuzzing with schemathesis over the app's own OpenAPI schema (positive and negative cases),
signed as a real device so the handlers behind authentication are reached: no 5xx, every
status code and content type documented, every JSON response matching its schema."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync._framing import MEDIA_TYPE, encode_frames

from ._support import Stream, World

schemathesis.serializer.alias(MEDIA_TYPE, "application/octet-stream")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = int(os.environ.get("FIELDPAD_FUZZ_EXAMPLES", "250"))
#: The same cases every run (a failure reproduces); set FIELDPAD_FUZZ_SEED to explore others.
SEED = int(os.environ.get("FIELDPAD_FUZZ_SEED", "14"))


def _flip(data: bytes, positions: list[int]) -> bytes:
    buf = bytearray(data)
    for p in positions:
        if buf:
            buf[p % len(buf)] ^= 0xFF
    return bytes(buf)


@pytest.mark.slow
def test_fuzz_api_against_its_schema(world: World, app) -> None:  # type: ignore[no-untyped-def]
    world.user("lead")
    world.user("alice")
    iid = world.inspection("Fuzz", "lead")
    lead, alice = world.enrol("lead"), world.enrol("alice")
    cid = world.collection(lead, iid, "alice")
    stream = Stream(lead, cid)
    signed, anon = world.client(lead), world.client()
    schema = schemathesis.openapi.from_dict(app.openapi())
    ops = [r.ok() for r in schema.get_all_operations()]
    strategies = {op.label: op.as_strategy() for op in ops}
    seen: dict[int, int] = {}

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        op = data.draw(st.sampled_from(ops), label="operation")
        case = data.draw(strategies[op.label], label="case")
        params = case.path_parameters or {}
        if "c" in params and data.draw(st.booleans(), label="real collection"):
            params["c"] = cid.hex()
        if "d" in params and data.draw(st.booleans(), label="real device"):
            params["d"] = alice.hex if data.draw(st.booleans()) else os.urandom(16).hex()
        if "user" in params and data.draw(st.booleans(), label="real user"):
            params["user"] = data.draw(st.sampled_from(["alice", "lead", "nobody"]))
        kw = case.as_transport_kwargs(base_url=world.base_url)
        if "json" in kw:
            content = json.dumps(kw["json"]).encode()
        else:
            content = kw.get("data") or b""
            if isinstance(content, str):
                content = content.encode()
        if op.label.endswith("/records") and data.draw(st.booleans(), label="real envelopes"):
            saved = (stream.seq, stream.prev)
            envs = stream.next(data.draw(st.integers(1, 3)), size=data.draw(st.integers(1, 500)))
            content = encode_frames(envs)
            flips = data.draw(st.lists(st.integers(0, 10_000), max_size=2), label="flips")
            content = _flip(content, flips)
            if flips:
                stream.seq, stream.prev = saved
        headers = {k: v for k, v in (kw.get("headers") or {}).items()
                   if k.lower() not in ("connection", "content-length")}
        client = signed if data.draw(st.sampled_from([True, True, True, False])) else anon
        r = client.request(kw["method"], kw["url"], params=kw.get("params") or None,
                           headers=headers, content=content)
        seen[r.status_code] = seen.get(r.status_code, 0) + 1
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert set(r.json()) == {"error", "message"}
        case.validate_response(r, checks=CHECKS)

    run()
    # the fuzzer got past authentication and validation, not only to the 4xx walls (about
    # 1 in 20 on average; the invitation and purge routes, whose ids it cannot guess, bring
    # some runs down to 1 in 25, so the floor is 1 in 40)
    assert seen.get(200, 0) > EXAMPLES // 40, (SEED, seen)
    assert set(seen) & {401, 403, 422}, (SEED, seen)


@pytest.mark.parametrize("path", ["/v1/health", "/v1/openapi.json"])
def test_unauthenticated_meta_endpoints(world: World, path: str) -> None:
    assert world.client().get(path).status_code == 200
