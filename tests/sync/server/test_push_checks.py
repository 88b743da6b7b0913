"""The push's record checks (sync/server/_push.py) without HTTP or a database: an honest batch
costs one pass over its records and one signature check, and every other batch is answered
exactly as checking it with ``verify_run`` answers it (hypothesis over single-byte changes,
re-chained forgeries and reorderings)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store.crypto._chain as chain
import sync.server._push as push_module
from store import EnvelopeError, envelope_hash, parse_header, verify_run
from sync._framing import encode_frames
from sync.server import Limits
from sync.server._errors import ApiError
from sync.server._push import prepare_push
from sync.server._storage import Caller

from ._support import Device, Stream

LIMITS = Limits()
DEVICE = Device.new("lead")
OTHER = Device.new("other")
CID = bytes(range(16))
BATCH = Stream(DEVICE, CID).next(6)


def _caller(device: Device) -> Caller:
    raw = device.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Caller(device.device_id, 1, raw)


def _outcome(envelopes: list[bytes]) -> tuple[str, str] | list[tuple[int, bytes, bytes, int]]:
    """What prepare_push answers: the error's code and message, or the records' fields."""
    try:
        records = prepare_push(encode_frames(envelopes), CID, _caller(DEVICE), LIMITS)
    except ApiError as exc:
        return exc.code, str(exc)
    return [(r.seq, r.prev_hash, r.hash, r.epoch) for r in records]


def _reference(envelopes: list[bytes]) -> tuple[str, int] | list[tuple[int, bytes, bytes, int]]:
    """What the push answered before the one-pass check: headers first, then ``verify_run``
    over the whole batch (code and the index it names, or the records' fields)."""
    headers = []
    for i, env in enumerate(envelopes):
        try:
            h = parse_header(env)
        except EnvelopeError:
            return "malformed_envelope", i
        if h.collection_id != CID:
            return "wrong_collection", i
        if h.device_id != DEVICE.device_id:
            return "not_your_stream", i
        headers.append(h)
    key = Ed25519PublicKey.from_public_bytes(_caller(DEVICE).sign_key)
    check = verify_run(envelopes, key)
    if check.failed is not None:
        return "bad_record_signature", check.failed
    return [(h.seq, h.prev_hash, envelope_hash(e), h.epoch) for h, e in zip(headers, envelopes,
                                                                          strict=True)]


def _same(envelopes: list[bytes]) -> None:
    got, want = _outcome(envelopes), _reference(envelopes)
    if isinstance(want, list):
        assert got == want
    else:
        code, index = want
        assert isinstance(got, tuple) and got[0] == code, (got, want)
        assert got[1].startswith(f"record {index} "), (got, want)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Count header parses, envelope hashes and signature checks wherever the push (or the
    ``verify_run`` it may call) looks them up."""
    counts = {"parse": 0, "hash": 0, "signature": 0}

    def counting(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    for module in (push_module, chain):
        for name, attr in (("parse", "parse_header"), ("hash", "envelope_hash"),
                           ("signature", "verify_signature")):
            if hasattr(module, attr):
                monkeypatch.setattr(module, attr, counting(name, getattr(module, attr)))
    yield counts


def test_an_honest_batch_is_parsed_and_hashed_once_and_costs_one_signature(
    counted: dict[str, int],
) -> None:
    records = prepare_push(encode_frames(BATCH), CID, _caller(DEVICE), LIMITS)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r.hash for r in records] == [envelope_hash(e) for e in BATCH]
    assert counted == {"parse": 6, "hash": 6, "signature": 1}


def test_a_bad_record_in_the_middle_refuses_the_whole_batch_as_before() -> None:
    flipped = list(BATCH)
    flipped[3] = BATCH[3][:200] + bytes([BATCH[3][200] ^ 1]) + BATCH[3][201:]
    got = _outcome(flipped)
    assert got[0] == "bad_record_signature" and "record 3 (seq 4)" in got[1]
    _same(flipped)
    # the same forgery re-chained after it (the forger has no key to sign the newest again)
    rechained = list(flipped)
    for i in range(4, 6):
        rechained[i] = rechained[i][:46] + envelope_hash(rechained[i - 1]) + rechained[i][78:]
    _same(rechained)
    # a batch signed by another device's key under this device's id
    _same(Stream(Device(DEVICE.user, DEVICE.device_id, OTHER.key, OTHER.kx), CID).next(3))


def test_batches_that_do_not_chain_take_the_careful_path(counted: dict[str, int]) -> None:
    # every record genuine, but not one chain: each part is checked by its own newest
    # signature, and storage then refuses the gap (test_streams.py)
    reordered = [BATCH[1], BATCH[0], *BATCH[2:]]
    _same(reordered)
    assert counted["signature"] >= 2
    other = Stream(DEVICE, CID, seq=1, prev=os.urandom(32)).next(2)
    _same([BATCH[0], *other])  # a genuine record that names an unknown predecessor
    _same([])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(n=st.integers(1, 6), data=st.data())
def test_any_single_byte_change_is_answered_as_verify_run_answers_it(
    n: int, data: st.DataObject
) -> None:
    batch = list(BATCH[:n])
    i = data.draw(st.integers(0, n - 1), label="record")
    at = data.draw(st.integers(0, len(batch[i]) - 1), label="byte")
    bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]), label="bit")
    batch[i] = batch[i][:at] + bytes([batch[i][at] ^ bit]) + batch[i][at + 1:]
    _same(batch)
