"""Invitations the server cannot hijack (DESIGN §6, issue 7). Pure: no I/O.

The lead's device makes a one-time 128-bit secret and shows it, with the first 8 bytes of its
own signing-key fingerprint (``_roster.fingerprint``), as a code to give in person::

    code  = Crockford base32 of (secret 16 B | lead fingerprint[:8])  -> 39 characters
            (3 zero pad bits) + 1 Luhn mod 32 check character, shown as 8 groups of 5
            e.g. "7Q2MX-0K4T9-..." ; parsing ignores case, spaces and dashes, reads O as 0
            and I, L as 1, and names the character at fault
    invite_id    = HMAC-SHA256(secret, "fieldpad/v1/invite-id")[:12]   (all the server sees)
    join proof   = HMAC-SHA256(secret, "fieldpad/v1/join" | collection-or-inspection id 16 B
                   | device_id 16 B | sign_key 32 B | kx_key 32 B | len(user) u8 | user)
    accept proof = HMAC-SHA256(secret, "fieldpad/v1/accept" | roster head 32 B | device_id 16 B)

The joiner sends its public keys with the join proof; the lead's device checks the proof
(constant time) before it signs an ``add_device`` event, so keys swapped by the server fail.
The lead answers with the accept proof over the new roster head, so the joiner knows the roster
it is shown was extended by someone holding the secret, and pins that roster's genesis lead.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from store.errors import FieldpadError

from ._roster_log import ADD, GENESIS, MEMBER, Roster, SignedEvent, fingerprint

INVITE_ID_INFO = b"fieldpad/v1/invite-id"
JOIN_INFO = b"fieldpad/v1/join"
ACCEPT_INFO = b"fieldpad/v1/accept"
SECRET_LEN, FPR_LEN, INVITE_ID_LEN = 16, 8, 12
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_DATA_CHARS = 39  # ceil(24 * 8 / 5)
CODE_CHARS = _DATA_CHARS + 1
GROUP = 5
_READ_AS = {"O": "0", "I": "1", "L": "1"}


class InviteError(FieldpadError):
    """An invitation step that failed; never carries the secret."""


class BadInviteCode(InviteError, ValueError):
    """The code was mistyped (length, character or checksum)."""


class JoinRejected(InviteError):
    """The join proof does not match the keys presented: the keys were swapped or the code
    is wrong. Nothing was added to the roster."""


class AcceptanceRejected(InviteError):
    """The roster shown to the joining device was not extended by the code's lead."""


# -- codes -----------------------------------------------------------------------------------
def _luhn32_check(digits: Sequence[int]) -> int:
    total, factor = 0, 2
    for d in reversed(digits):
        a = factor * d
        total += a // 32 + a % 32
        factor = 3 - factor
    return (32 - total % 32) % 32


def format_code(secret: bytes, lead_fingerprint: bytes) -> str:
    if len(secret) != SECRET_LEN or len(lead_fingerprint) < FPR_LEN:
        raise ValueError("an invitation is a 16-byte secret and an 8-byte lead fingerprint")
    value = int.from_bytes(secret + lead_fingerprint[:FPR_LEN], "big") << 3
    digits = [(value >> (5 * i)) & 31 for i in reversed(range(_DATA_CHARS))]
    text = "".join(ALPHABET[d] for d in digits) + ALPHABET[_luhn32_check(digits)]
    return "-".join(text[i:i + GROUP] for i in range(0, CODE_CHARS, GROUP))


def parse_code(code: str) -> tuple[bytes, bytes]:
    """(secret, lead fingerprint prefix) from a code as typed; raises ``BadInviteCode``."""
    chars = [_READ_AS.get(c, c) for c in code.upper() if c not in " -\t\n"]
    if len(chars) != CODE_CHARS:
        raise BadInviteCode(f"an invitation code has {CODE_CHARS} characters (8 groups of 5); "
                            f"this one has {len(chars)}")
    digits = []
    for i, c in enumerate(chars):
        if c not in ALPHABET:
            raise BadInviteCode(f"character {i + 1} ({c!r}) is never used in invitation codes")
        digits.append(ALPHABET.index(c))
    if _luhn32_check(digits[:-1]) != digits[-1]:
        raise BadInviteCode("the code does not check out: a character is mistyped or two are "
                            "swapped; compare it with the lead's screen again")
    value = 0
    for d in digits[:-1]:
        value = value << 5 | d
    if value & 0b111:
        raise BadInviteCode("the code does not check out: a character is mistyped")
    raw = (value >> 3).to_bytes(SECRET_LEN + FPR_LEN, "big")
    return raw[:SECRET_LEN], raw[SECRET_LEN:]


# -- the invitation --------------------------------------------------------------------------
def invite_id(secret: bytes) -> bytes:
    """What the server routes and rate-limits by: 12 bytes that do not reveal the secret."""
    return hmac.digest(secret, INVITE_ID_INFO, "sha256")[:INVITE_ID_LEN]


@dataclass(frozen=True)
class Invitation:
    secret: bytes = field(repr=False)
    lead_fingerprint: bytes  # the first 8 bytes of the inviting lead device's fingerprint

    def __repr__(self) -> str:
        return f"Invitation(id={self.invite_id.hex()}, secret=<redacted>)"

    @classmethod
    def new(cls, lead_sign_key: bytes) -> Invitation:
        """The lead's device makes a fresh one-time invitation."""
        return cls(os.urandom(SECRET_LEN), fingerprint(lead_sign_key)[:FPR_LEN])

    @classmethod
    def from_code(cls, code: str) -> Invitation:
        return cls(*parse_code(code))

    @property
    def code(self) -> str:
        return format_code(self.secret, self.lead_fingerprint)

    @property
    def invite_id(self) -> bytes:
        return invite_id(self.secret)


# -- proofs ----------------------------------------------------------------------------------
def _join_message(target_id: bytes, device_id: bytes, sign_key: bytes, kx_key: bytes,
                  user: str) -> bytes:
    u = user.encode("utf-8")
    if (len(target_id), len(device_id), len(sign_key), len(kx_key)) != (16, 16, 32, 32) \
            or not 1 <= len(u) <= 255:
        raise ValueError("ids are 16 bytes, public keys 32 bytes, a user name 1-255 bytes")
    return JOIN_INFO + target_id + device_id + sign_key + kx_key + bytes([len(u)]) + u


def join_proof(secret: bytes, collection_or_inspection_id: bytes, device_id: bytes,
               sign_key: bytes, kx_key: bytes, user: str) -> bytes:
    """The joining device's proof that it knows the secret, over its public keys."""
    msg = _join_message(collection_or_inspection_id, device_id, sign_key, kx_key, user)
    return hmac.digest(secret, msg, "sha256")


def verify_join(secret: bytes, collection_or_inspection_id: bytes, device_id: bytes,
                sign_key: bytes, kx_key: bytes, user: str, proof: bytes) -> bool:
    """The lead's check of a join request, in constant time."""
    try:
        want = join_proof(secret, collection_or_inspection_id, device_id, sign_key, kx_key, user)
    except ValueError:
        return False
    return hmac.compare_digest(want, proof)


def accept_proof(secret: bytes, roster_head: bytes, device_id: bytes) -> bytes:
    """The lead's proof that it extended the roster up to ``roster_head`` for this device."""
    if len(roster_head) != 32 or len(device_id) != 16:
        raise ValueError("a roster head is 32 bytes and a device id 16")
    return hmac.digest(secret, ACCEPT_INFO + roster_head + device_id, "sha256")


def verify_accept(secret: bytes, roster_head: bytes, device_id: bytes, proof: bytes) -> bool:
    try:
        want = accept_proof(secret, roster_head, device_id)
    except ValueError:
        return False
    return hmac.compare_digest(want, proof)


# -- the two ends of a join ------------------------------------------------------------------
def admit(roster: Roster, invitation: Invitation, target_id: bytes, device_id: bytes,
          sign_key: bytes, kx_key: bytes, user: str, proof: bytes, *, lead_device_id: bytes,
          lead_signing_key: Ed25519PrivateKey, role: str = MEMBER,
          at: str | None = None) -> tuple[Roster, SignedEvent, bytes]:
    """Lead's device: check a join request and, only if its proof holds, add the device.
    Returns (new roster, the add_device event to upload, the accept proof to send back)."""
    if not verify_join(invitation.secret, target_id, device_id, sign_key, kx_key, user, proof):
        raise JoinRejected("the join request does not match this invitation: its keys were "
                           "changed on the way, or the code was not this one")
    new, signed = roster.sign_next(lead_signing_key, ADD, lead_device_id, at=at,
                                   device_id=device_id, user=user, role=role,
                                   sign_key=sign_key, kx_key=kx_key)
    return new, signed, accept_proof(invitation.secret, new.head, device_id)


def check_acceptance(invitation: Invitation, collection_id: bytes,
                     events: Sequence[SignedEvent], device_id: bytes, sign_key: bytes,
                     kx_key: bytes, user: str, proof: bytes) -> Roster:
    """Joining device: check the roster the server shows against the lead's accept proof.

    The roster must verify from its genesis; one of its events must be the head the proof
    names; up to there, a lead whose fingerprint starts with the code's prefix must have added
    this very device with these very keys; and the device must still be active. Returns the
    roster; the device then pins ``roster.genesis_sign_key``. Raises ``AcceptanceRejected``
    (or a ``RosterError`` for a log that does not verify)."""
    if not events:
        raise AcceptanceRejected("the server showed no roster")
    first = events[0].event()
    if first.op != GENESIS:
        raise AcceptanceRejected("the roster shown does not start with its genesis")
    roster = Roster.verify(events, bytes.fromhex(first.sign_key or ""))
    if roster.collection != collection_id:
        raise AcceptanceRejected("the roster shown is for another collection")
    anchor = next((i for i, e in enumerate(events)
                   if verify_accept(invitation.secret, e.hash, device_id, proof)), None)
    if anchor is None:
        raise AcceptanceRejected("the roster shown was not extended by the lead who made "
                                 "this invitation")
    for e in events[:anchor + 1]:
        ev = e.event()
        if ev.op == ADD and ev.device_id == device_id.hex():
            if (ev.sign_key, ev.kx_key, ev.user) != (sign_key.hex(), kx_key.hex(), user):
                raise AcceptanceRejected("the roster adds this device with other keys")
            lead = roster.device(bytes.fromhex(ev.by))
            if lead is None or not hmac.compare_digest(lead.fingerprint[:FPR_LEN],
                                                       invitation.lead_fingerprint):
                raise AcceptanceRejected("this device was added by another lead than the one "
                                         "whose code was entered")
            break
    else:
        raise AcceptanceRejected("the roster does not add this device")
    if not roster.is_active(device_id):
        raise AcceptanceRejected("this device was removed from the roster again")
    return roster
