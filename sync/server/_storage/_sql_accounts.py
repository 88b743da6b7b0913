"""Operator (admin) and enrolment/authentication queries (see ``_sql.py``)."""

from __future__ import annotations

import hmac
from typing import Any

from .._errors import Conflict, NotFound, Unauthorized
from ._base import DeviceKey, DeviceRow, InspectionRow, UserRow

NONCE_PRUNE_EVERY = 60.0


class AccountsMixin:
    """Part of SqlStorage; relies on its ``_tx``, ``_user_id`` and ``lock_clause``."""

    _tx: Any
    _user_id: Any
    lock_clause: str
    _last_prune: float

    # --- admin ---------------------------------------------------------------------------
    def add_user(self, name: str, now: float) -> int:
        with self._tx() as tx:
            row = tx.one(
                "INSERT INTO users (name, created_at) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING RETURNING id",
                (name, now),
            )
        if row is None:
            raise Conflict(f"a user named {name!r} already exists", code="user_exists")
        return int(row[0])

    def list_users(self) -> list[UserRow]:
        with self._tx(write=False) as tx:
            rows = tx.all(
                """SELECT u.id, u.name, u.created_at,
                          (SELECT COUNT(*) FROM devices d
                           WHERE d.user_id = u.id AND d.revoked_at IS NULL)
                   FROM users u ORDER BY u.name"""
            )
        return [UserRow(int(r[0]), r[1], float(r[2]), int(r[3])) for r in rows]

    def add_invite(
        self, user: str, code_id: str, secret_hash: bytes, now: float, expires_at: float
    ) -> None:
        with self._tx() as tx:
            uid = self._user_id(tx, user)
            tx.run(
                "INSERT INTO enrol_codes (id, user_id, secret_hash, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code_id, uid, secret_hash, now, expires_at),
            )

    def list_devices(self) -> list[DeviceRow]:
        with self._tx(write=False) as tx:
            rows = tx.all(
                "SELECT d.id, u.name, d.created_at, d.revoked_at FROM devices d "
                "JOIN users u ON u.id = d.user_id ORDER BY u.name, d.created_at, d.id"
            )
        return [DeviceRow(bytes(r[0]), r[1], float(r[2]), r[3]) for r in rows]

    def revoke_device(self, device_id: bytes, now: float) -> bool:
        with self._tx() as tx:
            if tx.one("SELECT 1 FROM devices WHERE id = ?", (device_id,)) is None:
                raise NotFound(f"no device {device_id.hex()}", code="no_such_device")
            n = tx.run(
                "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, device_id),
            )
        return n > 0

    def add_inspection(self, inspection_id: bytes, name: str, lead: str, now: float) -> None:
        with self._tx() as tx:
            uid = self._user_id(tx, lead)
            n = tx.run(
                "INSERT INTO inspections (id, name, lead_user_id, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (inspection_id, name, uid, now),
            )
        if n == 0:
            raise Conflict(f"an inspection named {name!r} already exists", code="exists")

    def list_inspections(self) -> list[InspectionRow]:
        with self._tx(write=False) as tx:
            rows = tx.all(
                "SELECT i.id, i.name, u.name, i.purged_at FROM inspections i "
                "JOIN users u ON u.id = i.lead_user_id ORDER BY i.name"
            )
        return [InspectionRow(bytes(r[0]), r[1], r[2], r[3]) for r in rows]

    # --- enrolment and authentication ----------------------------------------------------
    def enrol(
        self,
        code_id: str,
        secret_hash: bytes,
        device_id: bytes,
        sign_key: bytes,
        kx_key: bytes,
        now: float,
        max_tries: int,
    ) -> str:
        failure: Exception | None = None
        with self._tx() as tx:
            row = tx.one(
                "SELECT c.user_id, c.secret_hash, c.expires_at, c.tries, c.used_at, u.name "
                "FROM enrol_codes c JOIN users u ON u.id = c.user_id WHERE c.id = ?"
                + self.lock_clause,
                (code_id,),
            )
            if row is None:
                raise Unauthorized(
                    "this enrolment code is not valid: check it, or ask for a new one",
                    code="invalid_code",
                )
            uid, stored, expires_at, tries, used_at, name = row
            if used_at is not None and hmac.compare_digest(bytes(stored), secret_hash) and \
                    _enrolled_with(tx, code_id, device_id, sign_key, kx_key):
                return str(name)  # the same enrolment again: its answer was lost on the way
            if used_at is not None:
                raise Unauthorized(
                    "this enrolment code was already used: ask for a new one", code="code_used"
                )
            if tries >= max_tries:
                raise Unauthorized(
                    f"this enrolment code had {max_tries} wrong tries and is dead: ask for a "
                    "new one",
                    code="code_exhausted",
                )
            if now >= expires_at:
                raise Unauthorized(
                    "this enrolment code has expired: ask for a new one", code="code_expired"
                )
            if not hmac.compare_digest(bytes(stored), secret_hash):
                tx.run("UPDATE enrol_codes SET tries = tries + 1 WHERE id = ?", (code_id,))
                left = max_tries - tries - 1
                failure = Unauthorized(
                    f"this enrolment code is not valid ({left} tries left): check it",
                    code="invalid_code",
                )
            else:
                if tx.one("SELECT 1 FROM devices WHERE id = ? OR sign_key = ?",
                          (device_id, sign_key)) is not None:
                    raise Conflict(
                        "this device id or signing key is already enrolled: generate new "
                        "ones and try again (the code is still valid)",
                        code="device_exists",
                    )
                tx.run(
                    "INSERT INTO devices (id, user_id, sign_key, kx_key, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (device_id, uid, sign_key, kx_key, now),
                )
                tx.run(
                    "UPDATE enrol_codes SET used_at = ?, device_id = ? WHERE id = ?",
                    (now, device_id, code_id),
                )
        if failure is not None:
            raise failure
        return str(name)

    def device_key(self, device_id: bytes) -> DeviceKey | None:
        with self._tx(write=False) as tx:
            row = tx.one(
                "SELECT user_id, sign_key, revoked_at FROM devices WHERE id = ?", (device_id,)
            )
        if row is None:
            return None
        return DeviceKey(device_id, int(row[0]), bytes(row[1]), row[2] is not None)

    def use_nonce(self, device_id: bytes, nonce: str, expires_at: float, now: float) -> str:
        with self._tx(durable=False) as tx:
            row = tx.one("SELECT revoked_at FROM devices WHERE id = ?", (device_id,))
            if row is None or row[0] is not None:
                return "revoked"
            if now - self._last_prune > NONCE_PRUNE_EVERY:
                self._last_prune = now
                tx.run("DELETE FROM nonces WHERE expires_at < ?", (now,))
            n = tx.run(
                "INSERT INTO nonces (device_id, nonce, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (device_id, nonce, expires_at),
            )
        return "ok" if n == 1 else "replayed"


def _enrolled_with(tx: Any, code_id: str, device_id: bytes, sign_key: bytes,
                   kx_key: bytes) -> bool:
    """Whether this code enrolled exactly this device with exactly these keys, and the device
    is still active: then a retry of the enrolment is answered as the first one was."""
    row = tx.one(
        "SELECT d.sign_key, d.kx_key, d.revoked_at FROM enrol_codes c "
        "JOIN devices d ON d.id = c.device_id WHERE c.id = ? AND c.device_id = ?",
        (code_id, device_id),
    )
    return row is not None and row[2] is None and hmac.compare_digest(
        bytes(row[0]), sign_key) and hmac.compare_digest(bytes(row[1]), kx_key)
