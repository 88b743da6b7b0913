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


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One envelope of a push, its header already parsed and its signature checked."""

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

    @abstractmethod
    def set_roster_head(
        self, caller: Caller, collection_id: bytes, head: str, now: float
    ) -> None: ...

    # --- streams --------------------------------------------------------------------------
    @abstractmethod
    def status(
        self, caller: Caller, collection_id: bytes, now: float
    ) -> tuple[dict[bytes, int], int]: ...

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

    @abstractmethod
    def revoke_device_as(self, caller: Caller, device_id: bytes, now: float) -> None:
        """Revoke a device on behalf of a caller allowed to (itself, same user, a lead)."""
