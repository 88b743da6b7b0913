"""Passphrase stretching: Argon2id with parameters stored beside the wrapped key (DESIGN §3)."""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from store.errors import KdfParamsError

from ._secrets import SecretBytes

MIB = 1024


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters. ``memory_kib`` in KiB, as Argon2 counts it."""

    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def check_floor(self) -> None:
        """Refuse parameters below the floor: a tampered file must not weaken the KDF."""
        if self.memory_kib < FLOOR_MEMORY_KIB or self.iterations < FLOOR_ITERATIONS:
            raise KdfParamsError(
                "the vault's key-stretching parameters are below the safe floor "
                f"({FLOOR_MEMORY_KIB // MIB} MiB, {FLOOR_ITERATIONS} passes); "
                "the file may have been tampered with. Restore it from a backup "
                "or unlock with the recovery key on a trusted copy."
            )
        if not 1 <= self.lanes <= 64 or len(self.salt) != 16 or self.memory_kib > 4 * MIB * MIB:
            raise KdfParamsError("the vault's key-stretching parameters are not valid")

    def to_bytes(self) -> bytes:
        """The canonical form bound into the wrapped key's AAD."""
        return struct.pack(">4sIII", b"a2id", self.memory_kib, self.iterations, self.lanes) + (
            self.salt
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "alg": "argon2id",
                "m": self.memory_kib,
                "t": self.iterations,
                "p": self.lanes,
                "salt": self.salt.hex(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        try:
            d = json.loads(text)
            if d.get("alg") != "argon2id":
                raise ValueError("unknown algorithm")
            return cls(int(d["m"]), int(d["t"]), int(d["p"]), bytes.fromhex(d["salt"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KdfParamsError(
                f"the vault's key-stretching parameters are unreadable ({exc})"
            ) from None

    @classmethod
    def new(
        cls,
        memory_kib: int | None = None,
        iterations: int | None = None,
        lanes: int | None = None,
    ) -> KdfParams:
        params = cls(
            DEFAULT_MEMORY_KIB if memory_kib is None else memory_kib,
            DEFAULT_ITERATIONS if iterations is None else iterations,
            DEFAULT_LANES if lanes is None else lanes,
            os.urandom(16),
        )
        params.check_floor()
        return params

    @classmethod
    def floor(cls) -> KdfParams:
        """The weakest parameters the product accepts: for tests and very small machines."""
        return cls.new(FLOOR_MEMORY_KIB, FLOOR_ITERATIONS, 1)


DEFAULT_MEMORY_KIB = 256 * MIB
DEFAULT_ITERATIONS = 3
DEFAULT_LANES = 4
FLOOR_MEMORY_KIB = 64 * MIB
FLOOR_ITERATIONS = 3


def stretch(passphrase: str, params: KdfParams) -> SecretBytes:
    """Derive the key-encryption key from a passphrase. Slow on purpose."""
    params.check_floor()
    kdf = Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return SecretBytes(kdf.derive(passphrase.encode("utf-8")))
