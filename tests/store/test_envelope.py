"""Envelope v1: sealing, the open order, tamper resistance and the published test vector."""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from store import (
    HEADER_LEN,
    SIG_LEN,
    ZERO_HASH,
    BadCommitment,
    BadPayload,
    BadSignature,
    DecryptFailed,
    EnvelopeError,
    Expect,
    Header,
    HeaderMismatch,
    MalformedEnvelope,
    UnknownKey,
    UnsupportedEnvelope,
    open_envelope,
    parse_header,
    seal,
)
from store.crypto import encode_payload, pad, padme_length, unpad
from store.crypto._envelope import _sig_message

SK = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PK = SK.public_key()
CK = os.urandom(32)
COLL, DEV = os.urandom(16), os.urandom(16)
PAYLOAD = {"type": "note.rev", "note_id": "n1", "title": "Secret title", "body": "x" * 500}


def header(seq: int = 1, epoch: int = 1, prev: bytes = ZERO_HASH) -> Header:
    return Header(COLL, DEV, seq, prev, epoch)


ANY = Expect()


def open_(env: bytes, expect: Expect = ANY, ck: bytes = CK, pk=PK):  # noqa: ANN001, ANN202
    return open_envelope(env, lambda e: ck if e == 1 else None, lambda d: pk if d == DEV else None,
                         expect)


SEALED = seal(header(), PAYLOAD, CK, SK)


def test_round_trip() -> None:
    h, payload = open_(SEALED, Expect(COLL, DEV, 1, ZERO_HASH))
    assert payload == PAYLOAD
    assert (h.collection_id, h.device_id, h.seq, h.epoch) == (COLL, DEV, 1, 1)


def test_plaintext_is_not_in_the_envelope() -> None:
    env = seal(header(), {"body": "CANARY-plain-text-CANARY" * 3}, CK, SK)
    assert b"CANARY" not in env


@settings(max_examples=300)
@given(st.data())
def test_any_bit_flip_is_rejected(data: st.DataObject) -> None:
    bit = data.draw(st.integers(0, len(SEALED) * 8 - 1))
    env = bytearray(SEALED)
    env[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(EnvelopeError):
        open_(bytes(env), Expect(COLL, DEV, 1, ZERO_HASH))


@pytest.mark.parametrize("field,value", [
    ("collection_id", b"\xaa" * 16), ("device_id", b"\xbb" * 16), ("seq", 2),
    ("prev_hash", b"\xcc" * 32), ("epoch", 2),
], ids=["collection", "device", "seq", "prev", "epoch"])
def test_swapped_header_field_is_rejected_even_if_resigned(field: str, value: object) -> None:
    h = header()
    names = ("collection_id", "device_id", "seq", "prev_hash", "epoch")
    fields = {n: getattr(h, n) for n in names}
    fields[field] = value
    forged_header = Header(**fields).pack()
    body = SEALED[HEADER_LEN:-SIG_LEN]
    # the worst case: the forger holds the signing key and re-signs the new header
    env = forged_header + body + SK.sign(_sig_message(forged_header, body))
    with pytest.raises(EnvelopeError):
        open_envelope(env, lambda e: CK, lambda d: PK)
    # and with the old signature, the signature check alone catches it
    with pytest.raises(EnvelopeError):
        open_envelope(forged_header + body + SEALED[-SIG_LEN:], lambda e: CK, lambda d: PK)


def test_body_moved_to_another_header_is_rejected() -> None:
    other = seal(header(seq=2, prev=os.urandom(32)), {"x": 1}, CK, SK)
    h2 = other[:HEADER_LEN]
    body = SEALED[HEADER_LEN:-SIG_LEN]
    env = h2 + body + SK.sign(_sig_message(h2, body))
    with pytest.raises((BadCommitment, DecryptFailed)):
        open_envelope(env, lambda e: CK, lambda d: PK)


def test_open_order_and_typed_errors() -> None:
    with pytest.raises(MalformedEnvelope):
        open_(SEALED[:50])
    with pytest.raises(UnsupportedEnvelope):
        open_(b"XXXX" + SEALED[4:])
    with pytest.raises(UnsupportedEnvelope):
        open_(SEALED[:4] + b"\x02" + SEALED[5:])
    with pytest.raises(HeaderMismatch):
        open_(SEALED, Expect(seq=7))
    with pytest.raises(BadSignature):
        open_(SEALED, pk=Ed25519PrivateKey.generate().public_key())
    with pytest.raises(BadSignature):  # device not active in the roster
        open_envelope(SEALED, lambda e: CK, lambda d: None)
    with pytest.raises(UnknownKey):
        open_envelope(seal(header(epoch=9), PAYLOAD, CK, SK), lambda e: None, lambda d: PK)
    with pytest.raises(BadCommitment):
        open_(SEALED, ck=os.urandom(32))


def test_errors_name_the_record_and_nothing_secret() -> None:
    with pytest.raises(BadCommitment) as info:
        open_(SEALED, ck=os.urandom(32))
    msg = str(info.value)
    assert f"{COLL.hex()[:8]}/{DEV.hex()[:8]}/1" in msg
    assert "Secret" not in msg and CK.hex() not in msg
    assert info.value.record is not None and info.value.record.seq == 1


def test_zip_bomb_and_bad_json_are_refused() -> None:
    bomb = zlib.compress(b"[" * (9 * 1024 * 1024))
    env = _seal_raw(bomb)
    with pytest.raises(BadPayload):
        open_(env)
    with pytest.raises(BadPayload):
        open_(_seal_raw(zlib.compress(b"[1, 2]")))


def _seal_raw(compressed: bytes) -> bytes:
    """Seal bytes that are already compressed (to reach the payload checks)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from store.crypto._envelope import _commitment, _record_key

    hb = header().pack()
    salt, nonce = os.urandom(32), os.urandom(12)
    rk = _record_key(CK, salt, hb)
    body = salt + nonce + _commitment(rk) + AESGCM(rk).encrypt(nonce, pad(compressed), hb)
    return hb + body + SK.sign(_sig_message(hb, body))


@given(st.binary(max_size=5000))
def test_padding_round_trips_and_is_bounded(data: bytes) -> None:
    padded = pad(data)
    assert unpad(padded) == data
    assert len(padded) == padme_length(len(data) + 1)
    assert len(padded) <= (len(data) + 1) * 1.12 + 1


@given(st.text(max_size=3000))
def test_overhead_is_within_budget(body: str) -> None:
    payload = {"body": body}
    env = seal(header(), payload, CK, SK)
    padded = len(pad(zlib.compress(encode_payload(payload), 6)))
    assert len(env) - padded <= 250


def test_header_parse() -> None:
    h = parse_header(SEALED)
    assert h == header()


# -- the published test vector ----------------------------------------------------------------
def _vector() -> dict[str, str]:
    text = (Path(__file__).parents[2] / "store" / "crypto" / "ENVELOPE.md").read_text()
    block = text.split("<!-- vector -->")[1]
    return {k: "".join(v.split()) for k, v in re.findall(r"^(\w+):\s*\n?((?:[ ]*[0-9a-f]+\n)+)",
                                                         block, re.M)}


def test_vector_matches_byte_for_byte() -> None:
    v = _vector()
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["signing_seed"]))
    h = parse_header(bytes.fromhex(v["envelope"]))
    payload_json = bytes.fromhex(v["payload"])
    env = seal(h, payload_json, bytes.fromhex(v["collection_key"]), sk,
               salt=bytes.fromhex(v["salt"]), nonce=bytes.fromhex(v["nonce"]))
    assert env.hex() == v["envelope"]
    _, payload = open_envelope(env, lambda e: bytes.fromhex(v["collection_key"]),
                               lambda d: sk.public_key())
    assert encode_payload(payload) == payload_json


@given(st.binary(min_size=1, max_size=64), st.one_of(st.none(), st.binary(max_size=40)),
       st.binary(max_size=120))
def test_hkdf_matches_cryptography(ikm: bytes, salt: bytes | None, info: bytes) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from store.crypto import hkdf_sha256

    want = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)
    assert hkdf_sha256(ikm, salt, info) == want
