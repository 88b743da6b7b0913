"""Routes that let a stream heal (issue 11): a reader reports records it set aside, the author
sends its signed copies of the ones the server really holds damaged.

- ``POST /v1/collections/{c}/damage`` (any member): JSON ``{"records": [{device_id, seq}]}``.
  The server checks its own copy of each, and of the records after it in its stream (the
  reader could not get past it to see them), against the hash it accepted with it, the chain
  and the author's signature; only a copy that fails is noted for its author. A false report
  therefore costs the reporter a request and its author nothing.
- ``POST /v1/collections/{c}/repairs`` (the stream's own device): the binary records framing,
  checked like a push (signature, collection, own stream), then each record must chain
  exactly where it stands (``Storage.repair``).

Thin like the other routes: check input, call storage in a worker thread, log ids and counts.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI, Request

from store import EnvelopeError, envelope_hash, parse_header, verify_signature

from .. import _protocol as p
from .._framing import MEDIA_TYPE
from ._deps import BINARY, ERRORS, AuthCaller, CollectionId, app_state, unhex
from ._logs import log_event
from ._push import check_records_type, prepare_push
from ._storage import StoredCopy

CHECK_BUDGET = 1000
"""Most stored records one damage report has the server check (signatures cost CPU)."""


def copy_problem(copy: StoredCopy, collection_id: bytes) -> str | None:
    """Why the server's stored copy of a record is damaged, or None when it is intact."""
    if envelope_hash(copy.envelope) != copy.hash:
        return "its bytes are not those accepted with it"
    try:
        header = parse_header(copy.envelope)
        if (header.collection_id, header.device_id, header.seq) != (
                collection_id, copy.device_id, copy.seq):
            return "its header names another place"
        if copy.prev_hashes and header.prev_hash not in copy.prev_hashes:
            return "it does not chain to the record before it"
        verify_signature(copy.envelope, header, Ed25519PublicKey.from_public_bytes(copy.sign_key))
    except (EnvelopeError, ValueError):
        return "it does not parse or its signature fails"
    return None


def _check_reported(copies: list[StoredCopy], collection_id: bytes) -> list[tuple[bytes, int]]:
    return [(c.device_id, c.seq) for c in copies if copy_problem(c, collection_id) is not None]


def repair_routes(app: FastAPI) -> None:
    v1 = "/v1"

    @app.post(f"{v1}/collections/{{c}}/damage", response_model=p.DamageResult,
              responses=ERRORS, tags=["streams"])
    async def report_damage(
        c: CollectionId, body: p.DamageReport, caller: AuthCaller, request: Request
    ) -> p.DamageResult:
        st = app_state(request)
        cid = unhex(c)
        wanted = list(dict.fromkeys((unhex(r.device_id), r.seq) for r in body.records))
        copies = await st.run(st.storage.stored_copies, caller, cid, wanted, st.clock(),
                              CHECK_BUDGET)
        damaged = await st.run(_check_reported, copies, cid)
        await st.run(st.storage.mark_damaged, caller, cid, damaged, st.clock())
        log_event("damage.report", collection=c, by=caller.device_id, reported=len(wanted),
                  checked=len(copies), damaged=len(damaged))
        found = {(x.device_id, x.seq) for x in copies} & set(wanted)
        return p.DamageResult(damaged=len(damaged), intact=len(found - set(damaged)),
                              unknown=len(wanted) - len(found))

    @app.post(
        f"{v1}/collections/{{c}}/repairs",
        response_model=p.RepairResult,
        responses=ERRORS,
        tags=["streams"],
        openapi_extra={"requestBody": {"required": True, "content": {MEDIA_TYPE: BINARY}}},
    )
    async def repair(c: CollectionId, caller: AuthCaller, request: Request) -> p.RepairResult:
        st = app_state(request)
        check_records_type(request.headers.get("content-type", ""))
        body = await request.body()
        cid = unhex(c)
        records = await st.run(prepare_push, body, cid, caller, st.limits)
        out = await st.run(st.storage.repair, caller, cid, records, st.clock())
        log_event("repair", collection=c, device=caller.device_id, replaced=out.replaced,
                  unchanged=out.unchanged)
        return p.RepairResult(replaced=out.replaced, unchanged=out.unchanged)
