"""The JSON bodies of the sync API (``/v1``), shared by the server and the client.

Ids (collections, devices, inspections) are 16 bytes written as 32 lowercase hex digits in JSON
and URLs. Public keys are raw 32 bytes, as 64 hex digits or 43 base64url characters. Wrapped
keys are opaque HPKE blobs in base64url (no padding needed). Envelopes never appear in JSON:
they travel in the binary framing of :mod:`sync._framing`.

Every 4xx answer has the body :class:`ErrorBody`.
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._encoding import B64URL_PATTERN

API_PREFIX = "/v1"
HEX16_PATTERN = r"^[0-9a-f]{32}$"
KEY_PATTERN = r"^(?:[0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$"
MAX_WRAPPED = 2048

HEX12_PATTERN = r"^[0-9a-f]{24}$"
Hex16 = Annotated[str, Field(pattern=HEX16_PATTERN, description="16 bytes as 32 hex digits")]
Hex12 = Annotated[str, Field(pattern=HEX12_PATTERN, description="12 bytes as 24 hex digits")]
Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="32 bytes as 64 hex digits")]
PublicKey = Annotated[
    str, Field(pattern=KEY_PATTERN, description="raw 32-byte key, hex or base64url")
]
Wrapped = Annotated[
    str,
    Field(
        pattern=B64URL_PATTERN,
        min_length=4,
        max_length=MAX_WRAPPED,
        description="an HPKE-wrapped collection key, base64url; opaque to the server",
    ),
]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]
Epoch = Annotated[int, Field(ge=1, le=2**32 - 1)]
UserName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Role = Literal["lead", "member"]


def decode_key(value: str) -> bytes:
    """Decode a public key given as 64 hex digits or base64url to its raw 32 bytes."""
    if not re.fullmatch(KEY_PATTERN, value):
        raise ValueError("a public key is 32 bytes as 64 hex digits or 43 base64url characters")
    if len(value) == 64:
        return bytes.fromhex(value)
    raw = base64.urlsafe_b64decode(value.rstrip("=") + "=")
    if len(raw) != 32:
        raise ValueError("a public key is 32 bytes")
    return raw


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(_Model):
    """Every 4xx (and the rare 5xx): a stable code and a sentence saying what to do."""

    error: str
    message: str


class Health(_Model):
    status: Literal["ok"]
    version: str
    api: Literal["v1"] = "v1"


class EnrolRequest(_Model):
    code: str = Field(min_length=1, max_length=64, description="the one-time enrolment code")
    device_id: Hex16 = Field(description="16 random bytes the device chose for itself")
    sign_key: PublicKey = Field(description="the device's Ed25519 public key")
    kx_key: PublicKey = Field(description="the device's X25519 public key (key delivery)")


class EnrolResponse(_Model):
    device_id: Hex16
    user: str


CollectionKind = Annotated[
    str,
    Field(pattern=r"^(team|restricted|reading-[a-z0-9-]{1,32})$",
          description="team (all members), restricted (leads), reading-<pair> (DESIGN §6)"),
]


class CollectionCreate(_Model):
    collection_id: Hex16 = Field(description="16 random bytes the lead's device chose")
    inspection_id: Hex16
    kind: CollectionKind = "team"


class WrappedKeyOut(_Model):
    epoch: Epoch
    wrapped: Wrapped
    by_device: Hex16 | None = None


class CollectionInfo(_Model):
    collection_id: Hex16
    inspection_id: Hex16
    role: Role = Field(description="the calling user's role in this collection")
    epoch: Epoch = Field(description="the current key epoch: new records use it")
    epochs: list[Epoch] = Field(description="every epoch the collection has")
    keys: list[WrappedKeyOut] = Field(description="this device's wrapped keys, per epoch")
    roster_head: str | None = None
    until: float | None = Field(None, description="unix time when this member's access lapses")
    kind: CollectionKind = "team"
    inspection_name: str = Field("", description="the inspection's name, as the server knows it")
    heads: dict[Hex16, Seq] = Field(
        default_factory=dict,
        description="device id hex -> last seq stored: a sync with nothing to do stops here")
    devices_missing_keys: int = Field(
        0, description="active member devices without a wrapped key for the current epoch")
    roster_length: int = Field(0, ge=0, description="events in the collection's roster log")
    active_devices: int = Field(
        0, ge=0, description="active devices of active members: a lead's device compares the "
        "count with its roster to notice a revoked device")
    head_hash: Hex32 | None = Field(
        None, description="hash of the record at the head of the calling device's own stream "
        "(none: it has none here): the device checks it against its own chain")
    damaged: list[Seq] = Field(
        default_factory=list, description="seqs of the calling device's own stream that a "
        "reader reported and the server found damaged: it sends its signed copies to "
        "POST .../repairs")
    active_device_ids: list[Hex16] | None = Field(
        None, description="the devices active_devices counts: a lead's device asks "
        "GET .../members only when a device of its roster is not among them")
    missing_key_ids: list[Hex16] | None = Field(
        None, description="the devices devices_missing_keys counts: a device asks "
        "GET .../members to deliver keys only when one of them is on its roster")


class InspectionInfo(_Model):
    inspection_id: Hex16
    name: str
    role: Role = Field(description="lead: this user leads it and creates its collections")


class PurgeStatement(_Model):
    """A lead's signed word that an inspection was closed and its retention period has lapsed.
    Opaque to the server: member devices verify it against their own verified roster."""

    inspection_id: Hex16
    by: Hex16 = Field(description="the lead device that signed it")
    closed_at: str = Field(max_length=40, description="ISO 8601 time of the close")
    retention_days: int = Field(ge=1, le=3650)
    sig: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519 signature, hex")


class PurgeRequest(_Model):
    statement: PurgeStatement | None = None


class CollectionsResponse(_Model):
    collections: list[CollectionInfo]
    inspections: list[InspectionInfo] = Field(default_factory=list)
    purged: list[Hex16] = Field(
        default_factory=list,
        description="purged inspections this user took part in: delete their local copies")
    purge_statements: dict[Hex16, PurgeStatement] = Field(
        default_factory=dict,
        description="the lead's signed purge statement of each purged inspection that has one")
    pending_joins: int = Field(
        0, ge=0, description="joins of invitations the calling device created that wait for "
        "its answer: GET /v1/invites/pending lists them (none: a sync need not ask)")
    joins: dict[Hex12, InviteState] = Field(
        default_factory=dict, description="invitation id -> state, for each invitation the "
        "calling device answered: while it is joined, the inviter has not answered yet")


class MemberAdd(_Model):
    user: UserName
    role: Role = "member"
    until: datetime | date | None = Field(
        None,
        description="access lapses after this date (through the whole day, UTC) or instant",
    )


class MemberDevice(_Model):
    device_id: Hex16
    sign_key: str = Field(description="Ed25519 public key, hex")
    kx_key: str = Field(description="X25519 public key, hex")
    epochs: list[Epoch] = Field(description="epochs for which a wrapped key is on the server")


class MemberInfo(_Model):
    user: str
    role: Role
    until: float | None = None
    devices: list[MemberDevice]


class MembersResponse(_Model):
    collection_id: Hex16
    epoch: Epoch
    members: list[MemberInfo]


class MemberChanged(_Model):
    collection_id: Hex16
    user: str
    role: Role
    active: bool
    until: float | None = None


class WrappedKeyIn(_Model):
    epoch: Epoch
    device_id: Hex16 = Field(description="the member device this key is wrapped for")
    wrapped: Wrapped


class KeysUpload(_Model):
    keys: list[WrappedKeyIn] = Field(min_length=1, max_length=500)


class KeysResult(_Model):
    stored: int = Field(description="wrapped keys stored or replaced")
    skipped: int = Field(description="already present (only a lead replaces a wrapped key)")
    epoch: Epoch = Field(description="the collection's current epoch after this upload")


class RosterEventWire(_Model):
    """One signed roster event (``store.team``'s roster log): opaque to the server but for its
    chain."""

    event: str = Field(min_length=1, max_length=1024,
                       description="the event's canonical JSON text, exactly as signed")
    sig: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519 signature, hex")


class RosterLog(_Model):
    collection_id: Hex16
    length: int = Field(ge=0, description="events in the whole log")
    head: Hex32 | None = Field(None, description="hash of the last event (none: empty log)")
    events: list[RosterEventWire] = Field(description="events n > after, in order (capped)")


class RosterAppend(_Model):
    events: list[RosterEventWire] = Field(min_length=1, max_length=100)


class RosterResult(_Model):
    collection_id: Hex16
    length: int = Field(ge=1, description="events in the log after this append")
    head: Hex32 = Field(description="hash of the last event")


InviteState = Literal["open", "joined", "accepted", "rejected"]


class InviteCreate(_Model):
    invite_id: Hex12 = Field(
        description="derived from the invitation's secret (store/team/_invitation)"
    )
    inspection_id: Hex16
    user: UserName = Field(description="the user invited: only their device may join")
    role: Role = "member"


class InviteInfo(_Model):
    invite_id: Hex12
    inspection_id: Hex16
    user: str
    role: Role
    state: InviteState
    expires_at: float = Field(description="unix time after which nobody may join")


class InviteJoin(_Model):
    device_id: Hex16 = Field(description="the joining device: the caller itself")
    sign_key: Hex32 = Field(description="its enrolled Ed25519 public key")
    kx_key: Hex32 = Field(description="its enrolled X25519 public key")
    user: UserName
    proof: Hex32 = Field(description="join proof over these keys (relayed, never checked)")


class InviteStatus(_Model):
    invite_id: Hex12
    inspection_id: Hex16
    user: str
    role: Role
    state: InviteState
    accept_proof: Hex32 | None = None
    reason: str | None = None


class InvitePending(_Model):
    """A join for the creating device to check against its secret, then accept or reject."""

    invite_id: Hex12
    inspection_id: Hex16
    user: str = Field(description="the user the invitation is for")
    role: Role
    device_id: Hex16
    sign_key: Hex32
    kx_key: Hex32
    join_user: str = Field(description="the user name the joining device sent")
    proof: Hex32


class InvitesPending(_Model):
    invites: list[InvitePending]


class InviteAccept(_Model):
    accept_proof: Hex32


class InviteReject(_Model):
    reason: str = Field(max_length=200, description="shown to the joining device")


class PurgeResult(_Model):
    inspection_id: Hex16
    purged_at: float = Field(description="unix time of the purge")
    records_deleted: int = Field(ge=0)


class StatusResponse(_Model):
    heads: dict[Hex16, Seq] = Field(description="device id hex -> last seq stored")
    epoch: Epoch
    head_hash: Hex32 | None = Field(
        None, description="hash of the record at the head of the calling device's own stream")
    damaged: list[Seq] = Field(
        default_factory=list, description="seqs of the calling device's own stream found "
        "damaged (see CollectionInfo.damaged)")


class PushResult(_Model):
    accepted: int = Field(description="new records stored")
    duplicates: int = Field(description="records already stored with the same hash")
    head: Seq = Field(description="the caller's stream head after this push")
    head_hash: Hex32 | None = Field(
        None, description="hash of the record at that head: the device marks its records sent "
        "only when it is the hash of its own record at that seq")


class DamagedRecord(_Model):
    device_id: Hex16 = Field(description="the stream's device (the record's author)")
    seq: int = Field(ge=1, le=2**63 - 1)


class DamageReport(_Model):
    """Records a reader set aside because they failed verification. The server checks its own
    copy of each (the hash it accepted, the chain and the author's signature) and asks the
    author for its signed copy only when its copy is really damaged."""

    records: list[DamagedRecord] = Field(min_length=1, max_length=100)


class DamageResult(_Model):
    damaged: int = Field(ge=0, description="stored copies that fail the server's own check, "
                         "among those reported and the records after them in their streams: "
                         "their authors are asked to send them again")
    intact: int = Field(ge=0, description="records reported whose stored copies pass it (the "
                        "reader's problem lies elsewhere)")
    unknown: int = Field(ge=0, description="records reported that the server does not hold")


class RepairResult(_Model):
    replaced: int = Field(ge=0, description="stored records replaced by the signed copies sent")
    unchanged: int = Field(ge=0, description="records already stored exactly as sent")


class PullRequest(_Model):
    after: dict[Hex16, Seq] = Field(
        default_factory=dict,
        description="device id hex -> last seq the client holds; streams not named start at 0",
    )
    max_bytes: int | None = Field(
        None, ge=1, le=64 * 1024 * 1024, description="byte budget for this page (capped)"
    )


class DeviceRevoked(_Model):
    device_id: Hex16
    revoked: bool
