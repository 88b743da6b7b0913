"""Envelope v1: the one format for everything stored or sent (DESIGN §3, store/crypto/ENVELOPE.md).

    header  magic "FPD1" | version u8 | suite u8 | collection_id 16 | device_id 16 | seq u64
            | prev_hash 32 | epoch u32                                       (82 bytes, the AAD)
    body    salt 32 | nonce 12 | commit 32 | AES-256-GCM(pad(zlib(payload))) (+16 tag)
    sig     Ed25519(device key, "fieldpad/v1/sig" | header | SHA-256(body))   (64 bytes)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from store.errors import (
    BadCommitment,
    BadPayload,
    BadSignature,
    DecryptFailed,
    HeaderMismatch,
    MalformedEnvelope,
    RecordRef,
    UnknownKey,
    UnsupportedEnvelope,
)

from ._padding import pad, unpad

MAGIC = b"FPD1"
VERSION = 1
# Suite 1: HKDF-SHA256 record keys, key commitment, AES-256-GCM, zlib, Padmé, Ed25519.
SUITE = 1
HEADER = struct.Struct(">4sBB16s16sQ32sI")
HEADER_LEN = HEADER.size  # 82
SALT_LEN, NONCE_LEN, COMMIT_LEN, TAG_LEN, SIG_LEN = 32, 12, 32, 16, 64
MIN_LEN = HEADER_LEN + SALT_LEN + NONCE_LEN + COMMIT_LEN + TAG_LEN + SIG_LEN
ZERO_HASH = bytes(32)
# A payload inflates to at most this many bytes: a small envelope cannot become a zip bomb.
MAX_PAYLOAD = 8 * 1024 * 1024

REC_INFO = b"fieldpad/v1/rec"
COMMIT_INFO = b"fieldpad/v1/commit"
SIG_CONTEXT = b"fieldpad/v1/sig"


@dataclass(frozen=True, slots=True)
class Header:
    """The plaintext header: all the server (or anyone) learns about a record, besides its size."""

    collection_id: bytes
    device_id: bytes
    seq: int
    prev_hash: bytes
    epoch: int
    version: int = VERSION
    suite: int = SUITE

    def pack(self) -> bytes:
        return HEADER.pack(
            MAGIC,
            self.version,
            self.suite,
            self.collection_id,
            self.device_id,
            self.seq,
            self.prev_hash,
            self.epoch,
        )

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.collection_id, self.device_id, self.seq)


def parse_header(envelope: bytes) -> Header:
    """Parse and check the header's framing, magic, version and suite (no crypto)."""
    if len(envelope) < MIN_LEN:
        raise MalformedEnvelope(None, f"{len(envelope)} bytes is shorter than any envelope")
    magic, version, suite, coll, dev, seq, prev, epoch = HEADER.unpack_from(envelope)
    header = Header(coll, dev, seq, prev, epoch, version, suite)
    if magic != MAGIC:
        raise UnsupportedEnvelope(header.ref, "not a fieldpad envelope")
    if version != VERSION or suite != SUITE:
        raise UnsupportedEnvelope(header.ref, f"version {version}, suite {suite}")
    if seq < 1:
        raise MalformedEnvelope(header.ref, "seq must start at 1")
    return header


def envelope_hash(envelope: bytes) -> bytes:
    """SHA-256 of a whole envelope: what the next record of the stream names as prev_hash."""
    return hashlib.sha256(envelope).digest()


def hkdf_sha256(ikm: bytes, salt: bytes | None, info: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) for one 32-byte block, with the stdlib's one-shot HMAC.

    The same function as ``cryptography``'s HKDF (a test checks it), at a fraction of the cost
    per call: unlock derives two keys for each of thousands of records.
    """
    prk = hmac.digest(salt or bytes(32), ikm, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")


def _record_key(collection_key: bytes, salt: bytes, header_bytes: bytes) -> bytes:
    return hkdf_sha256(collection_key, salt, REC_INFO + header_bytes)


def _commitment(record_key: bytes) -> bytes:
    return hkdf_sha256(record_key, None, COMMIT_INFO)


def _sig_message(header_bytes: bytes, body: bytes) -> bytes:
    return SIG_CONTEXT + header_bytes + hashlib.sha256(body).digest()


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Canonical JSON, so the same payload always seals to the same plaintext."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def seal(
    header: Header,
    payload: dict[str, Any] | bytes,
    collection_key: bytes,
    signing_key: Ed25519PrivateKey,
    *,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """Seal ``payload`` under ``collection_key`` and sign it. ``salt``/``nonce`` are for test
    vectors only; by default both are fresh random bytes."""
    raw = payload if isinstance(payload, bytes) else encode_payload(payload)
    header_bytes = header.pack()
    salt = os.urandom(SALT_LEN) if salt is None else salt
    nonce = os.urandom(NONCE_LEN) if nonce is None else nonce
    record_key = _record_key(collection_key, salt, header_bytes)
    commit = _commitment(record_key)
    plaintext = pad(zlib.compress(raw, 6))
    ciphertext = AESGCM(record_key).encrypt(nonce, plaintext, header_bytes)
    body = salt + nonce + commit + ciphertext
    sig = signing_key.sign(_sig_message(header_bytes, body))
    return header_bytes + body + sig


@dataclass(frozen=True, slots=True)
class Expect:
    """What the caller expects of a header; ``None`` means "any"."""

    collection_id: bytes | None = None
    device_id: bytes | None = None
    seq: int | None = None
    prev_hash: bytes | None = None


def check_header(header: Header, expect: Expect) -> None:
    for name in ("collection_id", "device_id", "seq", "prev_hash"):
        want = getattr(expect, name)
        if want is not None and getattr(header, name) != want:
            raise HeaderMismatch(header.ref, f"{name} is not the expected one")


def verify_signature(
    envelope: bytes, header: Header, public_key: Ed25519PublicKey | None
) -> None:
    """Check the Ed25519 signature; ``public_key=None`` means the device is not active."""
    ref = header.ref
    if public_key is None:
        raise BadSignature(ref, "the signing device is not active in this collection")
    header_bytes = envelope[:HEADER_LEN]
    body = envelope[HEADER_LEN:-SIG_LEN]
    try:
        public_key.verify(envelope[-SIG_LEN:], _sig_message(header_bytes, body))
    except InvalidSignature:
        raise BadSignature(ref) from None


def open_envelope(
    envelope: bytes,
    key_for_epoch: Callable[[int], bytes | None],
    signer_for_device: Callable[[bytes], Ed25519PublicKey | None] | None,
    expect: Expect | None = None,
) -> tuple[Header, dict[str, Any]]:
    """Open an envelope in the order of DESIGN §3 and return its header and parsed payload.

    ``signer_for_device=None`` skips the signature check: only for records this store already
    verified when it first stored them (``doctor`` checks every signature again).
    """
    header = parse_header(envelope)
    ref = header.ref
    if expect is not None:
        check_header(header, expect)
    if signer_for_device is not None:
        verify_signature(envelope, header, signer_for_device(header.device_id))
    key = key_for_epoch(header.epoch)
    if key is None:
        raise UnknownKey(ref, f"epoch {header.epoch}")
    header_bytes = envelope[:HEADER_LEN]
    off = HEADER_LEN
    salt = envelope[off : off + SALT_LEN]
    off += SALT_LEN
    nonce = envelope[off : off + NONCE_LEN]
    off += NONCE_LEN
    commit = envelope[off : off + COMMIT_LEN]
    off += COMMIT_LEN
    ciphertext = envelope[off:-SIG_LEN]
    record_key = _record_key(key, salt, header_bytes)
    if not hmac.compare_digest(_commitment(record_key), commit):
        raise BadCommitment(ref)
    try:
        padded = AESGCM(record_key).decrypt(nonce, ciphertext, header_bytes)
    except InvalidTag:
        raise DecryptFailed(ref) from None
    try:
        d = zlib.decompressobj()
        raw = d.decompress(unpad(padded), MAX_PAYLOAD)
        if d.unconsumed_tail or not d.eof:
            raise ValueError("payload too large or truncated")
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("payload is not an object")
    except (ValueError, zlib.error) as exc:
        raise BadPayload(ref, str(exc)) from None
    return header, payload

