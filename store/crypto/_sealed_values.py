"""Sealed field values: readable only by the devices they are sealed for (DESIGN §2, §6).

A concern form's child identifier is the one identifying field. The note itself is encrypted
under the collection key that every member device holds, so sealing the value inside it again is
what makes it "readable by leads only":

    data key   random 32 B
    ciphertext AES-256-GCM(data key, nonce 12, UTF-8 text, AAD = context)
    per recipient device: HPKE(X25519, HKDF-SHA256, AES-256-GCM) of the data key to its X25519
               key, info = "fieldpad/v1/sealed" | context | recipient device id

``context`` is ``note_id | "|" | field name``: a blob copied into another note or field does not
open there. The stored value is a string (templates keep fields as JSON scalars):

    "sealed:v1:" + base64url( count u8 | count × (device_id 16 | len u16 | wrapped) | nonce 12
                              | ciphertext )
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "SEALED_INFO",
    "SEALED_MAX_LENGTH",
    "SEALED_PREFIX",
    "field_context",
    "is_sealed",
    "open_value",
    "seal_value",
    "sealed_recipients",
]

SEALED_PREFIX = "sealed:v1:"
SEALED_INFO = b"fieldpad/v1/sealed"
#: The longest blob a field may hold: 64 recipients and a 4 KiB plaintext, base64 encoded.
SEALED_MAX_LENGTH = 16_384
MAX_RECIPIENTS = 64
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_DEVICE_LEN, _NONCE_LEN, _TAG_LEN = 16, 12, 16


def field_context(note_id: str, field: str) -> bytes:
    """What a sealed value is bound to: its note and its field."""
    return f"{note_id}|{field}".encode()


def _info(context: bytes, device_id: bytes) -> bytes:
    # the device id has a fixed length and comes last, so the concatenation is unambiguous
    return SEALED_INFO + context + device_id


def seal_value(text: str, recipients: Sequence[tuple[bytes, bytes]], context: bytes) -> str:
    """Seal ``text`` for ``recipients`` — (device id 16 B, X25519 public key 32 B) pairs."""
    unique = dict(recipients)  # one entry per device, whatever the caller passed
    if not unique:
        raise ValueError("a sealed value needs at least one recipient device")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"a sealed value has at most {MAX_RECIPIENTS} recipient devices")
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE_LEN)
    ciphertext = AESGCM(data_key).encrypt(nonce, text.encode("utf-8"), context)
    parts = [bytes([len(unique)])]
    for device_id, kx_pub in unique.items():
        if len(device_id) != _DEVICE_LEN or len(kx_pub) != 32:
            raise ValueError("a recipient is a 16-byte device id and a 32-byte X25519 key")
        wrapped = _SUITE.encrypt(data_key, X25519PublicKey.from_public_bytes(kx_pub),
                                 info=_info(context, device_id))
        parts += [device_id, struct.pack(">H", len(wrapped)), wrapped]
    parts += [nonce, ciphertext]
    raw = b"".join(parts)
    return SEALED_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _parse(blob: object) -> tuple[dict[bytes, bytes], bytes, bytes]:
    """(wrapped data key by device id, nonce, ciphertext); ``ValueError`` if malformed."""
    if not isinstance(blob, str) or not blob.startswith(SEALED_PREFIX) \
            or len(blob) > SEALED_MAX_LENGTH:
        raise ValueError("not a sealed value")
    text = blob[len(SEALED_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("a sealed value that is not base64url") from None
    if not raw or raw[0] == 0:
        raise ValueError("a sealed value without recipients")
    pos, wrapped = 1, {}
    for _ in range(raw[0]):
        if pos + _DEVICE_LEN + 2 > len(raw):
            raise ValueError("a truncated sealed value")
        device_id = raw[pos:pos + _DEVICE_LEN]
        (length,) = struct.unpack_from(">H", raw, pos + _DEVICE_LEN)
        pos += _DEVICE_LEN + 2
        if pos + length > len(raw):
            raise ValueError("a truncated sealed value")
        wrapped[device_id] = raw[pos:pos + length]
        pos += length
    if len(raw) - pos < _NONCE_LEN + _TAG_LEN:
        raise ValueError("a truncated sealed value")
    return wrapped, raw[pos:pos + _NONCE_LEN], raw[pos + _NONCE_LEN:]


def is_sealed(value: object) -> bool:
    """True for a well-formed sealed blob (typed text that merely starts like one is not)."""
    try:
        _parse(value)
    except ValueError:
        return False
    return True


def sealed_recipients(blob: str) -> list[bytes]:
    """The device ids a blob is sealed for, in its order; ``ValueError`` if malformed."""
    return list(_parse(blob)[0])


def open_value(blob: str, device_id: bytes, kx_private: X25519PrivateKey,
               context: bytes) -> str | None:
    """The sealed text, or ``None``: this device is not a recipient, the blob belongs to
    another note or field, or it is damaged. Never raises for a bad blob."""
    try:
        wrapped, nonce, ciphertext = _parse(blob)
        mine = wrapped.get(device_id)
        if mine is None:
            return None
        data_key = _SUITE.decrypt(mine, kx_private, info=_info(context, device_id))
        if len(data_key) != 32:
            return None
        return AESGCM(data_key).decrypt(nonce, ciphertext, context).decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError):
        return None
