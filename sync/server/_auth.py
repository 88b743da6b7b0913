"""Request authentication (RFC 9421 signatures, see :mod:`sync._signing`) and enrolment codes.

A signed request is checked in a worker thread: parse the headers, check the digest and the
``created`` window, look the device's key up (cached; unknown -> 401), verify the Ed25519
signature, take a token from the device's rate bucket (429), and finally, in one transaction,
re-read the device's status (revoked -> 401) and record the nonce under the database's UNIQUE
constraint (a replay -> 401), which holds across processes.

Enrolment codes look like ``K7QX2M-ABCDE-FGHJK-MNPQR-STVWX``: a 6-character public id that
names the code's row, then a 100-bit secret of which the server keeps only a SHA-256. A wrong
secret for a known id counts against that code; five wrong tries kill it.
"""

from __future__ import annotations

import hashlib
import secrets
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.requests import Request

from .._signing import SignatureError, verify_request
from ._errors import RateLimited, Unauthorized
from ._limits import Limits, RateLimiter
from ._storage import Caller, Storage

RAW_BODY = "fieldpad.raw_body"
REVOKED = "this device has been revoked: enrol it again if you must"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_ID_LEN = 6
SECRET_LEN = 20
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> tuple[str, str, bytes]:
    """A fresh enrolment code: (code to print, public id, hash of the secret to store)."""
    code_id = "".join(secrets.choice(ALPHABET) for _ in range(CODE_ID_LEN))
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LEN))
    groups = [secret[i : i + 5] for i in range(0, SECRET_LEN, 5)]
    return "-".join([code_id, *groups]), code_id, hash_secret(secret)


def parse_code(code: str) -> tuple[str, bytes] | None:
    """(public id, secret hash) of a typed code, forgiving case, spaces, dashes, O/I/L."""
    text = "".join(ch for ch in code.upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(text) != CODE_ID_LEN + SECRET_LEN or any(ch not in ALPHABET for ch in text):
        return None
    return text[:CODE_ID_LEN], hash_secret(text[CODE_ID_LEN:])


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(b"fieldpad/v1/enrol\x00" + secret.encode()).digest()


def request_target(request: Request) -> tuple[str, str]:
    """The raw path and query exactly as the client sent them (what the client signed)."""
    scope = request.scope
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope["path"]
    return path, scope.get("query_string", b"").decode("latin-1")


class KeyCache:
    """Device id -> (user id, signing key). A device's key and user never change (revocation
    is re-read from the database on every request), so caching them saves a query per
    request; only found devices are cached, and the cache is bounded."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._keys: dict[bytes, tuple[int, bytes, Ed25519PublicKey]] = {}
        self._lock = threading.Lock()

    def get(self, storage: Storage, device_id: bytes) -> tuple[int, bytes, Ed25519PublicKey]:
        hit = self._keys.get(device_id)
        if hit is not None:
            return hit
        dev = storage.device_key(device_id)
        if dev is None:
            raise SignatureError(
                "unknown_device", "no enrolled device has this key id: enrol it first"
            )
        if dev.revoked:
            raise SignatureError("device_revoked", REVOKED)
        entry = (dev.user_id, dev.sign_key, Ed25519PublicKey.from_public_bytes(dev.sign_key))
        with self._lock:
            if len(self._keys) >= self._size:
                self._keys.clear()
            self._keys[device_id] = entry
        return entry


def authenticate(
    request: Request,
    body: bytes,
    storage: Storage,
    limits: Limits,
    limiter: RateLimiter,
    keys: KeyCache,
    now: float,
) -> Caller:
    """Verify the request's signature and nonce; return the caller. Blocking: run in a
    worker thread. Raises Unauthorized (401) or RateLimited (429)."""
    path, query = request_target(request)
    found: list[tuple[int, bytes, Ed25519PublicKey]] = []

    def key_for(device_id: bytes) -> Ed25519PublicKey:
        found.append(keys.get(storage, device_id))
        return found[-1][2]

    try:
        verified = verify_request(
            request.method,
            path,
            query,
            request.headers,
            body,
            key_for,
            now=now,
            max_skew=limits.max_skew_s,
        )
    except SignatureError as exc:
        raise Unauthorized(str(exc), code=exc.code) from None
    wait = limiter.take(verified.device_id.hex())
    if wait > 0:
        raise RateLimited(
            f"too many requests from this device: wait {wait:.1f} s and retry", wait
        )
    expires = verified.created + limits.max_skew_s + 1
    outcome = storage.use_nonce(verified.device_id, verified.nonce, expires, now)
    if outcome == "revoked":
        raise Unauthorized(REVOKED, code="device_revoked")
    if outcome != "ok":
        raise Unauthorized(
            "this nonce was already used: a replayed request is refused; sign each request "
            "afresh",
            code="replayed_nonce",
        )
    user_id, sign_key, _ = found[-1]
    return Caller(verified.device_id, user_id, sign_key)
