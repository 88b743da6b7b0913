"""The HTTP side of sync: one signed httpx client, typed errors and retries with backoff.

The transport is injectable (``httpx.MockTransport``, ``httpx.ASGITransport`` or a real socket)
so tests run this very code against a fake or an in-process server.
"""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .._encoding import b64url
from .._framing import MEDIA_TYPE, PullPage, decode_pull_page, encode_frames
from .._signing import DeviceAuth
from ._errors import AccessDenied, ForkError, NetworkError, NotConfigured, ServerRefused

log = logging.getLogger("fieldpad.sync")

RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass
class RetryPolicy:
    """Capped exponential backoff with full jitter (AWS architecture blog's "full jitter")."""

    attempts: int = 5
    base: float = 0.25
    cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random | None = None

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        rng = self.rng or random
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


@dataclass
class Traffic:
    """Bytes and requests on the wire, for the progress line and the benchmarks."""

    requests: int = 0
    sent: int = 0
    received: int = 0


class SyncClient:
    def __init__(self, base_url: str, device_id: bytes, signing_key: Ed25519PrivateKey | None,
                 *, transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy | None = None, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time, ca_file: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.retry = retry or RetryPolicy()
        self.traffic = Traffic()
        self._clock = clock
        auth = DeviceAuth(device_id, signing_key, clock=clock) if signing_key else None
        self._http = httpx.Client(base_url=self.base_url, transport=transport, auth=auth,
                                  verify=_tls_context(self.base_url, ca_file),
                                  timeout=httpx.Timeout(timeout, connect=10.0),
                                  headers={"User-Agent": "fieldpad"})

    def __repr__(self) -> str:
        return f"SyncClient({self.base_url!r}, device={self.device_id.hex()[:8]})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, json_body: Any = None,
                 content: bytes | None = None, content_type: str | None = None) -> httpx.Response:
        body = content if content is not None else (
            json.dumps(json_body).encode() if json_body is not None else b"")
        headers = {"Content-Type": content_type or "application/json"} if body else {}
        last: Exception | None = None
        for attempt in range(self.retry.attempts):
            try:
                resp = self._http.request(method, path, content=body, headers=headers)
                self.traffic.requests += 1
                self.traffic.sent += len(body) + _header_bytes(resp.request.headers)
                self.traffic.received += len(resp.content) + _header_bytes(resp.headers)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                if _untrusted_certificate(exc):
                    # no retry can fix a certificate this device does not trust
                    raise NetworkError(
                        f"the server at {self.base_url} has a certificate this device does not "
                        "trust. If your organisation runs its own certificate authority, give "
                        "its certificate: `fieldpad enrol URL CODE --ca-file CA.pem` or "
                        "`fieldpad config set ca_file CA.pem`. Nothing was sent.") from None
                last = exc
                wait = self.retry.delay(attempt)
                log.info("event=retry method=%s route=%s error=%s attempt=%d/%d wait=%.1fs",
                         method, _route(path), type(exc).__name__, attempt + 1,
                         self.retry.attempts, wait)
                if attempt + 1 < self.retry.attempts:  # never sleep after the last attempt
                    self.retry.sleep(wait)
                continue
            log.debug("event=request method=%s route=%s status=%d sent=%d received=%d",
                      method, _route(path), resp.status_code, len(body), len(resp.content))
            if resp.status_code in RETRY_STATUSES and attempt + 1 < self.retry.attempts:
                after = retry_after_seconds(resp.headers.get("Retry-After"), self._clock())
                wait = self.retry.delay(attempt, after)
                log.info("event=retry method=%s route=%s status=%d attempt=%d/%d wait=%.1fs",
                         method, _route(path), resp.status_code, attempt + 1,
                         self.retry.attempts, wait)
                self.retry.sleep(wait)
                last = None
                continue
            return self._check(resp)
        if last is not None:
            raise NetworkError(
                f"cannot reach the server at {self.base_url} ({_describe(last)}); your notes "
                "are safe on this device. Try again when the connection is better.") from None
        raise NetworkError(f"the server at {self.base_url} kept failing; your notes are safe "
                           "on this device. Try again later.")

    def _check(self, resp: httpx.Response) -> httpx.Response:
        if resp.status_code < 400:
            return resp
        try:
            body = resp.json()
            code, message = str(body.get("error", "error")), str(body.get("message", ""))
        except ValueError:
            code, message = "error", resp.text[:200]
        if resp.status_code >= 500:
            raise NetworkError(f"the server failed ({resp.status_code}): {message}; your notes "
                               "are safe on this device. Try again later.")
        if resp.status_code in (401, 403):
            raise AccessDenied(resp.status_code, code, message)
        if resp.status_code == 409:
            raise ForkError(resp.status_code, code, message)
        raise ServerRefused(resp.status_code, code, message)

    # -- the API -----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._request("GET", "/v1/health").json()

    def enrol(self, code: str, sign_pub: bytes, kx_pub: bytes) -> dict[str, Any]:
        return self._request("POST", "/v1/enrol", json_body={
            "code": code, "device_id": self.device_id.hex(), "sign_key": sign_pub.hex(),
            "kx_key": kx_pub.hex()}).json()

    def inspections(self) -> list[dict[str, Any]]:
        return self._request("GET", "/v1/inspections").json()["inspections"]

    def collections(self) -> list[dict[str, Any]]:
        return self._request("GET", "/v1/collections").json()["collections"]

    def collections_and_inspections(self) -> dict[str, Any]:
        """One round trip: every readable collection with its stream heads and this device's
        wrapped keys, and the inspections this user belongs to; all a sync with nothing to do
        needs to see that (docs/protocol.md, "A sync with nothing to do")."""
        return self._request("GET", "/v1/collections").json()

    def create_collection(self, collection_id: bytes, inspection_id: bytes,
                          role: str) -> dict[str, Any]:
        return self._request("POST", "/v1/collections", json_body={
            "collection_id": collection_id.hex(), "inspection_id": inspection_id.hex(),
            "kind": role}).json()

    def members(self, collection_id: bytes) -> dict[str, Any]:
        return self._request("GET", f"/v1/collections/{collection_id.hex()}/members").json()

    def add_member(self, collection_id: bytes, user: str, role: str = "member",
                   until: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"user": user, "role": role}
        if until:
            body["until"] = until
        return self._request("POST", f"/v1/collections/{collection_id.hex()}/members",
                             json_body=body).json()

    def remove_member(self, collection_id: bytes, user: str) -> dict[str, Any]:
        return self._request("DELETE",
                             f"/v1/collections/{collection_id.hex()}/members/{user}").json()

    def upload_keys(self, collection_id: bytes,
                    keys: list[tuple[int, bytes, bytes]]) -> dict[str, Any]:
        return self._request("POST", f"/v1/collections/{collection_id.hex()}/keys", json_body={
            "keys": [{"epoch": e, "device_id": d.hex(), "wrapped": b64url(w)}
                     for e, d, w in keys]}).json()

    def status(self, collection_id: bytes) -> dict[bytes, int]:
        return {bytes.fromhex(k): v for k, v in self.stream_status(collection_id)["heads"].items()}

    def stream_status(self, collection_id: bytes) -> dict[str, Any]:
        """``{heads, epoch, head_hash, damaged}``: every stream's head, and this device's own
        stream as the server holds it (the hash at its head, the seqs found damaged)."""
        return self._request("GET", f"/v1/collections/{collection_id.hex()}/status").json()

    def report_damage(self, collection_id: bytes,
                      records: list[tuple[bytes, int]]) -> dict[str, int]:
        """Tell the server which records this device set aside (at most 100):
        ``{damaged, intact, unknown}`` as the server found its own copies."""
        return self._request("POST", f"/v1/collections/{collection_id.hex()}/damage",
                             json_body={"records": [{"device_id": d.hex(), "seq": s}
                                                    for d, s in records]}).json()

    def repair(self, collection_id: bytes, envelopes: list[bytes]) -> dict[str, int]:
        """Send this device's signed copies of records the server holds damaged:
        ``{replaced, unchanged}``. A copy that does not fit its place raises ForkError."""
        return self._request("POST", f"/v1/collections/{collection_id.hex()}/repairs",
                             content=encode_frames(envelopes), content_type=MEDIA_TYPE).json()

    def push(self, collection_id: bytes, envelopes: list[bytes]) -> dict[str, Any]:
        return self._request("POST", f"/v1/collections/{collection_id.hex()}/records",
                             content=encode_frames(envelopes), content_type=MEDIA_TYPE).json()

    def pull(self, collection_id: bytes, after: dict[bytes, int],
             max_bytes: int | None = None) -> PullPage:
        body: dict[str, Any] = {"after": {d.hex(): s for d, s in after.items()}}
        if max_bytes:
            body["max_bytes"] = max_bytes
        resp = self._request("POST", f"/v1/collections/{collection_id.hex()}/pull",
                             json_body=body)
        try:
            return decode_pull_page(resp.content)
        except ValueError as exc:
            raise NetworkError(f"the server sent a damaged page ({exc}); try again") from None

    def revoke(self, device_id: bytes) -> dict[str, Any]:
        return self._request("DELETE", f"/v1/devices/{device_id.hex()}").json()

    # -- roster, invitations, purge (DESIGN §6) ------------------------------------------------
    def roster(self, cid: bytes, after: int = 0) -> dict[str, Any]:
        """``{collection_id, length, head, events: [{"event", "sig"}]}``: events n > after, in
        order, capped per answer (page on with ``after`` while fewer than ``length``)."""
        query = f"?after={after}" if after else ""
        return self._request("GET", f"/v1/collections/{cid.hex()}/roster{query}").json()

    def append_roster(self, cid: bytes, events: list[dict[str, str]]) -> dict[str, Any]:
        """Append signed events (``SignedEvent.to_wire()``) as a lead: ``{collection_id,
        length, head}``. A retry of stored events is accepted; a fork raises ForkError with
        code ``roster_conflict``."""
        return self._request("POST", f"/v1/collections/{cid.hex()}/roster",
                             json_body={"events": events}).json()

    def create_invite(self, invite_id: bytes, inspection_id: bytes, user: str,
                      role: str = "member") -> dict[str, Any]:
        return self._request("POST", "/v1/invites", json_body={
            "invite_id": invite_id.hex(), "inspection_id": inspection_id.hex(), "user": user,
            "role": role}).json()

    def join_invite(self, invite_id: bytes, device_id: bytes, sign_key: bytes, kx_key: bytes,
                    user: str, proof: bytes) -> dict[str, Any]:
        return self._request("POST", f"/v1/invites/{invite_id.hex()}/join", json_body={
            "device_id": device_id.hex(), "sign_key": sign_key.hex(), "kx_key": kx_key.hex(),
            "user": user, "proof": proof.hex()}).json()

    def pending_invites(self) -> list[dict[str, Any]]:
        """Joins of invitations this device created, waiting for it to accept or reject."""
        return self._request("GET", "/v1/invites/pending").json()["invites"]

    def accept_invite(self, invite_id: bytes, proof: bytes) -> dict[str, Any]:
        return self._request("POST", f"/v1/invites/{invite_id.hex()}/accept",
                             json_body={"accept_proof": proof.hex()}).json()

    def reject_invite(self, invite_id: bytes, reason: str) -> dict[str, Any]:
        return self._request("POST", f"/v1/invites/{invite_id.hex()}/reject",
                             json_body={"reason": reason}).json()

    def invite_status(self, invite_id: bytes) -> dict[str, Any]:
        return self._request("GET", f"/v1/invites/{invite_id.hex()}").json()

    def purge_inspection(self, inspection_id: bytes,
                         statement: dict[str, Any] | None = None) -> dict[str, Any]:
        """Delete everything the server holds for an inspection (its lead only; idempotent):
        ``{inspection_id, purged_at, records_deleted}``. ``statement`` is the lead's signed
        purge statement (``store.team.purge_statement``), kept by the server and passed
        on to every member device, which purges only when it verifies."""
        body = {"statement": statement} if statement is not None else None
        return self._request("POST", f"/v1/inspections/{inspection_id.hex()}/purge",
                             json_body=body).json()


_TLS: dict[str | None, ssl.SSLContext] = {}


def _tls_context(url: str, ca_file: str | None = None) -> ssl.SSLContext:
    """The verifying TLS context: the system's trust store, or only the certificate
    authorities in ``ca_file`` (an organisation's own CA, as ``curl --cacert``). Built once per
    process and CA file (loading the system store costs tens of milliseconds, which a sync with
    nothing to do should not pay every time). A plain http:// URL (allowed to loopback only,
    see store._settings) never uses it, so it gets an empty context that trusts nothing."""
    if not url.startswith("https://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    key = ca_file or None
    if key not in _TLS:
        try:
            _TLS[key] = ssl.create_default_context(cafile=key)
        except (OSError, ssl.SSLError) as exc:
            raise NetworkError(
                f"cannot use the CA file {key} ({getattr(exc, 'strerror', None) or exc}): fix "
                "it with `fieldpad config set ca_file PATH` (empty: the system's trust store)"
            ) from None
    return _TLS[key]


def _untrusted_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or \
                "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_HEX_ID = re.compile(r"[0-9a-f]{32}")


def _route(path: str) -> str:
    """A request's path for the log: ids cut to 8 hex digits (as the app shows them), a user
    name in a member path replaced by its placeholder; never a name."""
    path = _HEX_ID.sub(lambda m: m.group(0)[:8], path.split("?", 1)[0])
    head, sep, _ = path.partition("/members/")
    return head + sep + "{user}" if sep else path


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110 §10.2.3): a number of seconds
    or an HTTP date, read against the client's clock. None when absent or unreadable (the
    backoff then decides); a date in the past means "now"."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT; a bare one is read as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _header_bytes(headers: httpx.Headers) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.raw)


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or no network"
    return "the connection dropped"


def client_for(session, transport=None, **kwargs) -> SyncClient:
    """A client for the server configured in this profile's settings."""
    url = session.settings().get("server")
    if not url:
        raise NotConfigured("no server is set for this profile: run `fieldpad enrol URL CODE` "
                            "first (or keep working offline)")
    kwargs.setdefault("ca_file", session.settings().get("ca_file") or None)
    return SyncClient(url, session.device_id, session.keys.device.signing, transport=transport,
                      **kwargs)
