"""Key material held in memory, wiped on lock, never shown in a repr."""

from __future__ import annotations

import secrets


class SecretBytes:
    """A secret in a ``bytearray`` that is overwritten by :meth:`wipe` (best effort in Python).

    ``repr`` and ``str`` are redacted so a secret cannot reach a log or a traceback by accident.
    """

    __slots__ = ("_buf",)

    def __init__(self, data: bytes | bytearray) -> None:
        self._buf = bytearray(data)

    @classmethod
    def random(cls, n: int = 32) -> SecretBytes:
        return cls(secrets.token_bytes(n))

    def reveal(self) -> bytes:
        """The secret as ``bytes`` for a crypto call. Keep the result short-lived."""
        if not self._buf:
            raise ValueError("secret has been wiped")
        return bytes(self._buf)

    def wipe(self) -> None:
        for i in range(len(self._buf)):
            self._buf[i] = 0
        self._buf = bytearray()

    @property
    def wiped(self) -> bool:
        return not self._buf

    def __len__(self) -> int:
        return len(self._buf)

    def __repr__(self) -> str:
        return "SecretBytes(<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretBytes):
            return NotImplemented
        return secrets.compare_digest(bytes(self._buf), bytes(other._buf))

    def __hash__(self) -> int:  # pragma: no cover - secrets are not dict keys
        raise TypeError("SecretBytes is not hashable")

    def __reduce__(self) -> object:
        raise TypeError("SecretBytes cannot be pickled")
