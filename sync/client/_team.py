"""A lead's team actions and a member's joining, for the CLI and the app (issue 7).

Each action talks to the server at once (an invitation, a removal and a revocation must not
wait for the next sync) and changes the signed roster only after the server accepted the
change, so a dropped connection leaves both sides as they were or finishes at the next sync.
"""

from __future__ import annotations

import os
import re

from store import FieldpadError, Inspection, Replica, Session
from store.team import (
    LEAD,
    MEMBER,
    Invitation,
    Roster,
    TeamDevice,
    join_proof,
    team_roster,
    team_view,
)

from ._errors import ServerRefused
from ._http import SyncClient, client_for
from ._report import SyncReport
from ._trust import READING, RESTRICTED, TEAM, Trust

__all__ = ["Team", "TeamDevice", "TeamError", "find_device", "join", "request_server_purge",
           "team_roster", "team_view"]

class TeamError(FieldpadError):
    """A team action that cannot be done; the message says what to do instead."""


def _collections(session: Session, inspection: Inspection) -> dict[str, bytes]:
    return {kind: cid for cid, (iid, kind) in session.collection_roles().items()
            if iid == inspection.inspection_id}


def find_device(session: Session, inspection: Inspection, prefix: str) -> TeamDevice:
    p = prefix.strip().lower().replace("-", "")
    hits = [d for d in team_view(session, inspection)
            if d.device_id.hex().startswith(p) or d.fingerprint.replace("-", "").lower()
            .startswith(p)]
    if len(hits) != 1:
        raise TeamError(f"{'no' if not hits else 'more than one'} device of the team matches "
                        f"{prefix!r}; `fieldpad team list` shows their ids and fingerprints")
    return hits[0]


class Team:
    """Team actions of this device on one inspection."""

    def __init__(self, session: Session, client: SyncClient, inspection: Inspection) -> None:
        self.session = session
        self.client = client
        self.inspection = inspection
        self.report = SyncReport()
        self.trust = Trust(session, client, Replica(session), self.report)

    def _cols(self) -> dict[str, bytes]:
        cols = _collections(self.session, self.inspection)
        if TEAM not in cols:
            raise TeamError(f"{self.inspection.name} is not a team inspection on the server "
                            "yet: run `fieldpad sync` first")
        return cols

    def _lead_roster(self) -> Roster:
        roster = team_roster(self.session, self.inspection)
        if roster is None or not roster.is_lead(self.session.device_id):
            raise TeamError(f"only a lead's device can change the team of "
                            f"{self.inspection.name}")
        return roster

    # -- lead --------------------------------------------------------------------------------
    def invite(self, user: str, role: str = MEMBER) -> str:
        """Make a one-time invitation for ``user``'s device; returns the code to give in
        person. The user also becomes a member of the collections their role reads."""
        if role not in (MEMBER, LEAD):
            raise TeamError("a role is member or lead")
        if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", user):
            raise TeamError("a user name is 1-64 letters, digits or . _ @ -")
        roster = self._lead_roster()
        cols = self._cols()
        known = [d for d in roster.devices() if d.user == user]
        if known:  # another device of someone on the team: same role, membership unchanged
            role = LEAD if any(d.role == LEAD for d in known) else role
        if not known or role == LEAD:
            self.client.add_member(cols[TEAM], user, role)
            if role == LEAD and RESTRICTED in cols:
                self.client.add_member(cols[RESTRICTED], user, LEAD)
        invitation = Invitation.new(self.session.keys.device.sign_pub)
        self.client.create_invite(invitation.invite_id, self.inspection.inspection_id, user, role)
        self.session.rosters.save_invite(invitation.invite_id, {
            "side": "lead", "secret": invitation.secret.hex(),
            "lead_fingerprint": invitation.lead_fingerprint.hex(), "user": user, "role": role,
            "inspection_id": self.inspection.inspection_id.hex(), "name": self.inspection.name})
        return invitation.code

    def remove(self, user: str) -> int:
        """Remove a member from every collection of the inspection: the server refuses them at
        once, their devices leave the signed rosters and every key rotates. Returns how many
        devices were removed."""
        self._lead_roster()
        removed = 0
        for kind, cid in sorted(self._cols().items(), key=lambda kv: kv[0] != TEAM):
            try:
                self.client.remove_member(cid, user)
            except ServerRefused as exc:
                if exc.code != "not_a_member":
                    raise
            roster = self.session.rosters.get(cid)
            if roster is None or not roster.is_lead(self.session.device_id):
                continue
            gone = [d.device_id for d in roster.devices() if d.user == user]
            if kind == TEAM:
                removed = len(gone)
            self.trust.remove_devices(roster, gone, "removed")
        return removed

    def pair(self, reader: str, inspector: str, until: str) -> str | None:
        """A records reading pair: a collection read by the reader, the inspector and the
        leads only, whose access for the reader ends after ``until`` (a date or an ISO time).
        A local records reader is not on the team: unless their device is on the pair's
        roster already, this returns an invitation code that admits it to the pair's
        collection alone."""
        team = self._lead_roster()
        cols = self._cols()
        slug = re.sub(r"[^a-z0-9-]", "-", reader.lower())[:24].strip("-") or "reader"
        kind = f"{READING}{slug}"
        if kind in cols:
            raise TeamError(f"{reader} is already paired in {self.inspection.name}")
        if inspector not in {d.user for d in team.devices()}:
            raise TeamError(f"{inspector} has no device on the team roster yet: invite them "
                            "first")
        cid = os.urandom(16)
        iid = self.inspection.inspection_id
        self.trust.replica.ensure_collection(cid, iid, kind, self.inspection.name)
        self.trust.replica.new_collection_key(cid, 1)
        self.client.create_collection(cid, iid, kind)
        self.client.add_member(cid, reader, MEMBER, until)
        if inspector != reader:
            self.client.add_member(cid, inspector, MEMBER)
        for d in team.devices():
            if d.role == LEAD and d.user not in (reader, inspector):
                self.client.add_member(cid, d.user, LEAD)
        self.trust.genesis(cid, iid, kind, team)
        pairs = list(self.inspection.extra.get("pairs") or [])
        pairs.append({"kind": kind, "reader": reader, "inspector": inspector, "until": until})
        self.inspection.extra["pairs"] = pairs
        self.session.publish_inspection(self.inspection, cols[TEAM])
        on_team = [d for d in team.devices() if d.user in (reader, inspector)]
        for d in on_team:
            self.trust.add_to(cid, d)
        if any(d.user == reader for d in on_team):
            return None
        invitation = Invitation.new(self.session.keys.device.sign_pub)
        self.client.create_invite(invitation.invite_id, iid, reader, MEMBER)
        self.session.rosters.save_invite(invitation.invite_id, {
            "side": "lead", "secret": invitation.secret.hex(),
            "lead_fingerprint": invitation.lead_fingerprint.hex(), "user": reader,
            "role": MEMBER, "inspection_id": iid.hex(), "collection_id": cid.hex(),
            "name": self.inspection.name})
        return invitation.code

    # -- any device --------------------------------------------------------------------------
    def link(self) -> str:
        """A code to type on another device of this device's own user (issue 11): the lead's
        device adds that device at its next sync, with no lead action. A lead's device makes
        an ordinary invitation for its own user."""
        from ._link import start_link

        roster = self._lead_roster_or_none()
        if roster is not None:
            me = roster.device(self.session.device_id)
            return self.invite(me.user if me else (self.session.rosters.user or ""), LEAD)
        return start_link(self.session, self.client, self.inspection, self._cols()[TEAM])

    def _lead_roster_or_none(self) -> Roster | None:
        roster = team_roster(self.session, self.inspection)
        return roster if roster is not None and roster.is_lead(self.session.device_id) else None

    def revoke(self, device_prefix: str) -> TeamDevice:
        """Revoke a device on the server at once (a lost laptop, from another device of the
        same user, or a lead's). A lead's device also removes it from the rosters and
        rotates the keys; otherwise the lead's device does that at its next sync."""
        dev = find_device(self.session, self.inspection, device_prefix)
        if dev.this_device:
            raise TeamError("this is the device you are using; revoke it from another device")
        self.client.revoke(dev.device_id)
        for cid in self._cols().values():
            roster = self.session.rosters.get(cid)
            if roster is not None and roster.is_lead(self.session.device_id):
                self.trust.remove_devices(roster, [dev.device_id], "lost")
        return dev


def join(session: Session, client: SyncClient, code: str, inspection_name: str | None = None,
         listing: dict | None = None) -> str:
    """Answer an invitation: prove knowledge of the code over this device's public keys.
    The lead's device checks the proof; the next sync finishes joining. Returns the
    inspection's name."""
    invitation = Invitation.from_code(code)
    user = session.rosters.user
    if not user:
        raise TeamError("this device does not know its user name: enrol it again with "
                        "`fieldpad enrol URL CODE`")
    listing = listing or client.collections_and_inspections()
    # a team member joins through the team collection; a local records reader, who is on no
    # team, through their reading pair's collection
    teams: dict[str, dict] = {}
    for c in sorted(listing["collections"], key=lambda c: c.get("kind", TEAM) != TEAM):
        kind = c.get("kind", TEAM)
        if (kind == TEAM or kind.startswith(READING)) and c["inspection_id"] not in teams \
                and session.rosters.pinned(bytes.fromhex(c["inspection_id"])) is None:
            teams[c["inspection_id"]] = c
    if inspection_name:
        teams = {k: c for k, c in teams.items() if c.get("inspection_name") == inspection_name}
    if len(teams) != 1:
        raise TeamError("the lead has not added you to an inspection yet (ask them to run "
                        "`fieldpad team invite`)" if not teams else
                        "you were added to several inspections: name one with --inspection")
    col = next(iter(teams.values()))
    iid = bytes.fromhex(col["inspection_id"])
    keys = session.keys.device
    proof = join_proof(invitation.secret, iid, session.device_id, keys.sign_pub, keys.kx_pub,
                       user)
    session.rosters.save_invite(invitation.invite_id, {
        "side": "join", "secret": invitation.secret.hex(),
        "lead_fingerprint": invitation.lead_fingerprint.hex(), "user": user,
        "inspection_id": iid.hex(), "collection_id": col["collection_id"],
        "name": col.get("inspection_name", "")})
    client.join_invite(invitation.invite_id, session.device_id, keys.sign_pub, keys.kx_pub,
                       user, proof)
    return col.get("inspection_name", "") or iid.hex()[:8]


def request_server_purge(session: Session, inspection: Inspection) -> None:
    """Ask the sync server to purge a team inspection (POST /v1/inspections/{iid}/purge), so
    that every member device purges it at its next sync: the request carries this lead
    device's signed purge statement, which each member device checks before deleting.

    It raises (a ``FieldpadError``: exit code 4 for the network, 3 when this user does not
    lead the inspection) when the server does not confirm, so that the local purge does not
    run and the user can try again. A local inspection never left this device: nothing to ask.
    """
    if inspection.scope == "local":
        return
    from store.team import purge_statement

    statement = purge_statement(session, inspection)  # refused here unless this is a lead
    with client_for(session) as client:
        client.purge_inspection(inspection.inspection_id, statement)
