"""Who may change an inspection's life (issue 11): only a lead, in the inspection's own team
collection, checked on the reader's device against the verified roster.

An inspection's metadata (name, partnership, close state and retention period, timeline, reading
pairs) is an ``inspection.meta`` record. Any member can append a record to their own stream, so
the record's signature alone proves only *who* wrote it; this module decides whether that
writer may change this inspection. A refused record is still stored (its stream must stay
chained) but never becomes the inspection's metadata, and the sync reports an ALERT naming
the signer.

A purge is destroying data, so it needs more than anyone's word: a device deletes an inspection
only when it holds a lead-signed close whose retention period has lapsed, either among its own
records or as the signed purge statement the lead's purge request left with the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store import Inspection
from store.errors import StoreError

from ._roster_log import Roster, canonical_json

if TYPE_CHECKING:
    from store import Session

TEAM = "team"
PURGE_CONTEXT = b"fieldpad/v1/purge"
_STATEMENT_FIELDS = frozenset({"inspection_id", "by", "closed_at", "retention_days", "sig"})


class NotALead(StoreError):
    """This device tried to change a team inspection it does not lead."""


def team_collection(session: Session, inspection_id: bytes) -> bytes | None:
    for cid, (iid, role) in session.collection_roles().items():
        if iid == inspection_id and role == TEAM:
            return cid
    return None


def signer_label(roster: Roster | None, device_id: bytes) -> str:
    """How an ALERT names a device: its user on the roster and its id prefix."""
    dev = roster.device(device_id) if roster is not None else None
    return f"{dev.user} (device {device_id.hex()[:8]})" if dev else \
        f"device {device_id.hex()[:8]}, which is not on the roster"


def meta_refusal(session: Session, collection_id: bytes, device_id: bytes,
                 payload: dict[str, Any]) -> str | None:
    """Why a verified ``inspection.meta`` record of ``collection_id`` signed by ``device_id``
    may not change its inspection, or None when it may: the collection is the team collection
    of the inspection the record names, and the signer is a lead on that collection's verified
    roster (a lead removed since keeps what it signed before: the removal bound rejects the
    rest)."""
    iid_hex = str(payload.get("inspection_id", ""))
    own = session.collection_roles().get(collection_id)
    if own is None:
        return "it came in a collection this device does not know"
    iid, role = own
    if iid_hex != iid.hex():
        return (f"it names another inspection ({iid_hex[:8]}) than the one its collection "
                f"belongs to")
    roster = session.rosters.get(collection_id)
    if role != TEAM:
        return f"it came in the {role} collection, not the inspection's team collection"
    if roster is None:
        return "this device holds no verified team roster to check it against"
    if not roster.was_lead(device_id):
        return f"{signer_label(roster, device_id)} is not a lead of this inspection"
    return None


def require_lead(session: Session, inspection: Inspection, collection_id: bytes) -> None:
    """Refuse, before anything is written, to change a team inspection's metadata from a device
    that is not one of its leads: every teammate's device would refuse it anyway."""
    role = session.collection_roles().get(collection_id, (b"", ""))[1]
    if role == "notebook":
        return  # a local inspection: this device is its only author
    roster = session.rosters.get(collection_id)
    if roster is None or roster.is_lead(session.device_id):
        # no verified roster yet: nothing here to check against, and every teammate's device
        # checks the record against its own verified roster when it arrives
        return
    raise NotALead(f"only a lead of {inspection.name!r} can change it (close, reopen, "
                   "timeline, name); ask the inspection's lead")


def purge_statement(session: Session, inspection: Inspection) -> dict[str, Any]:
    """What a lead's purge request leaves with the server for every teammate's device to check:
    the close this device holds (time and retention period), signed by this lead device.

    Members check it against the lead's key on their verified roster, so a server can withhold
    it but cannot make one up. Raises ``NotALead`` or ``StoreError`` when this device may not
    ask for the purge."""
    from store import retention_state

    keys = session.require_unlocked()
    if not any(r is not None and r.is_lead(session.device_id)
               for r in _rosters_of(session, inspection.inspection_id)):
        raise NotALead(f"only a lead of {inspection.name!r} can purge it everywhere")
    state = retention_state(inspection)
    if not state.due or state.closed_at is None:
        raise StoreError(f"{inspection.name!r} is not closed with a lapsed retention period")
    body = {"inspection_id": inspection.id_hex, "by": session.device_id.hex(),
            "closed_at": state.closed_at.isoformat(timespec="seconds"),
            "retention_days": state.retention_days}
    sig = keys.device.signing.sign(PURGE_CONTEXT + canonical_json(body))
    return {**body, "sig": sig.hex()}


def purge_statement_refusal(session: Session, inspection_id: bytes, statement: Any,
                            now: datetime | None = None) -> str | None:
    """Why ``statement`` (see :func:`purge_statement`) does not prove that a lead of this
    inspection closed it and its retention period has lapsed; None when it does."""
    from store import retention_state

    if not isinstance(statement, dict) or set(statement) != _STATEMENT_FIELDS:
        return "the server passed on no purge statement from a lead"
    body = {k: statement[k] for k in _STATEMENT_FIELDS - {"sig"}}
    if body["inspection_id"] != inspection_id.hex():
        return "the purge statement names another inspection"
    try:
        by = bytes.fromhex(str(body["by"]))
        sig = bytes.fromhex(str(statement["sig"]))
    except ValueError:
        return "the purge statement is malformed"
    signer = next((r.device(by) for r in _rosters_of(session, inspection_id)
                   if r is not None and r.was_lead(by)), None)
    if signer is None:
        return f"device {by.hex()[:8]}, which signed it, is not a lead on any roster here"
    try:
        Ed25519PublicKey.from_public_bytes(signer.sign_key).verify(
            sig, PURGE_CONTEXT + canonical_json(body))
    except (InvalidSignature, ValueError):
        return "the lead's signature on the purge statement does not verify"
    state = retention_state(Inspection(inspection_id, "", extra={
        "closed_at": body["closed_at"], "retention_days": body["retention_days"]}), now)
    if not state.due:
        return "the retention period the lead set has not ended on this device's clock"
    return None


def _rosters_of(session: Session, inspection_id: bytes) -> list[Roster | None]:
    return [session.rosters.get(cid) for cid, (iid, _role) in session.collection_roles().items()
            if iid == inspection_id]
