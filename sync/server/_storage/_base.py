"""The storage interface of the server and the plain data it passes around.

A backend stores users, devices, enrolment codes, inspections, collections, memberships,
wrapped keys, stream heads, records and nonces. Every method that acts for a device takes the
caller and ``now`` and checks, inside its own transaction, that the caller's device is not
revoked and that its user is an active member of the collection (not removed, ``until`` not
passed): a removed member or revoked device is refused at once, whichever process serves it.

Methods raise the errors of :mod:`sync.server._errors` (``Forbidden``, ``Conflict``, ...).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import NamedTuple


class StorageUnavailable(RuntimeError):
    """The database cannot serve requests: the message says why, without secrets."""


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated device, the user it belongs to and its signing key."""

    device_id: bytes
    user_id: int
    sign_key: bytes = b""


@dataclass(frozen=True, slots=True)
class DeviceKey:
    device_id: bytes
    user_id: int
    sign_key: bytes
    revoked: bool


class IncomingRecord(NamedTuple):
    """One envelope of a push, its header already parsed and its signature checked. A named
    tuple: a push builds one per record, and a frozen dataclass costs four times as much."""

    seq: int
    prev_hash: bytes
    hash: bytes
    epoch: int
    envelope: bytes


@dataclass(frozen=True, slots=True)
class PushOutcome:
    accepted: int
    duplicates: int
    head: int
    head_hash: bytes | None = None


@dataclass(frozen=True, slots=True)
class OwnStream:
    """The calling device's own stream in one collection, as the server holds it: what the
    device checks against its own chain at every sync."""

    head: int = 0
    head_hash: bytes | None = None
    damaged: list[int] = field(default_factory=list)  # seqs found damaged, to be re-sent


@dataclass(frozen=True, slots=True)
class StreamStatus:
    heads: dict[bytes, int]
    epoch: int
    own: OwnStream = field(default_factory=OwnStream)


@dataclass(frozen=True, slots=True)
class StoredCopy:
    """A stored record with what the server checks it against when a reader reports it:
    the hash accepted with it, the record before it and its author's key."""

    device_id: bytes
    seq: int
    envelope: bytes
    hash: bytes
    prev_hashes: frozenset[bytes]  # what the record before it is known as (empty: unknown)
    sign_key: bytes


@dataclass(frozen=True, slots=True)
class RepairOutcome:
    replaced: int
    unchanged: int


@dataclass(slots=True)
class PullOutcome:
    envelopes: list[bytes] = field(default_factory=list)
    more: bool = False
    heads: dict[bytes, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    created_at: float
    active_devices: int


@dataclass(frozen=True, slots=True)
class DeviceRow:
    device_id: bytes
    user: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class InspectionRow:
    id: bytes
    name: str
    lead: str
    purged_at: float | None = None


@dataclass(frozen=True, slots=True)
class KeyView:
    epoch: int
    wrapped: bytes
    by_device: bytes | None


@dataclass(frozen=True, slots=True)
class CollectionView:
    collection_id: bytes
    inspection_id: bytes
    role: str
    epoch: int
    epochs: list[int]
    keys: list[KeyView]
    roster_head: str | None
    until: float | None
    kind: str = "team"
    inspection_name: str = ""
    heads: dict[bytes, int] = field(default_factory=dict)
    devices_missing_keys: int = 0
    roster_length: int = 0
    active_devices: int = 0
    own: OwnStream = field(default_factory=OwnStream)


@dataclass(frozen=True, slots=True)
class InspectionView:
    """An inspection the caller takes part in: as its lead, or as a member of a collection."""

    id: bytes
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class MemberDeviceView:
    device_id: bytes
    sign_key: bytes
    kx_key: bytes
    epochs: list[int]


@dataclass(frozen=True, slots=True)
class MemberView:
    user: str
    role: str
    until: float | None
    devices: list[MemberDeviceView]


@dataclass(frozen=True, slots=True)
class MemberState:
    user: str
    role: str
    active: bool
    until: float | None


@dataclass(frozen=True, slots=True)
class WrappedKey:
    epoch: int
    device_id: bytes
    wrapped: bytes


@dataclass(frozen=True, slots=True)
class RosterEventIn:
    """One event of a roster append, its shape already checked (``sync.server._roster``):
    the server keeps the log chained and append-only; clients verify the signatures."""

    n: int
    prev: str
    event: str
    sig: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class RosterLog:
    """A page of a collection's roster log, and the whole log's length and head."""

    length: int
    head: str | None
    events: list[tuple[str, bytes]] = field(default_factory=list)  # (canonical text, sig)


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """What a joining device sends for an invitation: its ids, keys and proof (relayed)."""

    device_id: bytes
    sign_key: bytes
    kx_key: bytes
    user: str
    proof: bytes


@dataclass(frozen=True, slots=True)
class TeamInvite:
    """A team invitation as the server routes it; the secret is never here."""

    invite_id: bytes
    inspection_id: bytes
    user: str
    role: str
    state: str
    created_by_device: bytes
    expires_at: float
    tries: int = 0
    join: JoinRequest | None = None
    accept_proof: bytes | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PurgeRow:
    """The audit record of a purged inspection."""

    inspection_id: bytes
    name: str
    purged_at: float
    by_device: bytes | None
    records_deleted: int


class Storage(ABC):
    """What the app needs from a database. Backends: SQLite and PostgreSQL."""

    url: str

    # --- lifecycle -----------------------------------------------------------------------
    @abstractmethod
    def migrate(self) -> int:
        """Apply pending schema migrations; return the schema version now in force."""

    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def ping(self) -> None:
        """Raise :class:`StorageUnavailable` (or the driver's error) unless the database
        answers now, is the one opened at start and has this server's schema: the
        readiness check (``/v1/health/ready``). Cheap: one small query."""

    @abstractmethod
    def close(self) -> None: ...

    # --- admin (no caller: the operator works on the database directly) ------------------
    @abstractmethod
    def add_user(self, name: str, now: float) -> int: ...

    @abstractmethod
    def list_users(self) -> list[UserRow]: ...

    @abstractmethod
    def add_invite(
        self, user: str, code_id: str, secret_hash: bytes, now: float, expires_at: float
    ) -> None: ...

    @abstractmethod
    def list_devices(self) -> list[DeviceRow]: ...

    @abstractmethod
    def revoke_device(self, device_id: bytes, now: float) -> bool:
        """Revoke a device; False if it was already revoked. NotFound if unknown."""

    @abstractmethod
    def add_inspection(self, inspection_id: bytes, name: str, lead: str, now: float) -> None: ...

    @abstractmethod
    def list_inspections(self) -> list[InspectionRow]: ...

    @abstractmethod
    def list_purges(self) -> list[PurgeRow]:
        """Every purge's audit record, oldest first."""

    # --- enrolment and authentication ----------------------------------------------------
    @abstractmethod
    def enrol(
        self,
        code_id: str,
        secret_hash: bytes,
        device_id: bytes,
        sign_key: bytes,
        kx_key: bytes,
        now: float,
        max_tries: int,
    ) -> str:
        """Spend an enrolment code on a new device; return the user's name. A wrong secret
        counts against the code (and is committed) before Unauthorized is raised."""

    @abstractmethod
    def device_key(self, device_id: bytes) -> DeviceKey | None: ...

    @abstractmethod
    def use_nonce(self, device_id: bytes, nonce: str, expires_at: float, now: float) -> str:
        """Record a nonce for an active device, in one transaction that also re-reads the
        device's status: "ok", "replayed" (this device used it already) or "revoked"."""

    # --- collections ----------------------------------------------------------------------
    @abstractmethod
    def list_collections(self, caller: Caller, now: float) -> list[CollectionView]: ...

    @abstractmethod
    def list_my_inspections(self, caller: Caller, now: float) -> list[InspectionView]: ...

    @abstractmethod
    def create_collection(
        self, caller: Caller, collection_id: bytes, inspection_id: bytes, now: float,
        kind: str = "team",
    ) -> CollectionView: ...

    @abstractmethod
    def add_member(
        self,
        caller: Caller,
        collection_id: bytes,
        user: str,
        role: str,
        until: float | None,
        now: float,
    ) -> MemberState: ...

    @abstractmethod
    def remove_member(
        self, caller: Caller, collection_id: bytes, user: str, now: float
    ) -> MemberState: ...

    @abstractmethod
    def list_members(
        self, caller: Caller, collection_id: bytes, now: float
    ) -> tuple[int, list[MemberView]]: ...

    @abstractmethod
    def upload_keys(
        self, caller: Caller, collection_id: bytes, keys: list[WrappedKey], now: float
    ) -> tuple[int, int, int]:
        """Store wrapped keys; return (stored, skipped, current epoch)."""

    # --- roster log -------------------------------------------------------------------------
    @abstractmethod
    def roster(
        self, caller: Caller, collection_id: bytes, after: int, limit: int, now: float
    ) -> RosterLog:
        """Events n > ``after`` (at most ``limit``), for any active member."""

    @abstractmethod
    def append_roster(
        self, caller: Caller, collection_id: bytes, events: list[RosterEventIn], now: float
    ) -> tuple[int, str | None]:
        """A lead appends events, chained on the stored head (an event already stored with
        the same hash is a duplicate); return (length, head hex). Conflict on a mismatch."""

    # --- team invitations ------------------------------------------------------------------
    @abstractmethod
    def create_team_invite(
        self, caller: Caller, invite_id: bytes, inspection_id: bytes, user: str, role: str,
        now: float, expires_at: float,
    ) -> TeamInvite: ...

    @abstractmethod
    def join_team_invite(
        self, caller: Caller, invite_id: bytes, join: JoinRequest, now: float, max_tries: int
    ) -> TeamInvite:
        """Record a join; every call counts against the invitation (and is committed) even
        when it is refused."""

    @abstractmethod
    def pending_team_invites(self, caller: Caller, now: float) -> list[TeamInvite]:
        """Joined invitations that the caller's device created (only it holds the secret)."""

    @abstractmethod
    def answer_team_invite(
        self, caller: Caller, invite_id: bytes, accept_proof: bytes | None,
        reason: str | None, now: float,
    ) -> TeamInvite:
        """The creating device accepts (``accept_proof``) or rejects (``reason``) a join."""

    @abstractmethod
    def team_invite(self, caller: Caller, invite_id: bytes, now: float) -> TeamInvite:
        """An invitation's state, for its creating or its joined device only (NotFound
        otherwise, so ids cannot be probed)."""

    # --- purge -----------------------------------------------------------------------------
    @abstractmethod
    def purge_inspection(self, caller: Caller, inspection_id: bytes, now: float,
                         statement: str | None = None) -> PurgeRow:
        """The inspection's lead deletes everything stored for it; idempotent. ``statement``
        (the lead's signed purge statement, opaque here) is kept for member devices."""

    @abstractmethod
    def list_purged(self, caller: Caller, now: float) -> list[tuple[bytes, str | None]]:
        """Purged inspections the caller's user took part in (lead, or any membership), each
        with the lead's purge statement when one was given."""

    # --- streams --------------------------------------------------------------------------
    @abstractmethod
    def status(self, caller: Caller, collection_id: bytes, now: float) -> StreamStatus: ...

    @abstractmethod
    def push(
        self, caller: Caller, collection_id: bytes, records: list[IncomingRecord], now: float
    ) -> PushOutcome: ...

    @abstractmethod
    def pull(
        self,
        caller: Caller,
        collection_id: bytes,
        after: dict[bytes, int],
        budget: int,
        now: float,
    ) -> PullOutcome: ...

    # --- repair (issue 11) -----------------------------------------------------------------
    @abstractmethod
    def stored_copies(
        self, caller: Caller, collection_id: bytes, wanted: list[tuple[bytes, int]], now: float,
        budget: int = 1,
    ) -> list[StoredCopy]:
        """For a member's damage report: the stored copies of (device, seq) records and of
        those after each in its stream (a reader stops at the first it cannot verify), at
        most ``budget`` in all, each with what it is checked against. A record not stored is
        left out, and so is what follows it."""

    @abstractmethod
    def mark_damaged(
        self, caller: Caller, collection_id: bytes, records: list[tuple[bytes, int]],
        now: float,
    ) -> None:
        """Note records the server found damaged, for their authors' next listing."""

    @abstractmethod
    def repair(
        self, caller: Caller, collection_id: bytes, records: list[IncomingRecord], now: float
    ) -> RepairOutcome:
        """Replace stored records of the caller's own stream by the copies it sent (their
        signatures already checked). Each must chain exactly where it stands: its prev_hash is
        the stored hash of the record before it, and its hash is the one the record after it
        names (or the stream head's hash): only the bytes the author signed at that seq fit.
        Conflict otherwise; nothing of a refused batch is stored."""

    @abstractmethod
    def revoke_device_as(self, caller: Caller, device_id: bytes, now: float) -> None:
        """Revoke a device on behalf of a caller allowed to (itself, same user, a lead)."""
