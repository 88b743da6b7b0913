"""The joining end of an invitation or a link (DESIGN §6, issues 7 and 11): once the device
that showed the code accepted this device's answer, check the roster against its proof and pin
the inspection's lead key; until then, say whose sync comes next.

It builds on the trust checks (``_trust.Trust``) and is called once per sync by the engine;
the trust checks never call back here, so the two modules import one way only.
"""

from __future__ import annotations

from typing import Any

from store.team import (
    LEAD,
    AcceptanceRejected,
    Invitation,
    Roster,
    RosterError,
    check_acceptance,
    check_link_acceptance,
    code_maker,
    fingerprint_prefix_text,
)

from ._errors import ServerRefused
from ._trust import TeamState, Trust


def finish_joins(trust: Trust, by_inspection: dict[bytes, TeamState]) -> None:
    """For each invitation this device answered: once the lead accepted, check the roster
    against the lead's proof and pin the inspection's lead key."""
    # the listing's state of each invitation this device answered (absent: an older server)
    states: dict[str, str] | None = trust.listing.get("joins")
    for inv_id, local in trust.book.invites("join").items():
        if states is not None and states.get(inv_id.hex()) == "joined":
            # not answered yet, as GET /v1/invites/{id} would say: no need to ask it
            trust.report.wait_for_admission(waiting_for_answer(local))
            continue
        try:
            status = trust.client.invite_status(inv_id)
        except ServerRefused as exc:
            if exc.status in (404, 410):
                trust.report.problems.append(f"the invitation to {local.get('name', '')} "
                                             "is no longer known to the server; ask the "
                                             "lead for a new code")
                trust.book.drop_invite(inv_id)
            continue
        if status["state"] == "joined":  # not answered yet: say whose sync answers it
            trust.report.wait_for_admission(waiting_for_answer(local))
        elif status["state"] == "rejected":
            trust.alert(f"the lead's device refused this device's answer to the invitation "
                        f"({status.get('reason') or 'no reason given'}): the keys it saw "
                        "were not this device's. Ask the lead for a new code.")
            trust.book.drop_invite(inv_id)
        elif status["state"] == "accepted" and status.get("accept_proof"):
            _finish_join(trust, inv_id, local, status, by_inspection)


def _finish_join(trust: Trust, inv_id: bytes, local: dict[str, Any], status: dict[str, Any],
                 by_inspection: dict[bytes, TeamState]) -> None:
    iid = bytes.fromhex(local["inspection_id"])
    state = by_inspection.get(iid)
    col = state.team if state else None
    if state is not None and local.get("collection_id"):
        col = next((c for c in state.collections.values()
                    if c["collection_id"] == local["collection_id"]), None)
    if col is None:
        return  # the server does not list the collection yet
    cid = bytes.fromhex(col["collection_id"])
    try:
        roster = check_joined(trust, local, cid, bytes.fromhex(status["accept_proof"]))
        if roster is None:
            return  # vouched for by an own device; a lead's device adds it next
        trust.book.pin(iid, roster.genesis_sign_key)
    except (AcceptanceRejected, RosterError) as exc:
        trust.alert(f"the team roster shown for {local.get('name', 'the inspection')} was "
                    f"not made by the lead whose code was entered ({exc}); this device "
                    "did not join. Ask the lead for a new code.")
        trust.book.drop_invite(inv_id)
        return
    trust.book.save(roster, roster.genesis_sign_key)
    trust.book.drop_invite(inv_id)
    trust.report.joined.append(local.get("name") or iid.hex()[:8])


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


__all__ = ["check_joined", "finish_joins", "waiting_for_answer"]
