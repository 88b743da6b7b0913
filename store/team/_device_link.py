"""A member's own second device, linked from a device they already hold (issue 11, item 6).
Pure apart from reading and writing the profile's records: no network.

1. The member's device A (active on the team roster) makes an invitation for its own user,
   the same code as a lead's (``_invite.Invitation``), with A's fingerprint in it.
2. The new device B types it: ``team join CODE`` sends B's keys with the join proof.
3. A's next sync checks the proof (so the server cannot swap B's keys), then writes a
   ``device.link`` record into its own stream of the team collection: B's id, keys and user,
   signed by A like every record; and answers the invitation with the accept proof over A's
   verified roster head (what B later checks the roster against).
4. A lead's device, at its next sync and with no human step, reads link records and adds B
   when the record verifies (it did at ingest: signed by a device on the roster), its signer
   is active on the team roster, and is the same user as B; B must never have been on the
   roster (a removed device is never re-added this way). Then it delivers the keys.
5. B's next sync checks the roster: it verifies from its genesis; A's accept proof anchors an
   event of it; A (by the code's fingerprint) is on it, of B's user; and a lead added B with
   B's very keys. Then B pins the genesis lead key, as a joined device does.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._invitation import FPR_LEN, AcceptanceRejected, Invitation, verify_accept
from ._roster_log import ADD, GENESIS, Roster, RosterDevice, RosterError, SignedEvent

if TYPE_CHECKING:
    from store import Session

DEVICE_LINK = "device.link"
LINK_PREFIX = "link:"  # the records.note_id of a link record: found by prefix, never a note
LINK_END = "link;"  # the first string after every "link:..." (";" follows ":")


@dataclass(frozen=True)
class LinkClaim:
    """What a link record says: this device, with these keys, is also ``user``'s."""

    device_id: bytes
    sign_key: bytes
    kx_key: bytes
    user: str

    def payload(self, rev: str, hlc: str) -> dict[str, Any]:
        return {"type": DEVICE_LINK, "rev": rev, "hlc": hlc, "device_id": self.device_id.hex(),
                "sign_key": self.sign_key.hex(), "kx_key": self.kx_key.hex(),
                "user": self.user}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> LinkClaim | None:
        """The claim, or None for a payload of another shape."""
        try:
            claim = cls(bytes.fromhex(payload["device_id"]), bytes.fromhex(payload["sign_key"]),
                        bytes.fromhex(payload["kx_key"]), str(payload["user"]))
        except (KeyError, TypeError, ValueError):
            return None
        ok = (len(claim.device_id), len(claim.sign_key), len(claim.kx_key)) == (16, 32, 32)
        return claim if ok and 1 <= len(claim.user) <= 64 else None


def link_note_id(device_id: bytes) -> str:
    return LINK_PREFIX + device_id.hex()


def route_link(payload: dict[str, Any]) -> str | None:
    """The records.note_id a pulled link record is stored under, or None when malformed."""
    claim = LinkClaim.from_payload(payload)
    return link_note_id(claim.device_id) if claim else None


def publish_link(session: Session, collection_id: bytes, claim: LinkClaim) -> None:
    """Device A's signed word that ``claim`` is another device of its own user."""
    hlc = str(session.clock.now())
    session.append_record(collection_id, link_note_id(claim.device_id),
                          lambda rev: claim.payload(rev, hlc))


@dataclass(frozen=True)
class PendingLink:
    linker: RosterDevice  # the device that vouched, active on the roster
    claim: LinkClaim


@dataclass(frozen=True)
class RefusedLink:
    linker: bytes
    seq: int
    claim: LinkClaim
    why: str


def pending_links(session: Session, roster: Roster) -> tuple[list[PendingLink],
                                                             list[RefusedLink]]:
    """Link records of the team collection whose device is not on ``roster`` yet: those a lead
    adds, and those it must refuse (signer not active, or of another user)."""
    ok: list[PendingLink] = []
    refused: list[RefusedLink] = []
    # a range on note_id, not LIKE, and "+collection_id" so that SQLite walks the records_note
    # index: a lead's sync with nothing to do must not read every record of the collection
    recs = session.streams.note_id_range(LINK_PREFIX, LINK_END, roster.collection)
    for rec in recs:
        if roster.device(bytes.fromhex(rec.note_id[len(LINK_PREFIX):])) is not None:
            continue  # added already (or removed since: never re-added by a link)
        payload = session.open_record(rec)
        claim = LinkClaim.from_payload(payload) if payload else None
        if claim is None or link_note_id(claim.device_id) != rec.note_id:
            continue
        linker = roster.device(rec.device_id)
        if linker is None or not roster.is_active(rec.device_id):
            refused.append(RefusedLink(rec.device_id, rec.seq, claim,
                                       "its signer is not active on the team roster"))
        elif linker.user != claim.user:
            refused.append(RefusedLink(rec.device_id, rec.seq, claim,
                                       f"it was signed by a device of {linker.user}, not "
                                       f"of {claim.user}"))
        else:
            ok.append(PendingLink(linker, claim))
    return ok, refused


def fingerprint_prefix_text(prefix: bytes) -> str:
    """The code's fingerprint prefix as ``team list`` shows fingerprints: ``XXXX-XXXX-XXXX``."""
    code = base64.b32encode(prefix[:FPR_LEN]).decode()[:12]
    return "-".join(code[i:i + 4] for i in range(0, 12, 4))


def code_maker(invitation: Invitation, events: Sequence[SignedEvent]
               ) -> tuple[RosterDevice | None, Roster | None]:
    """The roster device whose fingerprint the code carries (the lead's device for an
    invitation, the member's own device for a link) and the roster shown, as far as they go.
    Only picks which check applies: the check itself authenticates the roster."""
    if not events or events[0].event().op != GENESIS:
        return None, None
    try:
        roster = Roster.verify(events, bytes.fromhex(events[0].event().sign_key or ""))
    except RosterError:
        return None, None
    return next((d for d in roster.devices() if hmac.compare_digest(
        d.fingerprint[:FPR_LEN], invitation.lead_fingerprint)), None), roster


def check_link_acceptance(invitation: Invitation, collection_id: bytes,
                          events: Sequence[SignedEvent], device_id: bytes, sign_key: bytes,
                          kx_key: bytes, user: str, proof: bytes) -> Roster | None:
    """Device B: the roster once a lead added it after a link. Returns None while no lead has
    added it yet; raises ``AcceptanceRejected`` (or a ``RosterError``) for a roster that is not
    the one the linking device vouched on."""
    if not events or events[0].event().op != GENESIS:
        raise AcceptanceRejected("the roster shown does not start with its genesis")
    roster = Roster.verify(events, bytes.fromhex(events[0].event().sign_key or ""))
    if roster.collection != collection_id:
        raise AcceptanceRejected("the roster shown is for another collection")
    anchor = next((i for i, e in enumerate(events)
                   if verify_accept(invitation.secret, e.hash, device_id, proof)), None)
    if anchor is None:
        raise AcceptanceRejected("the roster shown is not the one your other device vouched on")
    upto = Roster.verify(events[:anchor + 1], roster.genesis_sign_key)
    linker = next((d for d in upto.devices() if hmac.compare_digest(
        d.fingerprint[:FPR_LEN], invitation.lead_fingerprint)), None)
    if linker is None or linker.user != user:
        raise AcceptanceRejected("the device that showed the code is not one of yours on the "
                                 "roster")
    added = next((e.event() for e in events if e.event().op == ADD
                  and e.event().device_id == device_id.hex()), None)
    if added is None:
        return None  # vouched for, not added yet: a lead's device adds it at its next sync
    if (added.sign_key, added.kx_key, added.user) != (sign_key.hex(), kx_key.hex(), user):
        raise AcceptanceRejected("the roster adds this device with other keys")
    if not roster.is_active(device_id):
        raise AcceptanceRejected("this device was removed from the roster again")
    return roster
