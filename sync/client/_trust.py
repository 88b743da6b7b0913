"""The key lifecycle of one sync (DESIGN §6, issue 7): signed rosters, keys checked against
the roster's commitments, key delivery to roster devices only, rotation after a removal, and
the lead's end of an invitation (the joining end is ``_joining.py``, which builds on this).

The server is trusted for nothing here. It stores the roster log, routes invitations and keeps
wrapped keys; every client verifies the log back to the lead key it pinned when it joined and
takes public keys from that log only, never from the server's member list. What a server can
still do is refuse service (drop or withhold things); what it tries beyond that is reported as
an alert in the sync report.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from store import Replica, Session
from store.crypto import SecretBytes
from store.team import (
    ADD,
    LEAD,
    MEMBER,
    REMOVE,
    ROTATE,
    Invitation,
    JoinRejected,
    Roster,
    RosterError,
    SignedEvent,
    admit,
)

from ._errors import ServerRefused
from ._http import SyncClient
from ._report import SyncReport

log = logging.getLogger("fieldpad.sync")

TEAM, RESTRICTED = "team", "restricted"
READING = "reading-"


@dataclass
class TeamState:
    """Per inspection: its collections by kind, as the server lists them."""

    collections: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def team(self) -> dict[str, Any] | None:
        return self.collections.get(TEAM)


def kind_order(col: dict[str, Any]) -> int:
    """Team rosters first: every other roster of an inspection is checked against it."""
    return 0 if col.get("kind", TEAM) == TEAM else 1


class Trust:
    def __init__(self, session: Session, client: SyncClient, replica: Replica,
                 report: SyncReport) -> None:
        self.session = session
        self.client = client
        self.replica = replica
        self.report = report
        self.book = session.rosters
        self.me = session.device_id
        # the sync's listing (GET /v1/collections), when there is one: what the server says
        # waits on this device, so that a sync with nothing to do asks nothing more
        self.listing: dict[str, Any] = {}
        self._pending: list[dict[str, Any]] | None = None

    # -- alerts ------------------------------------------------------------------------------
    def alert(self, text: str) -> None:
        """Something the server did that an honest server never does: shown to the user."""
        # ids only, never names: the alert's words go to the user through the report
        log.info("event=roster_alert n=%d", len(self.report.alerts) + 1)
        self.report.alerts.append(text)
        self.report.problems.append(text)

    def label(self, cid: bytes) -> str:
        iid, kind = self.replica.collections().get(cid, (b"", "?"))
        ins = self.session.inspections.get(iid)
        return f"{ins.name if ins else cid.hex()[:8]} · {kind}"

    # -- rosters -----------------------------------------------------------------------------
    def refresh(self, col: dict[str, Any], team: Roster | None) -> Roster | None:
        """Bring this device's verified roster of ``col`` up to what the server holds,
        refusing a forged, forked or rolled-back log. Returns the roster to use (the last
        verified one when the served one is refused), or None without one."""
        cid, iid = bytes.fromhex(col["collection_id"]), bytes.fromhex(col["inspection_id"])
        kind = col.get("kind", TEAM)
        local = self.book.get(cid)
        served_len = int(col.get("roster_length") or 0)
        served_head = col.get("roster_head")
        if local is not None and served_len == local.length and served_head == local.head.hex():
            self._check_epoch(col, local)
            return local
        label = self.label(cid)
        if served_len < (local.length if local else 0):
            self.alert(f"{label}: the server serves a roster of {served_len} events, but this "
                       f"device verified {local.length if local else 0}: an old roster was "
                       "replayed (a removal may be hidden). Nothing was changed; tell your lead.")
            return local
        if local is None and self.book.pinned(iid) is None:
            return None  # not joined yet: an invitation from the lead is needed first
        if local is None and served_len == 0:
            return None
        try:
            if local is None:
                events = self._fetch(cid, 0)
                roster, anchor = self.book.verify_for(events, kind, iid, team)
                self.book.save(roster, anchor)
            else:
                after = local.length - 1
                roster = local.update(self._fetch(cid, after), offset=after)
                self.book.save(roster, self.book.anchor(cid))
        except RosterError as exc:
            self.alert(f"{label}: the server serves a roster this device cannot trust ({exc}). "
                       "No key was shared and no member was changed; tell your lead.")
            return local
        self._check_epoch(col, roster)
        return roster

    def _fetch(self, cid: bytes, after: int) -> list[SignedEvent]:
        data = self.client.roster(cid, after)
        return [SignedEvent.from_wire(e) for e in data.get("events", [])]

    def _check_epoch(self, col: dict[str, Any], roster: Roster) -> None:
        if int(col.get("epoch", 1)) > roster.epoch:
            self.alert(f"{self.label(roster.collection)}: the server says the key is at epoch "
                       f"{col['epoch']}, but its signed roster only reaches epoch "
                       f"{roster.epoch}: a roster event is being withheld.")

    # -- keys --------------------------------------------------------------------------------
    def adopt_keys(self, col: dict[str, Any], roster: Roster | None) -> None:
        """Keep the wrapped keys whose key the roster committed to; refuse any other."""
        cid = bytes.fromhex(col["collection_id"])
        if roster is not None:
            for epoch in range(1, roster.epoch + 1):
                key = self.session.keyring.key(cid, epoch)
                if key is not None and not roster.key_commit_ok(epoch, key):
                    # a rotation of this device that lost a race with another lead device;
                    # never used to write (Session.write_epoch), so nothing is lost
                    self.session.keyring.drop(cid, epoch)
        for k in col.get("keys", []):
            epoch = int(k["epoch"])
            if self.replica.has_key(cid, epoch) or roster is None or epoch > roster.epoch:
                continue  # without a verified roster for that epoch a key waits
            from .._encoding import decode_b64url

            if not self.replica.unwrap_key(cid, epoch, decode_b64url(k["wrapped"]),
                                           check=partial(roster.key_commit_ok, epoch)):
                self.alert(f"{self.label(cid)}: a key for epoch {epoch} does not open for this "
                           "device or is not the key the lead committed to on the signed "
                           "roster; it was refused.")

    def deliver(self, col: dict[str, Any], roster: Roster | None, *, force: bool = False) -> None:
        """Wrap the keys this device holds for roster devices that lack them. Public keys come
        from the signed roster; the server only says who lacks what."""
        if roster is None or not (force or col.get("devices_missing_keys")):
            return
        missing = _listed(col, "missing_key_ids", "devices_missing_keys")
        if not force and missing is not None and not any(roster.is_active(d) for d in missing):
            return  # only devices off the signed roster lack the key: none may be given one
        cid = bytes.fromhex(col["collection_id"])
        info = self.client.members(cid)
        wraps: list[tuple[int, bytes, bytes]] = []
        for member in info["members"]:
            for dev in member["devices"]:
                did = bytes.fromhex(dev["device_id"])
                if not roster.is_active(did):
                    continue  # not on the signed roster: never gets a key
                kx = roster.kx_key(did)
                have = set(dev.get("epochs", []))
                for epoch in range(1, roster.epoch + 1):
                    if epoch not in have and self.replica.has_key(cid, epoch):
                        wraps.append((epoch, did, self.replica.wrap_key(cid, epoch, did, kx)))
        self._upload(cid, wraps)

    def _upload(self, cid: bytes, wraps: list[tuple[int, bytes, bytes]]) -> None:
        for i in range(0, len(wraps), 500):
            self.client.upload_keys(cid, wraps[i:i + 500])
        self.report.delivered_keys += len(wraps)

    def server_devices(self, cid: bytes) -> set[bytes]:
        info = self.client.members(cid)
        return {bytes.fromhex(d["device_id"]) for m in info["members"] for d in m["devices"]}

    # -- lead duties -------------------------------------------------------------------------
    def append(self, roster: Roster, signed: list[SignedEvent], new: Roster) -> Roster:
        """Store events on the server, then keep the new roster. The server refuses events
        that do not follow its head (another lead device changed the roster): re-read it."""
        self.client.append_roster(roster.collection, [e.to_wire() for e in signed])
        self.book.save(new, self.book.anchor(roster.collection))
        return new

    def rotate(self, roster: Roster) -> Roster:
        """A new collection key for the next epoch, committed on the roster and wrapped for
        every remaining device. The key is kept locally before anything is sent, so a sync cut
        off half way finishes the rotation next time (``finish_rotation``)."""
        cid = roster.collection
        epoch = roster.epoch + 1
        if not self.replica.has_key(cid, epoch):
            self.session.keyring.add(cid, epoch, SecretBytes.random(32))
        key = self.session.keyring.key(cid, epoch)
        new, signed = roster.sign_next(self.session.keys.device.signing, ROTATE, self.me,
                                       collection_key=key)
        try:
            new = self.append(roster, [signed], new)
        except ServerRefused:
            # another lead device changed the roster first: this key was never committed
            self.session.keyring.drop(cid, epoch)
            raise
        self.finish_rotation(new)
        return new

    def finish_rotation(self, roster: Roster) -> None:
        """Wrap the current epoch's key for every roster device the server still lists."""
        cid = roster.collection
        if not self.replica.has_key(cid, roster.epoch):
            return
        active = self.server_devices(cid) | {self.me}
        wraps = [(roster.epoch, d.device_id,
                  self.replica.wrap_key(cid, roster.epoch, d.device_id, d.kx_key))
                 for d in roster.devices() if d.device_id in active]
        self._upload(cid, wraps)

    def remove_devices(self, roster: Roster, devices: list[bytes], reason: str) -> Roster:
        """Remove devices from a roster and rotate its key, as one lead action. Each removal
        records the last seq the device may sign here (issue 11): the head of its stream here
        once this device has pulled what the server holds, which the server stopped adding to
        when it refused the device (callers refuse it on the server first)."""
        new, signed = roster, []
        gone = [did for did in dict.fromkeys(devices) if roster.is_active(did)]
        if gone:
            self.catch_up(roster.collection)
        heads = self.replica.stream_heads(roster.collection)
        for did in gone:
            new, ev = new.sign_next(self.session.keys.device.signing, REMOVE, self.me,
                                    device_id=did, reason=reason, last_seq=heads.get(did, 0))
            signed.append(ev)
        if signed:
            new = self.append(roster, signed, new)
        if new.rotation_due:
            new = self.rotate(new)
        return new

    def catch_up(self, cid: bytes, max_pages: int = 1000) -> None:
        """Pull and verify what the server holds of a collection now (what a sync's pull
        does, without its accounting): records refused are ALERTs, as in a sync."""
        for _ in range(max_pages):
            page = self.client.pull(cid, self.replica.stream_heads(cid))
            rep = self.replica.ingest(page.envelopes, cid)
            self.report.down_records += rep.stored
            self.report.quarantined += [str(d) for d in rep.quarantined]
            for text in rep.refused:
                self.alert(text)
            if not page.more or not rep.stored:
                return

    def lead_duties(self, col: dict[str, Any], roster: Roster | None) -> Roster | None:
        """On a lead's device: finish a rotation a removal left due, and remove roster devices
        the server no longer lists (revoked, or access that lapsed)."""
        if roster is None or not roster.is_lead(self.me):
            return roster
        cid = roster.collection
        if roster.epoch > int(col.get("epoch", 1)) and self.replica.has_key(cid, roster.epoch):
            self.finish_rotation(roster)  # rotated on the roster, keys not yet uploaded
        listed = _listed(col, "active_device_ids", "active_devices")
        if listed is not None:  # ask only when a device of the roster is not listed
            changed = any(d.device_id not in listed and d.device_id != self.me
                          for d in roster.devices())
        else:  # an older server: only the count
            active = col.get("active_devices")
            changed = active is not None and int(active) != len(roster.devices())
        if changed or roster.rotation_due:
            listed = self.server_devices(cid)
            gone = [d.device_id for d in roster.devices()
                    if d.device_id not in listed and d.device_id != self.me]
            roster = self.remove_devices(roster, gone, "removed")
        return roster

    def genesis(self, cid: bytes, iid: bytes, kind: str, team: Roster | None) -> Roster:
        """The first lead device starts a collection's roster at epoch 1."""
        keys = self.session.keys.device
        if kind == TEAM:
            self.book.pin(iid, keys.sign_pub)
        ck = self.session.keyring.key(cid, 1)
        if ck is None:
            raise ValueError("the epoch 1 key must exist before the roster")
        roster, signed = Roster.create(cid, self.me, self.book.user or "lead", keys.signing,
                                       keys.kx_pub, ck)
        new = roster
        if team is not None and kind != TEAM:  # every other lead device of the team reads it
            for d in team.devices():
                if d.role == LEAD and d.device_id != self.me:
                    new, ev = new.sign_next(keys.signing, ADD, self.me, device_id=d.device_id,
                                            user=d.user, role=LEAD, sign_key=d.sign_key,
                                            kx_key=d.kx_key)
        events = [signed, *new.events[1:]]
        self.client.append_roster(cid, [e.to_wire() for e in events])
        self.book.save(new, keys.sign_pub)
        return new

    # -- invitations: the lead's end ---------------------------------------------------------
    def admit_pending(self, by_inspection: dict[bytes, TeamState]) -> None:
        """Check every join request for an invitation this device made; add the device only
        when its proof holds over the very keys it presents."""
        mine = self.book.invites("lead")
        if not mine:
            return
        for p in self.pending_invites():
            inv_id = bytes.fromhex(p["invite_id"])
            local = mine.get(inv_id)
            if local is None:
                continue
            self._admit_one(inv_id, local, p, by_inspection)

    def pending_invites(self) -> list[dict[str, Any]]:
        """Joins of invitations this device created: asked once per sync (the lead's
        invitations and a member's links share the answer), and not at all when the listing
        says none waits. A server that says none hides nothing it could not hide by answering
        with an empty list; one without the count (an older server) is always asked."""
        if self._pending is None:
            none = self.listing.get("pending_joins") == 0
            self._pending = [] if none else self.client.pending_invites()
        return self._pending

    def _admit_one(self, inv_id: bytes, local: dict[str, Any], p: dict[str, Any],
                   by_inspection: dict[bytes, TeamState]) -> None:
        iid = bytes.fromhex(local["inspection_id"])
        state = by_inspection.get(iid)
        team_col = state.team if state else None
        only = local.get("collection_id")  # a reading pair's reader joins that one alone
        target = only or (team_col["collection_id"] if team_col else None)
        roster = self.book.get(bytes.fromhex(target)) if target else None
        if roster is None or not roster.is_lead(self.me):
            return
        invitation = Invitation(bytes.fromhex(local["secret"]),
                                bytes.fromhex(local["lead_fingerprint"]))
        did = bytes.fromhex(p["device_id"])
        user = p.get("join_user") or p.get("user", "")
        try:
            if user != local["user"]:
                raise JoinRejected("the join request names another user than the invitation")
            new, signed, proof = admit(
                roster, invitation, iid, did, bytes.fromhex(p["sign_key"]),
                bytes.fromhex(p["kx_key"]), user, bytes.fromhex(p["proof"]),
                lead_device_id=self.me, lead_signing_key=self.session.keys.device.signing,
                role=local.get("role", MEMBER))
        except (JoinRejected, RosterError) as exc:
            self.alert(f"an invitation for {local['user']} was answered with keys that do not "
                       f"match it ({exc}); nothing was added and the invitation is cancelled. "
                       "Make a new invitation and give the code in person.")
            self._quietly(self.client.reject_invite, inv_id, "the proof did not match")
            self.book.drop_invite(inv_id)
            return
        new = self.append(roster, [signed], new)
        self._deliver_to(new, did)
        added = new.device(did)
        for kind, col in (state.collections.items() if state and not only else ()):
            if kind == TEAM or added is None:
                continue
            if kind == RESTRICTED and added.role != LEAD:
                continue
            if kind.startswith(READING) and not self._in_pair(iid, kind, added.user):
                continue
            self.add_to(bytes.fromhex(col["collection_id"]), added)
        self.client.accept_invite(inv_id, proof)
        self.book.drop_invite(inv_id)
        self.report.admitted.append(f"{added.user if added else user} ({did.hex()[:8]})")

    def _in_pair(self, iid: bytes, kind: str, user: str) -> bool:
        ins = self.session.inspections.get(iid)
        pairs = (ins.extra.get("pairs") if ins else None) or []
        return any(p.get("kind") == kind and user in (p.get("reader"), p.get("inspector"))
                   for p in pairs if isinstance(p, dict))

    def add_to(self, cid: bytes, dev: Any) -> None:
        """Add a device verified on the team roster to another roster, with every key."""
        roster = self.book.get(cid)
        if roster is None or not roster.is_lead(self.me) or roster.is_active(dev.device_id):
            return
        new, ev = roster.sign_next(self.session.keys.device.signing, ADD, self.me,
                                   device_id=dev.device_id, user=dev.user, role=dev.role,
                                   sign_key=dev.sign_key, kx_key=dev.kx_key)
        new = self.append(roster, [ev], new)
        self._deliver_to(new, dev.device_id)

    def _deliver_to(self, roster: Roster, did: bytes) -> None:
        cid, kx = roster.collection, roster.kx_key(did)
        if kx is None:
            return
        wraps = [(e, did, self.replica.wrap_key(cid, e, did, kx))
                 for e in range(1, roster.epoch + 1) if self.replica.has_key(cid, e)]
        self._upload(cid, wraps)

    @staticmethod
    def _quietly(fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except ServerRefused:
            pass


def _listed(col: dict[str, Any], ids: str, count: str) -> set[bytes] | None:
    """The device ids the listing gives under ``ids``, when it gives them and they agree with
    the count it gives under ``count`` (read in another transaction: a device enrolled in
    between makes them differ, and then the device asks, as without the ids)."""
    given = col.get(ids)
    if given is None or len(given) != int(col.get(count) or 0):
        return None
    return {bytes.fromhex(d) for d in given}


def new_collection_id() -> bytes:
    return os.urandom(16)
