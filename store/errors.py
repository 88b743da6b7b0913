"""The one exception hierarchy of the store.

Every error says what went wrong and what to do about it, and none of them ever carries a
secret: passphrases, keys and plaintext are never put into a message or an attribute.
"""

from __future__ import annotations

from dataclasses import dataclass


class FieldpadError(Exception):
    """Base of every error fieldpad raises on purpose. ``exit_code`` follows DESIGN §7."""

    exit_code = 1


class LockedError(FieldpadError):
    """Raised when an operation needs the vault unlocked and it is not."""

    exit_code = 3


class WrongPassphrase(LockedError):
    """Raised when a passphrase or recovery key does not open the vault. Nothing is changed."""


class VaultError(FieldpadError):
    """Raised when the vault itself is damaged, missing or not what it should be."""


class NoVault(VaultError):
    """Raised when a profile has no vault yet (run ``fieldpad init``)."""


class VaultExists(VaultError):
    """Raised by ``init`` when the profile already holds a vault."""


class KdfParamsError(VaultError):
    """Raised when stored key-stretching parameters are below the floor or were tampered with."""


class StoreError(FieldpadError):
    """Raised for problems with the local SQLite store (schema, streams, full disk)."""


class NotFound(StoreError):
    """Raised when a note, inspection or record does not exist in this profile."""


class DamagedNote(StoreError):
    """Raised when a note is opened whose stored head record failed verification on this
    device: it is not shown as genuine; ``fieldpad doctor --repair`` fetches a good copy."""


class Ambiguous(StoreError):
    """Raised when a name or id prefix matches more than one thing."""


@dataclass(frozen=True)
class ValidationIssue:
    """One problem with a note: the field it concerns and a message for the inspector."""

    field: str
    message: str


class ValidationFailed(FieldpadError):
    """Raised when a note does not pass its template's validation; ``issues`` lists why."""

    exit_code = 2

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = list(issues)
        lines = "; ".join(f"{i.field}: {i.message}" for i in self.issues)
        super().__init__(f"the note is not valid: {lines}")


def invalid(field: str, message: str) -> ValidationFailed:
    """The error for one problem with one field (or setting, or argument): the one helper."""
    return ValidationFailed([ValidationIssue(field, message)])


class RecordRef:
    """Names one record without saying anything secret: collection, device and seq."""

    __slots__ = ("collection_id", "device_id", "seq")

    def __init__(self, collection_id: bytes, device_id: bytes, seq: int) -> None:
        self.collection_id = collection_id
        self.device_id = device_id
        self.seq = seq

    def __str__(self) -> str:
        return f"{self.collection_id.hex()[:8]}/{self.device_id.hex()[:8]}/{self.seq}"

    def __repr__(self) -> str:
        return f"RecordRef({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordRef) and (
            self.collection_id,
            self.device_id,
            self.seq,
        ) == (other.collection_id, other.device_id, other.seq)

    def __hash__(self) -> int:
        return hash((self.collection_id, self.device_id, self.seq))


class EnvelopeError(FieldpadError):
    """Raised when an envelope cannot be opened. ``record`` names it (never its content)."""

    reason = "cannot be opened"

    def __init__(self, record: RecordRef | None, detail: str = "") -> None:
        self.record = record
        self.detail = detail
        where = f"record {record}" if record is not None else "an envelope"
        msg = f"{where} {self.reason}"
        if detail:
            msg += f" ({detail})"
        super().__init__(msg)


class MalformedEnvelope(EnvelopeError):
    """The bytes are too short or not an envelope at all."""

    reason = "is malformed"


class UnsupportedEnvelope(EnvelopeError):
    """Unknown magic, version or suite: there is no negotiation."""

    reason = "has an unknown version or suite"


class HeaderMismatch(EnvelopeError):
    """The header is not the one the caller expected (wrong collection, device, seq or chain)."""

    reason = "has an unexpected header"


class BadSignature(EnvelopeError):
    """The signature is not by the device the header names, or that device is not active."""

    reason = "has a signature that does not verify"


class UnknownKey(EnvelopeError):
    """No collection key is held for the record's epoch."""

    reason = "needs a collection key this device does not hold"


class BadCommitment(EnvelopeError):
    """The key commitment does not match the collection key: the record was tampered with."""

    reason = "fails its key commitment"


class DecryptFailed(EnvelopeError):
    """AES-GCM authentication failed: the record was damaged or tampered with."""

    reason = "fails authentication"


class BadPayload(EnvelopeError):
    """Padding, decompression or JSON parsing of the payload failed."""

    reason = "has a payload that cannot be read"
