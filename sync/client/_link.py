"""A member's own second device (issue 11, item 6): the client's three ends of a link, and
the words for who must sync next while a device waits for its keys. The protocol and its
checks are in ``store/_link.py``; the code is an ordinary invitation code (``store/_invite``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store import FieldpadError, Inspection, Session
from store.team import (
    ADD,
    LEAD,
    MEMBER,
    Invitation,
    LinkClaim,
    Roster,
    accept_proof,
    check_acceptance,
    check_link_acceptance,
    code_maker,
    fingerprint_prefix_text,
    pending_links,
    publish_link,
    verify_join,
)

from ._errors import ServerRefused
from ._http import SyncClient
from ._trust import READING, RESTRICTED, TEAM, TeamState

if TYPE_CHECKING:
    from ._trust import Trust


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
    for p in trust.client.pending_invites():
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


# -- device B: finishing, or saying who must sync next ---------------------------------------
def check_joined(trust: Trust, local: dict[str, Any], cid: bytes, proof: bytes) -> Roster | None:
    """The roster a joining device may pin, from an invitation or a link; None while a lead's
    device has still to add it (the report then says which lead must sync next)."""
    keys = trust.session.keys.device
    invitation = Invitation(bytes.fromhex(local["secret"]),
                            bytes.fromhex(local["lead_fingerprint"]))
    events = trust._fetch(cid, 0)
    maker, shown = code_maker(invitation, events)
    args = (invitation, cid, events, trust.me, keys.sign_pub, keys.kx_pub, local["user"], proof)
    if maker is None or maker.role == LEAD:
        return check_acceptance(*args)
    roster = check_link_acceptance(*args)
    if roster is None and shown is not None:
        leads = ", ".join(sorted({d.user for d in shown.devices() if d.role == LEAD}))
        trust.report.wait_for_admission(
            f"{local.get('name') or 'the inspection'}: your other device vouched for this one; "
            f"a lead's device ({leads}) must sync next: it adds this device and gives it the "
            "keys. Then sync here again.")
    return roster


def waiting_for_answer(local: dict[str, Any]) -> str:
    """The report line while the device that showed the code has not checked the answer."""
    fpr = fingerprint_prefix_text(bytes.fromhex(local["lead_fingerprint"]))
    return (f"{local.get('name') or 'the inspection'}: this device answered the code; the "
            f"device that showed the code (fingerprint {fpr}…) must sync next: it checks "
            "this device's answer. Then sync here again.")


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


__all__ = ["LinkError", "admit_links", "check_joined", "start_link", "vouch_pending",
           "waiting_for_answer", "who_must_sync"]
