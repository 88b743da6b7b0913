"""The vault: a random local data key (LDK) wrapped by key slots, and what the LDK protects.

    passphrase --Argon2id--> KEK --AES-GCM(AAD = "fieldpad/v1/ldk" | store_id | kdf params)--> LDK
    recovery key (256 bit, shown once as 24 words) --HKDF--> KEK' --AES-GCM--> LDK

Changing the passphrase re-wraps only the LDK. Everything else sealed under the LDK (device keys,
collection keys, settings) is untouched by it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlite_utils
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store.crypto import KdfParams, SecretBytes, stretch
from store.errors import NoVault, VaultError, VaultExists, WrongPassphrase

LDK_INFO = b"fieldpad/v1/ldk"
LOCAL_INFO = b"fieldpad/v1/local"
RECOVERY_INFO = b"fieldpad/v1/recovery"
_WORDS = None


def _mnemonic():  # noqa: ANN202 - the package ships no types
    global _WORDS
    if _WORDS is None:
        from mnemonic import Mnemonic

        _WORDS = Mnemonic("english")
    return _WORDS


def recovery_words(key: SecretBytes) -> str:
    """The recovery key as 24 BIP-39 words (the last word carries a checksum)."""
    return _mnemonic().to_mnemonic(key.reveal())


def recovery_key_from_words(words: str) -> SecretBytes:
    phrase = " ".join(words.lower().split())
    m = _mnemonic()
    if len(phrase.split()) != 24 or not m.check(phrase):
        raise WrongPassphrase(
            "that is not a valid recovery key: it should be the 24 words shown when the vault "
            "was created, in order"
        )
    return SecretBytes(m.to_entropy(phrase))


def _recovery_kek(key: SecretBytes) -> SecretBytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=RECOVERY_INFO)
    return SecretBytes(kdf.derive(key.reveal()))


def _ldk_aad(store_id: bytes, slot: str, params: KdfParams | None) -> bytes:
    aad = LDK_INFO + store_id + slot.encode()
    return aad + (params.to_bytes() if params is not None else b"")


def seal_local(ldk: SecretBytes, store_id: bytes, name: str, data: bytes) -> tuple[bytes, bytes]:
    """Seal ``data`` under the LDK, bound to this store and to ``name``."""
    nonce = os.urandom(12)
    return nonce, AESGCM(ldk.reveal()).encrypt(nonce, data, LOCAL_INFO + store_id + name.encode())


def open_local(ldk: SecretBytes, store_id: bytes, name: str, nonce: bytes, sealed: bytes) -> bytes:
    try:
        return AESGCM(ldk.reveal()).decrypt(nonce, sealed, LOCAL_INFO + store_id + name.encode())
    except InvalidTag:
        raise VaultError(
            f"the sealed item {name!r} in this profile is damaged; run `fieldpad doctor`"
        ) from None


@dataclass
class DeviceKeys:
    """This device's signing (Ed25519) and key-agreement (X25519) keys, held while unlocked."""

    signing: Ed25519PrivateKey
    exchange: X25519PrivateKey

    def __repr__(self) -> str:
        return "DeviceKeys(<redacted>)"

    @property
    def sign_pub(self) -> bytes:
        return self.signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def kx_pub(self) -> bytes:
        return self.exchange.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


class VaultKeys:
    """The unlocked vault: the LDK and this device's keys. :meth:`wipe` on lock."""

    def __init__(self, store_id: bytes, ldk: SecretBytes, raw_sign: SecretBytes,
                 raw_kx: SecretBytes) -> None:
        self.store_id = store_id
        self.ldk = ldk
        self._raw = (raw_sign, raw_kx)
        self.device = DeviceKeys(
            Ed25519PrivateKey.from_private_bytes(raw_sign.reveal()),
            X25519PrivateKey.from_private_bytes(raw_kx.reveal()),
        )

    def __repr__(self) -> str:
        return "VaultKeys(<redacted>)"

    def seal(self, name: str, data: bytes) -> tuple[bytes, bytes]:
        return seal_local(self.ldk, self.store_id, name, data)

    def open(self, name: str, nonce: bytes, sealed: bytes) -> bytes:
        return open_local(self.ldk, self.store_id, name, nonce, sealed)

    def wipe(self) -> None:
        """Overwrite the key bytes we hold. OpenSSL's own copies inside the key objects cannot
        be reached from Python; dropping the objects is the best we can do for those."""
        self.ldk.wipe()
        for raw in self._raw:
            raw.wipe()
        self.device = None  # type: ignore[assignment]


def _slot(db: sqlite_utils.Database, slot: str) -> dict | None:
    rows = list(db.query("SELECT * FROM vault_slots WHERE slot = ?", [slot]))
    return rows[0] if rows else None


def store_id(db: sqlite_utils.Database) -> bytes:
    rows = list(db.query("SELECT value FROM meta WHERE key = 'store_id'"))
    if not rows:
        raise NoVault("this profile has no vault yet: run `fieldpad init` first")
    return bytes.fromhex(rows[0]["value"])


def has_vault(db: sqlite_utils.Database) -> bool:
    return _slot(db, "passphrase") is not None


def _write_slot(db: sqlite_utils.Database, slot: str, kek: SecretBytes, ldk: SecretBytes,
                sid: bytes, params: KdfParams | None) -> None:
    nonce = os.urandom(12)
    wrapped = AESGCM(kek.reveal()).encrypt(nonce, ldk.reveal(), _ldk_aad(sid, slot, params))
    db.execute(
        "INSERT OR REPLACE INTO vault_slots (slot, kdf, nonce, wrapped) VALUES (?, ?, ?, ?)",
        [slot, params.to_json() if params else None, nonce, wrapped],
    )


def create_vault(db: sqlite_utils.Database, passphrase: str, params: KdfParams,
                 device_id: bytes, *, signing_key: bytes | None = None,
                 ) -> tuple[VaultKeys, str]:
    """Create the vault in an empty profile; return the unlocked keys and the recovery words.
    The device's signing key is new unless ``signing_key`` (32 raw bytes) is given."""
    if has_vault(db):
        raise VaultExists("this profile already has a vault; use `fieldpad passwd` to change it")
    check_passphrase_strength(passphrase)
    sid = os.urandom(16)
    ldk = SecretBytes.random(32)
    recovery = SecretBytes.random(32)
    raw_sign = SecretBytes(signing_key if signing_key is not None
                           else Ed25519PrivateKey.generate().private_bytes_raw())
    raw_kx = SecretBytes(X25519PrivateKey.generate().private_bytes_raw())
    kek = stretch(passphrase, params)
    rkek = _recovery_kek(recovery)
    with db.atomic():
        db.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?)", [sid.hex()])
        db.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?)", [device_id.hex()])
        _write_slot(db, "passphrase", kek, ldk, sid, params)
        _write_slot(db, "recovery", rkek, ldk, sid, None)
        for name, raw in (("device.sign", raw_sign), ("device.kx", raw_kx)):
            nonce, sealed = seal_local(ldk, sid, name, raw.reveal())
            db.execute("INSERT INTO secrets (name, nonce, sealed) VALUES (?, ?, ?)",
                       [name, nonce, sealed])
    words = recovery_words(recovery)
    for s in (kek, rkek, recovery):
        s.wipe()
    return VaultKeys(sid, ldk, raw_sign, raw_kx), words


def _unwrap(db: sqlite_utils.Database, slot: str, kek_for: object) -> VaultKeys:
    sid = store_id(db)
    row = _slot(db, slot)
    if row is None:
        raise NoVault("this profile has no vault yet: run `fieldpad init` first")
    params = KdfParams.from_json(row["kdf"]) if row["kdf"] else None
    if params is not None:
        params.check_floor()
    kek: SecretBytes = kek_for(params)  # type: ignore[operator]
    try:
        ldk = SecretBytes(
            AESGCM(kek.reveal()).decrypt(row["nonce"], row["wrapped"], _ldk_aad(sid, slot, params))
        )
    except InvalidTag:
        raise WrongPassphrase(
            "wrong passphrase: the vault is unchanged. Try again, or unlock with the recovery key"
            if slot == "passphrase"
            else "that recovery key does not open this vault"
        ) from None
    finally:
        kek.wipe()
    raw = {}
    for name in ("device.sign", "device.kx"):
        r = list(db.query("SELECT nonce, sealed FROM secrets WHERE name = ?", [name]))
        if not r:
            raise VaultError(f"the vault is missing its {name} key; the profile is damaged")
        raw[name] = SecretBytes(open_local(ldk, sid, name, r[0]["nonce"], r[0]["sealed"]))
    return VaultKeys(sid, ldk, raw["device.sign"], raw["device.kx"])


def unlock_vault(db: sqlite_utils.Database, passphrase: str) -> VaultKeys:
    """Unlock with the passphrase. Wrong passphrase -> WrongPassphrase; nothing is written."""
    return _unwrap(db, "passphrase", lambda params: stretch(passphrase, params))


def unlock_with_recovery(db: sqlite_utils.Database, words: str) -> VaultKeys:
    key = recovery_key_from_words(words)
    try:
        return _unwrap(db, "recovery", lambda _params: _recovery_kek(key))
    finally:
        key.wipe()


def change_passphrase(db: sqlite_utils.Database, keys: VaultKeys, new_passphrase: str,
                      params: KdfParams | None = None) -> None:
    """Re-wrap the LDK under a new passphrase (fresh salt); nothing else is re-encrypted."""
    check_passphrase_strength(new_passphrase)
    row = _slot(db, "passphrase")
    if params is None:
        old = KdfParams.from_json(row["kdf"]) if row and row["kdf"] else KdfParams.new()
        params = KdfParams.new(old.memory_kib, old.iterations, old.lanes)
    kek = stretch(new_passphrase, params)
    try:
        with db.atomic():
            _write_slot(db, "passphrase", kek, keys.ldk, keys.store_id, params)
    finally:
        kek.wipe()


MIN_PASSPHRASE = 10


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise VaultError(
            f"the passphrase is too short: use at least {MIN_PASSPHRASE} characters "
            "(a few unrelated words work well)"
        )
    if len(set(passphrase)) < 5:
        raise VaultError("the passphrase repeats too few characters; choose a less guessable one")


def kdf_params(db: sqlite_utils.Database) -> KdfParams:
    row = _slot(db, "passphrase")
    if row is None or not row["kdf"]:
        raise NoVault("this profile has no vault yet: run `fieldpad init` first")
    return KdfParams.from_json(row["kdf"])


