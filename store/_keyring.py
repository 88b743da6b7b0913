"""Collection keys and known devices, as held by an unlocked session."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store.crypto import SecretBytes

from ._vault import VaultKeys


class Keyring:
    """Collection keys by (collection, epoch), sealed under the LDK in the database."""

    def __init__(self, db, keys: VaultKeys) -> None:  # noqa: ANN001 - sqlite_utils.Database
        self.db = db
        self.keys = keys
        self._cks: dict[tuple[bytes, int], SecretBytes] = {}
        self._signers: dict[bytes, Ed25519PublicKey | None] = {}
        for r in db.query("SELECT collection_id, epoch, nonce, sealed FROM collection_keys"):
            name = self._name(r["collection_id"], r["epoch"])
            self._cks[(r["collection_id"], r["epoch"])] = SecretBytes(
                keys.open(name, r["nonce"], r["sealed"]))

    def __repr__(self) -> str:
        return f"Keyring(<{len(self._cks)} keys redacted>)"

    @staticmethod
    def _name(collection_id: bytes, epoch: int) -> str:
        return f"ck:{collection_id.hex()}:{epoch}"

    def add(self, collection_id: bytes, epoch: int, key: SecretBytes) -> None:
        nonce, sealed = self.keys.seal(self._name(collection_id, epoch), key.reveal())
        self.db.execute("INSERT OR REPLACE INTO collection_keys VALUES (?, ?, ?, ?)",
                        [collection_id, epoch, nonce, sealed])
        self._cks[(collection_id, epoch)] = key

    def key(self, collection_id: bytes, epoch: int) -> bytes | None:
        k = self._cks.get((collection_id, epoch))
        return None if k is None else k.reveal()

    def epochs(self, collection_id: bytes) -> list[int]:
        """The epochs of the collection's keys this keyring holds (no key bytes)."""
        return [e for (c, e) in self._cks if c == collection_id]

    def latest_epoch(self, collection_id: bytes) -> int | None:
        epochs = self.epochs(collection_id)
        return max(epochs) if epochs else None

    def resolver(self, collection_id: bytes):  # noqa: ANN201
        return lambda epoch: self.key(collection_id, epoch)

    def signer(self, device_id: bytes) -> Ed25519PublicKey | None:
        if device_id not in self._signers:
            rows = list(self.db.query(
                "SELECT sign_pub FROM devices WHERE id = ? AND active = 1", [device_id]))
            self._signers[device_id] = (
                Ed25519PublicKey.from_public_bytes(rows[0]["sign_pub"]) if rows else None)
        return self._signers[device_id]

    def add_device(self, device_id: bytes, sign_pub: bytes, kx_pub: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO devices (id, sign_pub, kx_pub, active) "
                        "VALUES (?, ?, ?, 1)", [device_id, sign_pub, kx_pub])
        self._signers.pop(device_id, None)

    def drop(self, collection_id: bytes, epoch: int) -> None:
        """Destroy one key: a rotation that did not reach the server, or a key the signed
        roster does not commit to (another lead device rotated first)."""
        k = self._cks.pop((collection_id, epoch), None)
        if k is not None:
            k.wipe()
        self.db.execute("DELETE FROM collection_keys WHERE collection_id = ? AND epoch = ?",
                        [collection_id, epoch])

    def forget(self, collection_id: bytes) -> int:
        """Overwrite and drop every in-memory key of one collection (a purge: its sealed rows
        are deleted by the caller in the same transaction). Returns how many were held."""
        gone = [ck for ck in self._cks if ck[0] == collection_id]
        for ck in gone:
            self._cks.pop(ck).wipe()
        return len(gone)

    def wipe(self) -> None:
        for k in self._cks.values():
            k.wipe()
        self._cks.clear()
        self._signers.clear()
