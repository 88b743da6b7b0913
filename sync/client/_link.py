"""A member's own second device (issue 11, item 6): the client's two ends of a link that
vouch and admit, and the words for who must sync next while a device waits for its keys (the
joining device's end, shared with invitations, is ``_joining.py``). The protocol and its
checks are in ``store/_link.py``; the code is an ordinary invitation code (``store/_invite``).
"""

from __future__ import annotations

from typing import Any

from store import FieldpadError, Inspection, Session
from store.team import (
    ADD,
    LEAD,
    MEMBER,
    Invitation,
    LinkClaim,
    Roster,
    accept_proof,
    pending_links,
    publish_link,
    verify_join,
)

from ._errors import ServerRefused
from ._http import SyncClient
from ._trust import READING, RESTRICTED, TEAM, TeamState, Trust


class LinkError(FieldpadError):
    """A link that cannot be made from this device; the message says what to do."""


# -- device A: the code, then vouching -------------------------------------------------------
def start_link(session: Session, client: SyncClient, inspection: Inspection,
               team_collection: bytes) -> str:
    """A member's code for another device of their own (a lead's device uses an ordinary
    invitation for its own user instead). Returns the code to type on the new device."""
    roster = session.rosters.get(team_collection)
    me = roster.device(session.device_id) if roster is not None else None
    if roster is None or me is None or not roster.is_active(session.device_id):
        raise LinkError(f"this device is not on the team roster of {inspection.name}: link "
                        "the new device from one that is")
    invitation = Invitation.new(session.keys.device.sign_pub)
    client.create_invite(invitation.invite_id, inspection.inspection_id, me.user, MEMBER)
    session.rosters.save_invite(invitation.invite_id, {
        "side": "link", "secret": invitation.secret.hex(),
        "lead_fingerprint": invitation.lead_fingerprint.hex(), "user": me.user,
        "inspection_id": inspection.inspection_id.hex(), "name": inspection.name})
    return invitation.code


def vouch_pending(trust: Trust, by_inspection: dict[bytes, TeamState]) -> None:
    """For each link code this device showed that a device answered: check the answer's
    proof over the keys it presents, then vouch for it with a signed link record and answer
    with the accept proof over this device's verified roster head."""
    mine = trust.book.invites("link")
    if not mine:
        return
    for p in trust.pending_invites():
        inv_id = bytes.fromhex(p["invite_id"])
        local = mine.get(inv_id)
        state = by_inspection.get(bytes.fromhex(local["inspection_id"])) if local else None
        team = state.team if state else None
        roster = trust.book.get(bytes.fromhex(team["collection_id"])) if team else None
        if local is None or roster is None or not roster.is_active(trust.me):
            continue
        _vouch(trust, inv_id, local, p, roster)


def _vouch(trust: Trust, inv_id: bytes, local: dict[str, Any], p: dict[str, Any],
           roster: Roster) -> None:
    secret = bytes.fromhex(local["secret"])
    did, sign, kx = (bytes.fromhex(p[k]) for k in ("device_id", "sign_key", "kx_key"))
    user = p.get("join_user") or p.get("user", "")
    if user != local["user"] or not verify_join(secret, bytes.fromhex(local["inspection_id"]),
                                                did, sign, kx, user, bytes.fromhex(p["proof"])):
        trust.alert(f"a device answered your link code for {local.get('name', 'the team')} "
                    "with keys that do not match it: it was not vouched for and the code is "
                    "cancelled. Make a new code and type it on your new device yourself.")
        try:
            trust.client.reject_invite(inv_id, "the proof did not match")
        except ServerRefused:
            pass
        trust.book.drop_invite(inv_id)
        return
    publish_link(trust.session, roster.collection, LinkClaim(did, sign, kx, user))
    trust.client.accept_invite(inv_id, accept_proof(secret, roster.head, did))
    trust.book.drop_invite(inv_id)
    trust.report.linked.append(f"{user} ({did.hex()[:8]})")


# -- a lead's device: admitting linked devices -----------------------------------------------
def admit_links(trust: Trust, by_inspection: dict[bytes, TeamState],
                fresh: set[tuple[bytes, bytes, int]]) -> None:
    """On a lead's device: add every device a member's own device vouched for, with no human
    step. A link signed by a device that is not active, or of another user, is refused, with
    an ALERT when it arrived in this sync (``fresh``)."""
    for iid, state in by_inspection.items():
        team = state.team
        roster = trust.book.get(bytes.fromhex(team["collection_id"])) if team else None
        if roster is None or not roster.is_lead(trust.me):
            continue
        ok, refused = pending_links(trust.session, roster)
        for r in refused:
            if (roster.collection, r.linker, r.seq) in fresh:
                trust.alert(f"{trust.label(roster.collection)}: a device link for "
                            f"{r.claim.user} ({r.claim.device_id.hex()[:8]}) was refused: "
                            f"{r.why}. Nothing was added; tell the people concerned.")
        for link in ok:
            roster = _admit(trust, iid, state, roster, link.linker.role, link.claim)


def _admit(trust: Trust, iid: bytes, state: TeamState, roster: Roster, role: str,
           claim: LinkClaim) -> Roster:
    if roster.device(claim.device_id) is not None:
        return roster  # two link records for one device: added once
    new, ev = roster.sign_next(trust.session.keys.device.signing, ADD, trust.me,
                               device_id=claim.device_id, user=claim.user, role=role,
                               sign_key=claim.sign_key, kx_key=claim.kx_key)
    roster = trust.append(roster, [ev], new)
    trust._deliver_to(roster, claim.device_id)
    added = roster.device(claim.device_id)
    for kind, col in state.collections.items():
        if kind == TEAM or added is None or (kind == RESTRICTED and added.role != LEAD):
            continue
        if kind.startswith(READING) and not trust._in_pair(iid, kind, added.user):
            continue
        trust.add_to(bytes.fromhex(col["collection_id"]), added)
    trust.report.admitted.append(f"{claim.user} ({claim.device_id.hex()[:8]})")
    return roster


# -- device B: who must sync next (the joining end itself is in _joining.py) -----------------
def who_must_sync(session: Session, cid: bytes, label: str) -> str | None:
    """Why this device holds no key to ``cid`` and whose sync delivers one, or None when a
    pending invitation or link already says so."""
    roster = session.rosters.get(cid)
    if roster is not None and roster.is_active(session.device_id):
        leads = ", ".join(sorted({d.user for d in roster.devices() if d.role == LEAD}))
        return (f"{label}: this device is on the roster but holds no key yet; a lead's device "
                f"({leads}) or a teammate's must sync next to deliver it")
    iid = session.collection_roles().get(cid, (b"", ""))[0]
    if any(v.get("inspection_id") == iid.hex() for v in session.rosters.invites("join").values()):
        return None
    user = session.rosters.user or "USER"
    return (f"{label}: this device is not on the team roster yet, so no one can give it the "
            "key. Link it from your other device (`fieldpad team link` there, then `fieldpad "
            f"team join CODE` here), or ask a lead for an invitation (`fieldpad team invite "
            f"{user}`)")


__all__ = ["LinkError", "admit_links", "start_link", "vouch_pending", "who_must_sync"]
