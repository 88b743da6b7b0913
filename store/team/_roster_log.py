"""The signed, hash-chained roster log of a collection (DESIGN §6, issue 7). Pure: no I/O.

Each event is canonical JSON (sorted keys, no spaces, ASCII) and signed with Ed25519 by a device
that is an active *lead* in the roster state before the event (genesis: by the device it names)::

    common   collection (hex 16 B) | n (1, 2, ...) | prev (hex SHA-256 of the previous event's
             canonical bytes + signature; 64 zeros for n=1) | op | at (ISO 8601 with offset)
             | by (hex device id of the signer)
    genesis        device_id, user, sign_key, kx_key, epoch (= 1), key_commit
    add_device     device_id, user, role (member|lead), sign_key, kx_key
    remove_device  device_id, reason (removed|left|lost|compromised)
    rotate         epoch (= current + 1), key_commit

    sig         = Ed25519(signer, "fieldpad/v1/roster-sig" | canonical)
    event hash  = SHA-256(canonical | sig)                      (what the next ``prev`` names)
    key_commit  = HMAC-SHA256(collection key, "fieldpad/v1/roster-commit" | collection 16 B
                  | epoch u32 big-endian)                        (hex)

No other field is allowed, so an event never carries note content; an event is at most
``MAX_EVENT_BYTES``. A client verifies the log from genesis against the lead key it pinned when
it joined, keeps the verified state, and only ever extends it: a shorter or different log served
later is a rollback or a fork (``check_against_known``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from store.errors import FieldpadError

SIG_CONTEXT = b"fieldpad/v1/roster-sig"
COMMIT_CONTEXT = b"fieldpad/v1/roster-commit"
FP_CONTEXT = b"fieldpad/v1/fp"  # the same digest as sync.client.fingerprint shows
GENESIS_PREV = "0" * 64
SIG_LEN = 64
MAX_EVENT_BYTES = 1024

GENESIS, ADD, REMOVE, ROTATE = "genesis", "add_device", "remove_device", "rotate"
LEAD, MEMBER = "lead", "member"
ROLES = (MEMBER, LEAD)
REMOVE_REASONS = ("removed", "left", "lost", "compromised")
COMMON_FIELDS = ("collection", "n", "prev", "op", "at", "by")
OP_FIELDS: dict[str, tuple[str, ...]] = {
    GENESIS: ("device_id", "user", "sign_key", "kx_key", "epoch", "key_commit"),
    ADD: ("device_id", "user", "role", "sign_key", "kx_key"),
    REMOVE: ("device_id", "reason"),
    ROTATE: ("epoch", "key_commit"),
}

_HEX16 = re.compile(r"[0-9a-f]{32}")
_HEX32 = re.compile(r"[0-9a-f]{64}")
_USER = re.compile(r"[A-Za-z0-9._@-]{1,64}")


# -- errors ----------------------------------------------------------------------------------
class RosterError(FieldpadError):
    """A roster that must not be trusted. ``n`` names the offending event (None: the log)."""

    kind = "is invalid"

    def __init__(self, n: int | None, detail: str = "") -> None:
        self.n = n
        self.detail = detail
        where = f"roster event {n}" if n is not None else "the roster"
        super().__init__(f"{where} {self.kind}" + (f": {detail}" if detail else ""))


class RosterForged(RosterError):
    """Not signed by an active lead (or genesis is not the pinned lead): a forgery."""

    kind = "is forged"


class RosterForked(RosterError):
    """The served log differs from the one this device verified at the same position."""

    kind = "forks from the roster this device verified"


class RosterRolledBack(RosterError):
    """The served log is shorter than the one this device verified (an old roster replayed)."""

    kind = "is missing: the server rolled the roster back"


class RosterBroken(RosterError):
    """Malformed, not canonical, not chained, not contiguous, or against the roster's rules."""

    kind = "is broken"


# -- helpers ---------------------------------------------------------------------------------
def key_commitment(collection_key: bytes, collection_id: bytes, epoch: int) -> bytes:
    """The roster's commitment to a collection key (32 bytes)."""
    if len(collection_id) != 16 or not 1 <= epoch < 2**32:
        raise ValueError("a collection id is 16 bytes and an epoch a positive u32")
    msg = COMMIT_CONTEXT + collection_id + epoch.to_bytes(4, "big")
    return hmac.digest(collection_key, msg, "sha256")


def fingerprint(sign_key: bytes) -> bytes:
    """The full device fingerprint digest (32 bytes); ``sync.client.fingerprint`` shows it."""
    return hashlib.sha256(FP_CONTEXT + sign_key).digest()


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def canonical_json(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate field {k!r}")
        out[k] = v
    return out


def _reject(value: str) -> Any:
    raise ValueError(f"{value} is not allowed")


# -- events ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RosterEvent:
    """One roster event; fields an op does not use are None and are not encoded."""

    collection: str
    n: int
    prev: str
    op: str
    at: str
    by: str
    device_id: str | None = None
    user: str | None = None
    role: str | None = None
    sign_key: str | None = None
    kx_key: str | None = None
    reason: str | None = None
    epoch: int | None = None
    key_commit: str | None = None

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> RosterEvent:
        """Check a field mapping against the format above; raises ``RosterBroken``."""
        n = data.get("n") if isinstance(data, Mapping) else None
        n = n if type(n) is int else None

        def bad(detail: str) -> RosterBroken:
            return RosterBroken(n, detail)

        if not isinstance(data, Mapping):
            raise bad("an event is a JSON object")
        op = data.get("op")
        if op not in OP_FIELDS:
            raise bad(f"unknown op {op!r}")
        want = set(COMMON_FIELDS) | set(OP_FIELDS[op])
        if set(data) != want:
            extra, missing = sorted(set(data) - want), sorted(want - set(data))
            raise bad(f"{op} has unexpected fields {extra} / lacks {missing}")
        if n is None or n < 1:
            raise bad("n is a positive integer")
        ev = cls(**{k: data[k] for k in want})
        ev._check(bad)
        return ev

    def _check(self, bad: Any) -> None:
        def hexf(name: str, pat: re.Pattern[str]) -> None:
            v = getattr(self, name)
            if not isinstance(v, str) or not pat.fullmatch(v):
                raise bad(f"{name} is not lowercase hex of the right length")

        hexf("collection", _HEX16)
        hexf("prev", _HEX32)
        hexf("by", _HEX16)
        if not isinstance(self.at, str) or len(self.at) > 40:
            raise bad("at is not an ISO time")
        try:
            if datetime.fromisoformat(self.at).tzinfo is None:
                raise ValueError
        except ValueError:
            raise bad("at is not an ISO time with an offset") from None
        if self.op in (GENESIS, ADD, REMOVE):
            hexf("device_id", _HEX16)
        if self.op in (GENESIS, ADD):
            hexf("sign_key", _HEX32)
            hexf("kx_key", _HEX32)
            if not isinstance(self.user, str) or not _USER.fullmatch(self.user):
                raise bad("user is not a valid user name")
        if self.op in (GENESIS, ROTATE):
            if type(self.epoch) is not int or not 1 <= self.epoch < 2**32:
                raise bad("epoch is a positive integer")
            hexf("key_commit", _HEX32)
        if self.op == ADD and self.role not in ROLES:
            raise bad(f"role is one of {ROLES}")
        if self.op == REMOVE and self.reason not in REMOVE_REASONS:
            raise bad(f"reason is one of {REMOVE_REASONS}")
        if self.op == GENESIS:
            if self.n != 1 or self.prev != GENESIS_PREV or self.epoch != 1:
                raise bad("genesis is event 1, after 64 zeros, for epoch 1")
            if self.by != self.device_id:
                raise bad("genesis is signed by the device it names")
        elif self.n == 1:
            raise bad("event 1 must be genesis")

    def to_fields(self) -> dict[str, Any]:
        use = set(COMMON_FIELDS) | set(OP_FIELDS.get(self.op, ()))
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in use}

    def canonical(self) -> bytes:
        return canonical_json(self.to_fields())


@dataclass(frozen=True, slots=True)
class SignedEvent:
    """An event's canonical bytes and its Ed25519 signature: what is stored and sent."""

    canonical: bytes
    sig: bytes

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(self.canonical + self.sig).digest()

    def event(self) -> RosterEvent:
        """Parse and check the event (strict: canonical JSON only); raises ``RosterBroken``."""
        if len(self.canonical) > MAX_EVENT_BYTES:
            raise RosterBroken(None, f"an event is at most {MAX_EVENT_BYTES} bytes")
        if len(self.sig) != SIG_LEN:
            raise RosterBroken(None, "a signature is 64 bytes")
        try:
            data = json.loads(self.canonical.decode("ascii"), object_pairs_hook=_no_dupes,
                              parse_float=_reject, parse_constant=_reject)
        except (UnicodeDecodeError, ValueError) as exc:
            raise RosterBroken(None, f"not JSON ({exc})") from None
        ev = RosterEvent.from_fields(data)
        if ev.canonical() != self.canonical:
            raise RosterBroken(ev.n, "not in canonical JSON")
        return ev

    def pack(self) -> bytes:
        """Binary form for storage: sig (64 B) | canonical."""
        return self.sig + self.canonical

    @classmethod
    def unpack(cls, data: bytes) -> SignedEvent:
        if len(data) <= SIG_LEN:
            raise RosterBroken(None, "too short to be a signed event")
        return cls(bytes(data[SIG_LEN:]), bytes(data[:SIG_LEN]))

    def to_wire(self) -> dict[str, str]:
        """JSON form for the API: {"event": canonical text, "sig": hex}."""
        return {"event": self.canonical.decode("ascii"), "sig": self.sig.hex()}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SignedEvent:
        try:
            return cls(str(data["event"]).encode("ascii"), bytes.fromhex(str(data["sig"])))
        except (KeyError, ValueError, UnicodeEncodeError):
            raise RosterBroken(None, "not a signed event") from None


def sign_event(event: Mapping[str, Any] | RosterEvent,
               signing_key: Ed25519PrivateKey) -> SignedEvent:
    """Check ``event`` and sign its canonical bytes."""
    ev = event if isinstance(event, RosterEvent) else RosterEvent.from_fields(event)
    ev._check(lambda d: RosterBroken(ev.n, d))
    canonical = ev.canonical()
    if len(canonical) > MAX_EVENT_BYTES:
        raise RosterBroken(ev.n, f"an event is at most {MAX_EVENT_BYTES} bytes")
    return SignedEvent(canonical, signing_key.sign(SIG_CONTEXT + canonical))


def _verify_sig(signed: SignedEvent, sign_key: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(sign_key).verify(signed.sig,
                                                            SIG_CONTEXT + signed.canonical)
        return True
    except (InvalidSignature, ValueError):
        return False


# -- state -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RosterDevice:
    device_id: bytes
    user: str
    role: str
    sign_key: bytes
    kx_key: bytes
    added: int  # n of the event that added it

    @property
    def fingerprint(self) -> bytes:
        return fingerprint(self.sign_key)


def check_against_known(known_head: bytes, known_len: int, served: Sequence[SignedEvent],
                        *, offset: int = 0) -> None:
    """Raise if ``served`` (events n = offset+1, offset+2, ...) does not contain the log this
    device already verified (``known_len`` events ending in ``known_head``): shorter is a
    rollback, another event at n = known_len is a fork. Hash chaining makes that one check
    cover the whole verified prefix."""
    if known_len == 0:
        return
    if offset + len(served) < known_len:
        raise RosterRolledBack(known_len, f"the server served {offset + len(served)} events; "
                               f"this device already verified {known_len}")
    if offset >= known_len:
        raise RosterBroken(offset + 1, f"the served events start after event {offset}, "
                           f"not at or before event {known_len} this device verified")
    if not hmac.compare_digest(served[known_len - 1 - offset].hash, known_head):
        raise RosterForked(known_len, "the server holds another event at this position")


class Roster:
    """The verified state of one collection's roster. Immutable: ``extend`` returns a new one,
    so a failed check leaves the caller's state as it was."""

    __slots__ = ("collection", "epoch", "head", "_active", "_removed", "_commits", "_events",
                 "_rotation_due")

    def __init__(self) -> None:  # use verify / create
        self.collection = b""
        self.epoch = 0
        self.head = bytes(32)
        self._active: dict[bytes, RosterDevice] = {}
        self._removed: dict[bytes, tuple[RosterDevice, int, str]] = {}
        self._commits: dict[int, bytes] = {}
        self._events: tuple[SignedEvent, ...] = ()
        self._rotation_due = False

    def __repr__(self) -> str:
        return (f"Roster({self.collection.hex()[:8]}, n={self.length}, epoch={self.epoch}, "
                f"{len(self._active)} active, {len(self._removed)} removed)")

    # -- building and checking -------------------------------------------------------------
    @classmethod
    def verify(cls, events: Sequence[SignedEvent], pinned_lead_sign_key: bytes) -> Roster:
        """Verify a whole log from genesis, whose lead must be ``pinned_lead_sign_key``."""
        if not events:
            raise RosterBroken(None, "a roster starts with its genesis event")
        first = events[0]
        ev = first.event()
        if ev.op != GENESIS:
            raise RosterBroken(ev.n, "the first event must be genesis")
        sign_key = bytes.fromhex(ev.sign_key or "")
        if not hmac.compare_digest(sign_key, pinned_lead_sign_key):
            raise RosterForged(1, "genesis names another lead key than the one pinned on join")
        if not _verify_sig(first, sign_key):
            raise RosterForged(1, "the genesis signature does not verify")
        r = cls()
        r.collection = bytes.fromhex(ev.collection)
        did = bytes.fromhex(ev.device_id or "")
        r._active = {did: RosterDevice(did, ev.user or "", LEAD, sign_key,
                                       bytes.fromhex(ev.kx_key or ""), 1)}
        r.epoch = 1
        r._commits = {1: bytes.fromhex(ev.key_commit or "")}
        r.head = first.hash
        r._events = (first,)
        return r._apply_all(events[1:], first_is_tail=False)

    @classmethod
    def create(cls, collection_id: bytes, device_id: bytes, user: str,
               signing_key: Ed25519PrivateKey, kx_key: bytes, collection_key: bytes,
               *, at: str | None = None) -> tuple[Roster, SignedEvent]:
        """The first lead's device starts a collection's roster (epoch 1)."""
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        sign_pub = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signed = sign_event(RosterEvent(
            collection=collection_id.hex(), n=1, prev=GENESIS_PREV, op=GENESIS,
            at=at or now_iso(), by=device_id.hex(), device_id=device_id.hex(), user=user,
            sign_key=sign_pub.hex(), kx_key=kx_key.hex(), epoch=1,
            key_commit=key_commitment(collection_key, collection_id, 1).hex()), signing_key)
        return cls.verify([signed], sign_pub), signed

    def extend(self, new_events: Sequence[SignedEvent]) -> Roster:
        """Verify only the new tail (events n = length+1, ...) against this state."""
        return self._apply_all(new_events, first_is_tail=True)

    def update(self, served: Sequence[SignedEvent], *, offset: int = 0) -> Roster:
        """Take a log the server served (events n = offset+1, ...): refuse a rollback or a fork
        of what this state verified, then verify and apply what is new."""
        check_against_known(self.head, self.length, served, offset=offset)
        if offset > self.length:  # only reached for an empty known log, which cannot exist
            raise RosterBroken(offset + 1, "events are missing before this one")
        return self.extend(served[self.length - offset:])

    def propose(self, op: str, by: bytes, *, at: str | None = None,
                **op_fields: Any) -> RosterEvent:
        """The next event (n, prev, collection filled in), checked for shape only."""
        data = {"collection": self.collection.hex(), "n": self.length + 1,
                "prev": self.head.hex(), "op": op, "at": at or now_iso(), "by": by.hex(),
                **{k: (v.hex() if isinstance(v, bytes) else v) for k, v in op_fields.items()}}
        return RosterEvent.from_fields(data)

    def sign_next(self, signing_key: Ed25519PrivateKey, op: str, by: bytes, *,
                  at: str | None = None, **op_fields: Any) -> tuple[Roster, SignedEvent]:
        """Propose, sign and apply one event: the lead's device's way to change the roster.
        ``rotate`` takes ``collection_key=`` (the new key) instead of ``key_commit``."""
        if op == ROTATE and "collection_key" in op_fields:
            epoch = self.epoch + 1
            key = op_fields.pop("collection_key")
            op_fields.update(epoch=epoch, key_commit=key_commitment(key, self.collection, epoch))
        signed = sign_event(self.propose(op, by, at=at, **op_fields), signing_key)
        return self.extend([signed]), signed

    def _copy(self) -> Roster:
        r = Roster()
        r.collection, r.epoch, r.head = self.collection, self.epoch, self.head
        r._active, r._removed = dict(self._active), dict(self._removed)
        r._commits, r._events = dict(self._commits), self._events
        r._rotation_due = self._rotation_due
        return r

    def _apply_all(self, events: Sequence[SignedEvent], *, first_is_tail: bool) -> Roster:
        r = self._copy()
        for i, signed in enumerate(events):
            r._apply(signed, fork_point=first_is_tail and i == 0)
        return r

    def _apply(self, signed: SignedEvent, *, fork_point: bool) -> None:
        ev = signed.event()
        n = ev.n
        if ev.collection != self.collection.hex():
            raise RosterBroken(n, "belongs to another collection")
        if n != self.length + 1:
            raise RosterBroken(n, f"expected event {self.length + 1} next")
        if ev.prev != self.head.hex():
            if fork_point:
                raise RosterForked(n, f"it does not follow event {n - 1} this device verified")
            raise RosterBroken(n, "prev does not name the previous event")
        by = bytes.fromhex(ev.by)
        signer = self._active.get(by)
        if signer is None:
            why = "a removed" if by in self._removed else "an unknown"
            raise RosterForged(n, f"signed by {why} device {ev.by[:8]}")
        if signer.role != LEAD:
            raise RosterForged(n, f"signed by device {ev.by[:8]}, which is not a lead")
        if not _verify_sig(signed, signer.sign_key):
            raise RosterForged(n, "the signature does not verify with the lead's key")
        if ev.op == ADD:
            did = bytes.fromhex(ev.device_id or "")
            if did in self._removed:
                raise RosterBroken(n, f"re-adds removed device {ev.device_id[:8]}")
            if did in self._active:
                raise RosterBroken(n, f"adds device {ev.device_id[:8]} twice")
            self._active[did] = RosterDevice(did, ev.user or "", ev.role or MEMBER,
                                             bytes.fromhex(ev.sign_key or ""),
                                             bytes.fromhex(ev.kx_key or ""), n)
        elif ev.op == REMOVE:
            did = bytes.fromhex(ev.device_id or "")
            dev = self._active.get(did)
            if dev is None:
                raise RosterBroken(n, f"removes device {ev.device_id[:8]}, which is not active")
            if dev.role == LEAD and sum(d.role == LEAD for d in self._active.values()) == 1:
                raise RosterBroken(n, "removes the last lead")
            del self._active[did]
            self._removed[did] = (dev, n, ev.reason or "")
            self._rotation_due = True
        elif ev.op == ROTATE:
            if ev.epoch != self.epoch + 1:
                raise RosterBroken(n, f"rotates to epoch {ev.epoch}, not {self.epoch + 1}")
            self.epoch = ev.epoch
            self._commits[ev.epoch] = bytes.fromhex(ev.key_commit or "")
            self._rotation_due = False
        else:  # pragma: no cover - from_fields refuses genesis after event 1
            raise RosterBroken(n, f"op {ev.op} here")
        self.head = signed.hash
        self._events = self._events + (signed,)

    # -- queries ---------------------------------------------------------------------------
    @property
    def length(self) -> int:
        return len(self._events)

    @property
    def events(self) -> tuple[SignedEvent, ...]:
        return self._events

    @property
    def genesis_sign_key(self) -> bytes:
        """The lead key a device pins (it is what ``verify`` is given)."""
        return bytes.fromhex(self._events[0].event().sign_key or "")

    @property
    def key_commit(self) -> bytes:
        return self._commits[self.epoch]

    @property
    def rotation_due(self) -> bool:
        """A device was removed after the last rotation: the lead must rotate before anyone
        writes new records, or the removed device could still read them."""
        return self._rotation_due

    def devices(self) -> list[RosterDevice]:
        return sorted(self._active.values(), key=lambda d: d.device_id)

    def removed(self) -> dict[bytes, tuple[int, str]]:
        """Removed device id -> (n of the removal, reason)."""
        return {d: (n, why) for d, (_, n, why) in self._removed.items()}

    def device(self, device_id: bytes) -> RosterDevice | None:
        """An active or removed device (a device id is never reused, so neither are keys)."""
        if device_id in self._active:
            return self._active[device_id]
        gone = self._removed.get(device_id)
        return gone[0] if gone else None

    def is_active(self, device_id: bytes) -> bool:
        return device_id in self._active

    def is_lead(self, device_id: bytes) -> bool:
        d = self._active.get(device_id)
        return d is not None and d.role == LEAD

    def was_lead(self, device_id: bytes) -> bool:
        """Whether the device is a lead, or was one when it was removed."""
        d = self.device(device_id)
        return d is not None and d.role == LEAD

    def sign_key(self, device_id: bytes) -> bytes | None:
        d = self._active.get(device_id)
        return d.sign_key if d else None

    def kx_key(self, device_id: bytes) -> bytes | None:
        d = self._active.get(device_id)
        return d.kx_key if d else None

    def devices_lacking(self, epoch: int,
                        have: set[bytes] | frozenset[bytes]) -> list[RosterDevice]:
        """Active devices, not in ``have``, that should be sent the key of ``epoch``: every
        active device gets every epoch up to the current one (so it reads old records);
        removed devices never appear."""
        if not 1 <= epoch <= self.epoch:
            raise ValueError(f"epoch {epoch} is not on this roster (current {self.epoch})")
        return [d for d in self.devices() if d.device_id not in have]

    def key_commit_ok(self, epoch: int, key: bytes) -> bool:
        """Whether ``key`` is the collection key the roster committed to for ``epoch``."""
        want = self._commits.get(epoch)
        if want is None:
            return False
        return hmac.compare_digest(key_commitment(key, self.collection, epoch), want)
