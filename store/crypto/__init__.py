"""The cryptographic core of fieldpad: no I/O, no database, only ``cryptography`` (DESIGN §3).

Passphrase stretching (``KdfParams``), envelope v1 (``seal``, ``parse_header``,
``verify_signature``, ``open_envelope``, ``verify_run`` for a chained run with one
signature check; ENVELOPE.md beside this file), Padmé padding, values
sealed for chosen devices and ``SecretBytes``. The vault and the keyring, which keep keys in the
profile's database, are the local store's. The sync server imports this part (and
``store.team``'s roster log) to check what it is sent, without the client's store.
"""

from ._chain import (
    RunCheck,
    verify_run,
)
from ._envelope import (
    HEADER_LEN,
    MIN_LEN,
    SIG_LEN,
    ZERO_HASH,
    Expect,
    Header,
    encode_payload,
    envelope_hash,
    hkdf_sha256,
    open_envelope,
    parse_header,
    seal,
    verify_signature,
)
from ._kdf import (
    DEFAULT_ITERATIONS,
    DEFAULT_LANES,
    FLOOR_MEMORY_KIB,
    MIB,
    KdfParams,
    stretch,
)
from ._padding import (
    pad,
    padme_length,
    unpad,
)
from ._sealed_values import (
    SEALED_PREFIX,
    field_context,
    is_sealed,
    open_value,
    seal_value,
    sealed_recipients,
)
from ._secrets import (
    SecretBytes,
)

__all__ = [
    "stretch",
    "HEADER_LEN",
    "MIN_LEN",
    "SIG_LEN",
    "ZERO_HASH",
    "encode_payload",
    "envelope_hash",
    "Expect",
    "Header",
    "hkdf_sha256",
    "open_envelope",
    "parse_header",
    "seal",
    "verify_signature",
    "RunCheck",
    "verify_run",
    "DEFAULT_ITERATIONS",
    "DEFAULT_LANES",
    "FLOOR_MEMORY_KIB",
    "MIB",
    "KdfParams",
    "pad",
    "padme_length",
    "unpad",
    "SEALED_PREFIX",
    "field_context",
    "is_sealed",
    "open_value",
    "seal_value",
    "sealed_recipients",
    "SecretBytes",
]
