"""What the listing (GET /v1/collections) adds so that a sync with nothing to do stops after
that one request (DESIGN §9): the invitations that wait on the calling device, and which
member devices of each collection are active and which lack the current key. Read only.

A device that created invitations would otherwise ask ``GET /v1/invites/pending`` at every
sync, and a device that answered one ``GET /v1/invites/{id}``, to learn that nothing
changed; and while a member has a device enrolled that is not on the signed roster yet, the
counts alone sent every device to ``GET .../members`` at every sync to find it has nothing
to do. These tell a device when to ask; proofs, keys and public keys still come from those
routes.
"""

from __future__ import annotations

from typing import Any

from ._base import Caller, InviteSummary


class ListingMixin:
    """Part of SqlStorage; relies on its ``_tx``."""

    _tx: Any

    def invite_summary(self, caller: Caller, now: float) -> InviteSummary:
        with self._tx(write=False) as tx:
            # the creator's index (created_by_device, state) answers this one
            row = tx.one("SELECT count(*) FROM team_invites WHERE created_by_device = ? "
                         "AND state = 'joined'", (caller.device_id,))
            # a device joins few invitations; the table holds one row per invitation made
            joined = tx.all("SELECT id, state FROM team_invites WHERE device_id = ?",
                            (caller.device_id,))
        return InviteSummary(int(row[0]) if row else 0,
                             {bytes(i): str(s) for i, s in joined})

    def member_devices(self, caller: Caller, now: float) -> dict[bytes, dict[bytes, bool]]:
        """Per collection the caller's user is an active member of: its active members'
        active devices (the set ``active_devices`` counts), each with whether it holds a
        wrapped key for the collection's current epoch (``devices_missing_keys`` counts those
        without). The members route shows the same devices to any member."""
        out: dict[bytes, dict[bytes, bool]] = {}
        with self._tx(write=False) as tx:
            for cid, did, has_key in tx.all(
                """SELECT m2.collection_id, d2.id,
                          CASE WHEN w.device_id IS NULL THEN 0 ELSE 1 END
                   FROM memberships me
                   JOIN memberships m2 ON m2.collection_id = me.collection_id
                   JOIN collections c ON c.id = m2.collection_id
                   JOIN devices d2 ON d2.user_id = m2.user_id AND d2.revoked_at IS NULL
                   LEFT JOIN wrapped_keys w ON w.collection_id = m2.collection_id
                        AND w.device_id = d2.id AND w.epoch = c.epoch
                   WHERE me.user_id = ? AND me.removed_at IS NULL
                     AND (me.until_at IS NULL OR me.until_at > ?)
                     AND m2.removed_at IS NULL AND (m2.until_at IS NULL OR m2.until_at > ?)
                   ORDER BY m2.collection_id, d2.id""",
                (caller.user_id, now, now),
            ):
                out.setdefault(bytes(cid), {})[bytes(did)] = bool(has_key)
        return out
