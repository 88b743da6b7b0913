"""Request signing: HTTP Message Signatures (RFC 9421) with Ed25519 over RFC 9530 digests.

Every request but ``/v1/health`` and ``/v1/enrol`` carries three headers::

    Content-Digest:  sha-256=:<base64 SHA-256 of the body as sent>:
    Signature-Input: sig1=("@method" "@path" "@query" "content-digest");created=<unix s>;\
nonce="<random>";keyid="<device id hex>";alg="ed25519"
    Signature:       sig1=:<base64 Ed25519 signature of the signature base>:

The signature base is RFC 9421 §2.5: one ``"<component>": <value>`` line per covered
component, then ``"@signature-params": <the inner list and parameters>``, joined by ``\\n``.
``@query`` is ``?`` followed by the raw query string (just ``?`` when there is none); the
digest is over the body bytes exactly as sent (after any ``Content-Encoding``).

The server checks, in order: the headers parse and cover exactly what is required, the digest
matches the body, ``created`` is within ±300 s of its clock, the key id names an enrolled,
active device, the signature verifies. It then stores ``(keyid, nonce)`` under a UNIQUE
constraint, so a replay fails even on another server process. No bearer secret ever travels.

:func:`sign_request` makes the headers; :class:`DeviceAuth` plugs it into an httpx client;
:func:`verify_request` is the server's half.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "sig1"
ALG = "ed25519"
COVERED = ("@method", "@path", "@query", "content-digest")
MAX_SKEW = 300
_NONCE_RE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
_KEYID_RE = re.compile(r"[0-9a-f]{32}")
# sig1=("a" "b");created=1;nonce="x";keyid="y";alg="ed25519"  (RFC 8941, the subset we accept)
_INPUT_RE = re.compile(
    r'^\s*(?P<label>[a-z*][a-z0-9_\-.*]{0,31})=\((?P<comps>(?:"[^"\\]*"(?: +"[^"\\]*")*)?)\)'
    r'(?P<params>(?:;[a-z*][a-z0-9_\-.*]{0,31}=(?:"[^"\\]*"|-?[0-9]{1,15}))*)\s*$'
)
_PARAM_RE = re.compile(r';([a-z*][a-z0-9_\-.*]*)=("[^"\\]*"|-?[0-9]+)')
_SIG_RE = re.compile(r"^\s*(?P<label>[a-z*][a-z0-9_\-.*]{0,31})=:(?P<b64>[A-Za-z0-9+/=]*):\s*$")
_DIGEST_RE = re.compile(r"(?:^|,)\s*sha-256=:(?P<b64>[A-Za-z0-9+/=]*):\s*(?:,|$)")


class SignatureError(Exception):
    """Raised by :func:`verify_request` when a request is not correctly signed. ``code`` is
    the machine-readable reason (``unsigned``, ``bad_signature_input``, ``bad_digest``,
    ``stale_signature``, ``unknown_device``, ``device_revoked``, ``bad_signature``); the
    message says what to do. Never carries key material."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verified signature proves: which device signed, when, with which nonce."""

    device_id: bytes
    created: int
    nonce: str


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value for ``body`` (sha-256)."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def _params_value(
    comps: tuple[str, ...], params: list[tuple[str, str | int]]
) -> str:
    """Serialise the inner list and its parameters (RFC 8941), in the order given."""
    inner = " ".join(f'"{c}"' for c in comps)
    tail = "".join(f";{k}={v}" if isinstance(v, int) else f';{k}="{v}"' for k, v in params)
    return f"({inner}){tail}"


def signature_base(
    method: str,
    path: str,
    query: str,
    digest: str,
    params_value: str,
    comps: tuple[str, ...] = COVERED,
) -> bytes:
    """The RFC 9421 signature base for the covered components ``comps`` (ours, any order)."""
    query = query[1:] if query.startswith("?") else query
    values = {
        "@method": method.upper(),
        "@path": path or "/",
        "@query": f"?{query}",
        "content-digest": digest,
    }
    lines = [f'"{c}": {values[c]}' for c in comps]
    lines.append(f'"@signature-params": {params_value}')
    return "\n".join(lines).encode()


def _device_hex(device_id: bytes | str) -> str:
    if isinstance(device_id, bytes):
        if len(device_id) != 16:
            raise ValueError("a device id is 16 bytes")
        return device_id.hex()
    if not _KEYID_RE.fullmatch(device_id):
        raise ValueError("a device id is 32 lowercase hex digits")
    return device_id


def sign_request(
    method: str,
    url_path: str,
    query: str,
    body: bytes,
    device_id: bytes | str,
    ed25519_private_key: Ed25519PrivateKey,
    *,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the ``Content-Digest``, ``Signature-Input`` and ``Signature`` headers for a
    request. ``url_path`` is the raw (percent-encoded) path, ``query`` the raw query string
    with or without its leading ``?``; ``body`` the bytes exactly as they will be sent."""
    keyid = _device_hex(device_id)
    created = int(time.time()) if created is None else int(created)
    nonce = secrets.token_urlsafe(18) if nonce is None else nonce
    if not _NONCE_RE.fullmatch(nonce):
        raise ValueError("a nonce is 16-64 characters of A-Z a-z 0-9 _ -")
    digest = content_digest(body)
    params = _params_value(
        COVERED, [("created", created), ("nonce", nonce), ("keyid", keyid), ("alg", ALG)]
    )
    sig = ed25519_private_key.sign(signature_base(method, url_path, query, digest, params))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{LABEL}={params}",
        "Signature": f"{LABEL}=:{base64.b64encode(sig).decode()}:",
    }


class DeviceAuth(httpx.Auth):
    """httpx auth flow that signs every request with a device's Ed25519 key.

    ``clock`` returns unix seconds (tests inject one). Works with ``httpx.Client`` and
    ``httpx.AsyncClient``; the body is read first so the digest covers exactly what is sent.
    """

    requires_request_body = True

    def __init__(
        self,
        device_id: bytes | str,
        key: Ed25519PrivateKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.device_id = _device_hex(device_id)
        self._key = key
        self._clock = clock

    def __repr__(self) -> str:
        return f"DeviceAuth({self.device_id})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raw = request.url.raw_path.decode("ascii")
        path, _, query = raw.partition("?")
        headers = sign_request(
            request.method,
            path,
            query,
            request.content,
            self.device_id,
            self._key,
            created=int(self._clock()),
        )
        request.headers.update(headers)
        yield request


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("bad_signature_input", f"{what} is not valid base64") from None


def verify_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    public_key_for: Callable[[bytes], Ed25519PublicKey | None],
    *,
    now: float,
    max_skew: int = MAX_SKEW,
) -> Verified:
    """Check a request's signature headers; return who signed it or raise SignatureError.

    ``headers`` must be case-insensitive (Starlette's and httpx's are). ``public_key_for``
    maps a device id to its enrolled signing key, returns ``None`` when unknown, and may raise
    :class:`SignatureError` itself (e.g. ``device_revoked``). Storing the nonce is the caller's
    job, after this returns.
    """
    sig_input = headers.get("signature-input")
    sig_header = headers.get("signature")
    digest_header = headers.get("content-digest")
    if not sig_input or not sig_header:
        raise SignatureError(
            "unsigned",
            "this endpoint needs a signed request: Signature-Input and Signature headers "
            "(RFC 9421, Ed25519 with your device key)",
        )
    m = _INPUT_RE.match(sig_input)
    if m is None:
        raise SignatureError(
            "bad_signature_input",
            'Signature-Input must be one signature: sig1=("@method" "@path" "@query" '
            '"content-digest");created=..;nonce="..";keyid="..";alg="ed25519"',
        )
    label = m["label"]
    comps = tuple(c.strip('"') for c in m["comps"].split()) if m["comps"] else ()
    if sorted(comps) != sorted(COVERED):
        raise SignatureError(
            "bad_signature_input",
            f"the signature must cover exactly {', '.join(COVERED)}",
        )
    params: dict[str, str | int] = {}
    for key, raw in _PARAM_RE.findall(m["params"]):
        if key in params:
            raise SignatureError("bad_signature_input", f"parameter {key} given twice")
        params[key] = raw[1:-1] if raw.startswith('"') else int(raw)
    if set(params) != {"created", "nonce", "keyid", "alg"}:
        raise SignatureError(
            "bad_signature_input",
            "Signature-Input needs exactly the parameters created, nonce, keyid and alg",
        )
    created, nonce, keyid, alg = params["created"], params["nonce"], params["keyid"], params["alg"]
    if alg != ALG:
        raise SignatureError("bad_signature_input", f'alg must be "{ALG}"')
    if not isinstance(created, int) or not isinstance(nonce, str) or not isinstance(keyid, str):
        raise SignatureError("bad_signature_input", "created is a number, nonce and keyid strings")
    if not _NONCE_RE.fullmatch(nonce):
        raise SignatureError("bad_signature_input", "nonce must be 16-64 of A-Z a-z 0-9 _ -")
    if not _KEYID_RE.fullmatch(keyid):
        raise SignatureError("bad_signature_input", "keyid must be the device id, 32 hex digits")
    s = _SIG_RE.match(sig_header)
    if s is None or s["label"] != label:
        raise SignatureError(
            "bad_signature_input", f"Signature must be {label}=:<base64 signature>:"
        )
    signature = _b64(s["b64"], "the signature")
    if not digest_header:
        raise SignatureError("bad_digest", "a Content-Digest header (sha-256) is required")
    d = _DIGEST_RE.search(digest_header)
    if d is None:
        raise SignatureError("bad_digest", "Content-Digest must contain sha-256=:<base64>:")
    if not hmac.compare_digest(_b64(d["b64"], "Content-Digest"), hashlib.sha256(body).digest()):
        raise SignatureError(
            "bad_digest", "Content-Digest does not match the body: it was changed in transit"
        )
    if abs(now - created) > max_skew:
        raise SignatureError(
            "stale_signature",
            f"created is {int(now - created)} s away from the server's clock (allowed ±"
            f"{max_skew} s): check this device's clock and sign again",
        )
    device_id = bytes.fromhex(keyid)
    public_key = public_key_for(device_id)
    if public_key is None:
        raise SignatureError(
            "unknown_device", "no enrolled device has this key id: enrol it first"
        )
    digest_value = digest_header.strip()
    params_value = _params_value(comps, list(params.items()))
    base = signature_base(method, path, query, digest_value, params_value, comps)
    try:
        public_key.verify(signature, base)
    except InvalidSignature:
        raise SignatureError(
            "bad_signature", "the signature does not verify with this device's key"
        ) from None
    return Verified(device_id, created, nonce)
