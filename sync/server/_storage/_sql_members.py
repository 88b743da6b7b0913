"""Membership, key delivery and device revocation queries (see ``_sql.py``)."""

from __future__ import annotations

from typing import Any

from .._errors import Conflict, Forbidden, NotFound, Unprocessable
from ._base import Caller, MemberDeviceView, MemberState, MemberView, WrappedKey
from ._tx import Tx

ACTIVE_MEMBER_DEVICES = """
    SELECT d.user_id, d.id, d.sign_key, d.kx_key
    FROM devices d JOIN memberships m ON m.user_id = d.user_id
    WHERE m.collection_id = ? AND m.removed_at IS NULL
      AND (m.until_at IS NULL OR m.until_at > ?) AND d.revoked_at IS NULL
    ORDER BY d.id"""

LEADS_TARGET_USER = """
    SELECT 1 FROM memberships mt JOIN collections c ON c.id = mt.collection_id
    WHERE mt.user_id = ? AND (
        EXISTS (SELECT 1 FROM inspections i WHERE i.id = c.inspection_id AND i.lead_user_id = ?)
        OR EXISTS (
            SELECT 1 FROM memberships ml JOIN collections c2 ON c2.id = ml.collection_id
            WHERE c2.inspection_id = c.inspection_id AND ml.user_id = ? AND ml.role = 'lead'
              AND ml.removed_at IS NULL AND (ml.until_at IS NULL OR ml.until_at > ?)))"""


class MembersMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_member``, ``_lead`` and friends."""

    _tx: Any
    _member: Any
    _lead: Any
    _user_id: Any
    _active_device: Any

    def add_member(
        self,
        caller: Caller,
        collection_id: bytes,
        user: str,
        role: str,
        until: float | None,
        now: float,
    ) -> MemberState:
        with self._tx() as tx:
            self._lead(tx, caller, collection_id, now)
            uid = self._user_id(tx, user)
            tx.run(
                "INSERT INTO memberships (collection_id, user_id, role, until_at, added_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection_id, user_id) DO UPDATE SET "
                "role = excluded.role, until_at = excluded.until_at, removed_at = NULL",
                (collection_id, uid, role, until, now),
            )
        return MemberState(user, role, until is None or until > now, until)

    def remove_member(
        self, caller: Caller, collection_id: bytes, user: str, now: float
    ) -> MemberState:
        with self._tx() as tx:
            _, _, _, inspection_id, _ = self._lead(tx, caller, collection_id, now)
            uid = self._user_id(tx, user)
            lead = tx.one("SELECT lead_user_id FROM inspections WHERE id = ?", (inspection_id,))
            if lead is not None and int(lead[0]) == uid:
                raise Conflict(
                    f"{user!r} leads this inspection and cannot be removed from its "
                    "collections (an operator can change the inspection's lead)",
                    code="cannot_remove_lead",
                )
            row = tx.one(
                "SELECT role, until_at FROM memberships WHERE collection_id = ? AND user_id = ?",
                (collection_id, uid),
            )
            if row is None:
                raise NotFound(
                    f"{user!r} is not a member of collection {collection_id.hex()}",
                    code="not_a_member",
                )
            tx.run(
                "UPDATE memberships SET removed_at = ? WHERE collection_id = ? AND user_id = ? "
                "AND removed_at IS NULL",
                (now, collection_id, uid),
            )
        return MemberState(user, row[0], False, row[1])

    def list_members(
        self, caller: Caller, collection_id: bytes, now: float
    ) -> tuple[int, list[MemberView]]:
        with self._tx(write=False) as tx:
            epoch = int(self._member(tx, caller, collection_id, now)[2])
            members = tx.all(
                "SELECT m.user_id, u.name, m.role, m.until_at FROM memberships m "
                "JOIN users u ON u.id = m.user_id WHERE m.collection_id = ? "
                "AND m.removed_at IS NULL AND (m.until_at IS NULL OR m.until_at > ?) "
                "ORDER BY u.name",
                (collection_id, now),
            )
            devices = tx.all(ACTIVE_MEMBER_DEVICES, (collection_id, now))
            have: dict[bytes, list[int]] = {}
            for dev, epoch_ in tx.all(
                "SELECT device_id, epoch FROM wrapped_keys WHERE collection_id = ? "
                "ORDER BY epoch",
                (collection_id,),
            ):
                have.setdefault(bytes(dev), []).append(int(epoch_))
        by_user: dict[int, list[MemberDeviceView]] = {}
        for uid, dev, sk, kx in devices:
            by_user.setdefault(int(uid), []).append(
                MemberDeviceView(bytes(dev), bytes(sk), bytes(kx), have.get(bytes(dev), []))
            )
        return epoch, [
            MemberView(name, role, until, by_user.get(int(uid), []))
            for uid, name, role, until in members
        ]

    def upload_keys(
        self, caller: Caller, collection_id: bytes, keys: list[WrappedKey], now: float
    ) -> tuple[int, int, int]:
        with self._tx() as tx:
            role, _, current, _, _ = self._member(tx, caller, collection_id, now, lock=True)
            current = int(current)
            is_lead = role == "lead"
            targets = {bytes(r[1]) for r in tx.all(ACTIVE_MEMBER_DEVICES, (collection_id, now))}
            rotate = False
            for k in keys:
                if k.device_id not in targets:
                    raise Unprocessable(
                        f"device {k.device_id.hex()} is not an active device of a member of "
                        "this collection",
                        code="not_a_member_device",
                    )
                if k.epoch == current + 1:
                    if not is_lead:
                        raise Forbidden(
                            "only a lead starts a new epoch (rotates the collection key)",
                            code="not_a_lead",
                        )
                    rotate = True
                elif not 1 <= k.epoch <= current:
                    raise Unprocessable(
                        f"epoch {k.epoch} is neither an epoch of this collection (1..{current})"
                        f" nor the next one ({current + 1})",
                        code="unknown_epoch",
                    )
            if rotate:
                current += 1
                tx.run(
                    "INSERT INTO collection_epochs (collection_id, epoch, created_at) "
                    "VALUES (?, ?, ?)",
                    (collection_id, current, now),
                )
                tx.run(
                    "UPDATE collections SET epoch = ? WHERE id = ?", (current, collection_id)
                )
            conflict = (
                "DO UPDATE SET wrapped = excluded.wrapped, by_device = excluded.by_device, "
                "created_at = excluded.created_at"
                if is_lead
                else "DO NOTHING"
            )
            stored = 0
            for k in keys:
                stored += tx.run(
                    "INSERT INTO wrapped_keys (collection_id, device_id, epoch, wrapped, "
                    "by_device, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (collection_id, device_id, epoch) " + conflict,
                    (collection_id, k.device_id, k.epoch, k.wrapped, caller.device_id, now),
                )
        return stored, len(keys) - stored, current

    def revoke_device_as(self, caller: Caller, device_id: bytes, now: float) -> None:
        with self._tx() as tx:
            self._active_device(tx, caller)
            row = tx.one("SELECT user_id FROM devices WHERE id = ?", (device_id,))
            if row is None:
                raise NotFound(f"no device {device_id.hex()}", code="no_such_device")
            target_user = int(row[0])
            if target_user != caller.user_id and not self._leads_user(
                tx, caller.user_id, target_user, now
            ):
                raise Forbidden(
                    "only the device itself, another device of its user, or a lead of an "
                    "inspection its user belongs to may revoke it",
                    code="not_allowed",
                )
            tx.run(
                "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, device_id),
            )

    @staticmethod
    def _leads_user(tx: Tx, lead_id: int, user_id: int, now: float) -> bool:
        return tx.one(LEADS_TARGET_USER, (user_id, lead_id, lead_id, now)) is not None
