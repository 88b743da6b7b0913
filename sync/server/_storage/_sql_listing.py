"""What the listing (GET /v1/collections) adds so that a sync with nothing to do stops after
that one request (DESIGN §9): the invitations that wait on the calling device. Read only.

A device that created invitations would otherwise ask ``GET /v1/invites/pending`` at every
sync, and a device that answered one ``GET /v1/invites/{id}``, to learn that nothing
changed. These counts and states tell it when to ask; the proofs and keys themselves still
come from those routes.
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
