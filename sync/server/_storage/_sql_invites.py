"""Team invitation routing (see ``_sql.py`` and ``store/team/_invitation.py``).

The server never sees an invitation's secret: it routes by the 12-byte id derived from it,
relays the joining device's keys and join proof to the device that created the invitation
(the only holder of the secret), and relays that device's accept proof or refusal back. It
checks what an honest server can: the joiner is the invited user and presents its own
enrolled keys; a dishonest server could swap them, which the proofs let both devices detect.
"""

from __future__ import annotations

from typing import Any

from .._errors import (
    ApiError,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    TooManyTries,
    Unprocessable,
)
from ._base import Caller, JoinRequest, TeamInvite
from ._sql_purge import inspection_purged
from ._tx import Tx

SELECT_INVITES = """
    SELECT t.id, t.inspection_id, u.name, t.role, t.state, t.created_by_device, t.expires_at,
           t.tries, t.device_id, t.sign_key, t.kx_key, t.join_user, t.proof, t.accept_proof,
           t.reason
    FROM team_invites t JOIN users u ON u.id = t.user_id"""


class InvitesMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_active_device``, ``_user_id``,
    ``_is_inspection_lead``, ``lock_clause`` and ``share_clause``."""

    _tx: Any
    _active_device: Any
    _user_id: Any
    _is_inspection_lead: Any
    lock_clause: str
    share_clause: str

    def create_team_invite(
        self, caller: Caller, invite_id: bytes, inspection_id: bytes, user: str, role: str,
        now: float, expires_at: float,
    ) -> TeamInvite:
        with self._tx() as tx:
            self._active_device(tx, caller)
            if not self._is_inspection_lead(tx, caller.user_id, inspection_id, now) and \
                    not (role == "member" and _links_own_device(tx, caller, inspection_id,
                                                                user, now)):
                raise Forbidden(
                    f"only a lead of inspection {inspection_id.hex()} may invite to it (a "
                    "member may only link another device of their own)",
                    code="not_a_lead",
                )
            purged = tx.one(
                "SELECT purged_at FROM inspections WHERE id = ?" + self.share_clause,
                (inspection_id,),
            )
            if purged is not None and purged[0] is not None:
                raise inspection_purged(inspection_id)
            uid = self._user_id(tx, user)
            added = tx.run(
                "INSERT INTO team_invites (id, inspection_id, user_id, role, created_by_device,"
                " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (invite_id, inspection_id, uid, role, caller.device_id, now, expires_at),
            )
            invite = _read(tx, invite_id)
        same = (invite.created_by_device, invite.inspection_id, invite.user, invite.role) == (
            caller.device_id, inspection_id, user, role)
        if added == 0 and not same:  # the very same request again is a retry, not a clash
            raise Conflict(
                f"invitation {invite_id.hex()} already exists: make a new one",
                code="invite_exists",
            )
        return invite

    def join_team_invite(
        self, caller: Caller, invite_id: bytes, join: JoinRequest, now: float, max_tries: int
    ) -> TeamInvite:
        failure: ApiError | None = None
        with self._tx() as tx:
            self._active_device(tx, caller)
            if tx.one("SELECT 1 FROM team_invites WHERE id = ?" + self.lock_clause,
                      (invite_id,)) is None:
                raise NotFound(f"no invitation {invite_id.hex()}: check the code",
                               code="no_such_invite")
            # counted (and committed) before any check, so refused joins count too
            tx.run("UPDATE team_invites SET tries = tries + 1 WHERE id = ?", (invite_id,))
            invite = _read(tx, invite_id)
            me = tx.one(
                "SELECT u.name, d.sign_key, d.kx_key FROM devices d "
                "JOIN users u ON u.id = d.user_id WHERE d.id = ?",
                (caller.device_id,),
            )
            failure = _join_refusal(invite, join, caller, me, now, max_tries)
            if failure is None and invite.state == "open":
                tx.run(
                    "UPDATE team_invites SET state = 'joined', device_id = ?, sign_key = ?, "
                    "kx_key = ?, join_user = ?, proof = ? WHERE id = ?",
                    (join.device_id, join.sign_key, join.kx_key, join.user, join.proof,
                     invite_id),
                )
                invite = _read(tx, invite_id)
        if failure is not None:
            raise failure
        return invite

    def pending_team_invites(self, caller: Caller, now: float) -> list[TeamInvite]:
        with self._tx(write=False) as tx:
            self._active_device(tx, caller)
            rows = tx.all(
                SELECT_INVITES + " WHERE t.created_by_device = ? AND t.state = 'joined' "
                "ORDER BY t.created_at, t.id",
                (caller.device_id,),
            )
        return [_invite(r) for r in rows]

    def answer_team_invite(
        self, caller: Caller, invite_id: bytes, accept_proof: bytes | None,
        reason: str | None, now: float,
    ) -> TeamInvite:
        state = "accepted" if accept_proof is not None else "rejected"
        with self._tx() as tx:
            self._active_device(tx, caller)
            if tx.one("SELECT 1 FROM team_invites WHERE id = ?" + self.lock_clause,
                      (invite_id,)) is None:
                raise NotFound(f"no invitation {invite_id.hex()}", code="no_such_invite")
            invite = _read(tx, invite_id)
            if invite.created_by_device != caller.device_id:
                raise Forbidden(
                    "only the device that created an invitation may answer it (only it holds "
                    "the secret)",
                    code="not_the_inviter",
                )
            if (invite.state, invite.accept_proof, invite.reason) == (state, accept_proof,
                                                                      reason):
                return invite  # the same answer again: a retry
            if invite.state != "joined":
                if invite.state == "open":
                    raise Conflict(f"invitation {invite_id.hex()} has not been joined yet",
                                   code="invite_not_joined")
                raise Conflict(f"invitation {invite_id.hex()} was already {invite.state}",
                               code="invite_used")
            tx.run(
                "UPDATE team_invites SET state = ?, accept_proof = ?, reason = ? WHERE id = ?",
                (state, accept_proof, reason, invite_id),
            )
            invite = _read(tx, invite_id)
        return invite

    def team_invite(self, caller: Caller, invite_id: bytes, now: float) -> TeamInvite:
        with self._tx(write=False) as tx:
            self._active_device(tx, caller)
            row = tx.one(SELECT_INVITES + " WHERE t.id = ?", (invite_id,))
        invite = _invite(row) if row is not None else None
        joined = invite.join.device_id if invite and invite.join else None
        if invite is None or caller.device_id not in (invite.created_by_device, joined):
            # the same answer for "unknown" and "not yours": ids cannot be probed
            raise NotFound(f"no invitation {invite_id.hex()}", code="no_such_invite")
        return invite


def _links_own_device(tx: Tx, caller: Caller, inspection_id: bytes, user: str,
                      now: float) -> bool:
    """A member's invitation for their own user: linking a second device (issue 11). The
    lead's device still decides, from the signed roster, whether that device is added."""
    return tx.one(
        "SELECT 1 FROM users u JOIN memberships m ON m.user_id = u.id "
        "JOIN collections c ON c.id = m.collection_id "
        "WHERE u.id = ? AND u.name = ? AND c.inspection_id = ? AND m.removed_at IS NULL "
        "AND (m.until_at IS NULL OR m.until_at > ?)",
        (caller.user_id, user, inspection_id, now),
    ) is not None


def _join_refusal(
    invite: TeamInvite, join: JoinRequest, caller: Caller, me: Any, now: float, max_tries: int
) -> ApiError | None:
    """Why this join is refused, or None (new, or the same device's identical retry)."""
    if now >= invite.expires_at:
        return Gone("this invitation has expired: ask the lead for a new one",
                    code="invite_expired")
    if invite.tries > max_tries:
        return TooManyTries(f"this invitation had more than {max_tries} join attempts and is "
                            "dead: ask the lead for a new one", code="too_many_tries")
    if me is None or me[0] != invite.user or join.user != invite.user:
        return Forbidden("this invitation is for another user", code="wrong_user")
    if join.device_id != caller.device_id or (join.sign_key, join.kx_key) != (
            bytes(me[1]), bytes(me[2])):
        return Unprocessable("a device joins with its own id and enrolled public keys",
                             code="not_your_keys")
    if invite.state == "open" or (invite.state in ("joined", "accepted")
                                  and invite.join == join):
        return None
    return Conflict("this invitation was already used", code="invite_used")


def _read(tx: Tx, invite_id: bytes) -> TeamInvite:
    return _invite(tx.one(SELECT_INVITES + " WHERE t.id = ?", (invite_id,)))


def _invite(r: Any) -> TeamInvite:
    def b(v: Any) -> bytes | None:
        return bytes(v) if v is not None else None

    join = None
    if r[8] is not None:
        join = JoinRequest(bytes(r[8]), bytes(r[9]), bytes(r[10]), str(r[11]), bytes(r[12]))
    return TeamInvite(
        invite_id=bytes(r[0]), inspection_id=bytes(r[1]), user=str(r[2]), role=str(r[3]),
        state=str(r[4]), created_by_device=bytes(r[5]), expires_at=float(r[6]),
        tries=int(r[7]), join=join, accept_proof=b(r[13]),
        reason=str(r[14]) if r[14] is not None else None,
    )
