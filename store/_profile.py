"""A profile: one directory holding one SQLite file, locked until a passphrase opens it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from store.crypto import KdfParams

from ._db import Upgrade, connect, migrate, pending_upgrade
from ._headcheck import HeadCheck, take_early_check
from ._locations import DB_NAME
from ._session import Session
from ._vault import change_passphrase, create_vault, has_vault, unlock_vault, unlock_with_recovery
from .errors import NoVault, StoreError

NOTEBOOK = "Notebook"


class Profile:
    """A locked profile. Nothing secret is held until :meth:`unlock` returns a :class:`Session`."""

    def __init__(self, directory: Path | str, *, now_ms: Callable[[], int] | None = None,
                 on_upgrade: Callable[[Upgrade], None] | None = None) -> None:
        """Open (or create) the profile in ``directory``, upgrading its storage if it is older.
        ``on_upgrade`` is called first when that upgrade has work to do (seconds, for a large
        profile): the CLI prints a line, the app shows a notice; the store knows neither."""
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        self._now_ms = now_ms
        self.db: sqlite_utils.Database = connect(self.path)
        self._closed = False
        if on_upgrade is not None and (upgrade := pending_upgrade(self.db)) is not None:
            on_upgrade(upgrade)
        migrate(self.db)

    def __repr__(self) -> str:
        return f"Profile({str(self.directory)!r})"

    @property
    def has_vault(self) -> bool:
        return has_vault(self.db)

    @property
    def device_id(self) -> bytes:
        rows = list(self.db.query("SELECT value FROM meta WHERE key = 'device_id'"))
        if not rows:
            raise NoVault(f"no vault in {self.directory}: run `fieldpad init` first")
        return bytes.fromhex(rows[0]["value"])

    def init(self, passphrase: str, params: KdfParams | None = None,
             author: str | None = None, *, device_id: bytes | None = None,
             signing_key: bytes | None = None) -> tuple[Session, str]:
        """Create the vault, this device's keys and the local "Notebook" inspection.

        Returns the unlocked session and the recovery words, to be shown once. The device id
        and the 32-byte Ed25519 signing key are random unless given: tests give them, so a
        screen that shows a fingerprint looks the same every run.
        """
        device_id = device_id if device_id is not None else os.urandom(16)
        keys, words = create_vault(self.db, passphrase, params or KdfParams.new(), device_id,
                                   signing_key=signing_key)
        self.db.execute("INSERT OR REPLACE INTO devices (id, sign_pub, kx_pub, active) "
                        "VALUES (?, ?, ?, 1)",
                        [device_id, keys.device.sign_pub, keys.device.kx_pub])
        if author:
            self.set_author(author)
        session = Session(self.db, keys, device_id, self._now_ms)
        session.add_inspection(NOTEBOOK, "(this device)")
        return session, words

    def set_author(self, author: str) -> None:
        """The initials or designation shown as a note's author (never a full name)."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('author', ?)",
                        [author.strip()[:32]])

    def unlock(self, passphrase: str) -> Session:
        # the damaged-head check reads no secret: it runs while the passphrase is stretched
        check = take_early_check(self.path) or HeadCheck(self.db.conn, self.path)
        try:
            keys = unlock_vault(self.db, passphrase)
        except BaseException:
            check.cancel()
            raise
        return Session(self.db, keys, self.device_id, self._now_ms, check=check)

    def unlock_recovery(self, words: str) -> Session:
        return Session(self.db, unlock_with_recovery(self.db, words), self.device_id,
                       self._now_ms)

    def change_passphrase(self, old: str, new: str, params: KdfParams | None = None) -> None:
        keys = unlock_vault(self.db, old)
        try:
            change_passphrase(self.db, keys, new, params)
        finally:
            keys.wipe()

    def reset_passphrase_with_recovery(self, words: str, new: str,
                                       params: KdfParams | None = None) -> None:
        keys = unlock_with_recovery(self.db, words)
        try:
            change_passphrase(self.db, keys, new, params)
        finally:
            keys.wipe()

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (so old page images do not linger in -wal)."""
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as exc:  # noqa: BLE001 - reported in words
            raise StoreError(f"could not checkpoint the profile database: {exc}") from None

    def close(self) -> None:
        """Fold the WAL in and close the file; closing a closed profile does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self.checkpoint()
        finally:
            self.db.conn.close()
