"""RFC 9421 request signing: what is covered, what is refused, and the httpx auth flow."""

from __future__ import annotations

import base64
import hashlib
import os
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync._signing import (
    DeviceAuth,
    SignatureError,
    content_digest,
    sign_request,
    signature_base,
    verify_request,
)

KEY = Ed25519PrivateKey.generate()
DEV = os.urandom(16)


def verify(method: str, path: str, query: str, headers: dict[str, str], body: bytes,
           now: float | None = None, key: Ed25519PrivateKey = KEY):  # type: ignore[no-untyped-def]
    h = httpx.Headers(headers)
    return verify_request(method, path, query, h, body, lambda d: key.public_key(),
                          now=time.time() if now is None else now)


def code(fn) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as exc:
        fn()
    return exc.value.code


def test_round_trip_and_what_is_covered() -> None:
    h = sign_request("POST", "/v1/x", "?a=1", b"body", DEV, KEY)
    v = verify("POST", "/v1/x", "a=1", h, b"body")
    assert v.device_id == DEV and len(v.nonce) >= 16
    assert code(lambda: verify("PUT", "/v1/x", "a=1", h, b"body")) == "bad_signature"
    assert code(lambda: verify("POST", "/v1/y", "a=1", h, b"body")) == "bad_signature"
    assert code(lambda: verify("POST", "/v1/x", "a=2", h, b"body")) == "bad_signature"
    assert code(lambda: verify("POST", "/v1/x", "a=1", h, b"bodY")) == "bad_digest"
    assert code(lambda: verify("POST", "/v1/x", "a=1", h, b"body",
                               key=Ed25519PrivateKey.generate())) == "bad_signature"


def test_created_window() -> None:
    now = time.time()
    for skew, ok in [(-299, True), (299, True), (-302, False), (302, False)]:
        h = sign_request("GET", "/", "", b"", DEV, KEY, created=int(now + skew))
        if ok:
            verify("GET", "/", "", h, b"", now=now)
        else:
            assert code(lambda h=h: verify("GET", "/", "", h, b"", now=now)) == "stale_signature"


def test_refuses_malformed_headers() -> None:
    good = sign_request("GET", "/", "", b"", DEV, KEY)
    cases = {
        "unsigned": {},
        "bad_signature_input": {**good, "Signature-Input": good["Signature-Input"].replace(
            ' "content-digest"', "")},
        "bad_digest": {k: v for k, v in good.items() if k != "Content-Digest"},
    }
    for want, headers in cases.items():
        assert code(lambda h=headers: verify("GET", "/", "", h, b"")) == want
    wrong_alg = {**good, "Signature-Input": good["Signature-Input"].replace("ed25519", "rsa")}
    assert code(lambda: verify("GET", "/", "", wrong_alg, b"")) == "bad_signature_input"
    extra = {**good, "Signature-Input": good["Signature-Input"] + ";expires=1"}
    assert code(lambda: verify("GET", "/", "", extra, b"")) == "bad_signature_input"
    other_label = {**good, "Signature": good["Signature"].replace("sig1=", "sig2=")}
    assert code(lambda: verify("GET", "/", "", other_label, b"")) == "bad_signature_input"
    assert code(lambda: verify_request("GET", "/", "", httpx.Headers(good), b"",
                                       lambda d: None, now=time.time())) == "unknown_device"


def test_components_in_another_order_verify() -> None:
    """RFC 9421 lets a signer list components in any order; the base follows that order."""
    created, nonce, keyid = int(time.time()), "n" * 20, DEV.hex()
    comps = ("content-digest", "@query", "@path", "@method")
    params = f'("content-digest" "@query" "@path" "@method");created={created};' \
             f'nonce="{nonce}";keyid="{keyid}";alg="ed25519"'
    digest = content_digest(b"x")
    sig = KEY.sign(signature_base("POST", "/p", "", digest, params, comps))
    headers = {"Content-Digest": digest, "Signature-Input": f"sig1={params}",
               "Signature": f"sig1=:{base64.b64encode(sig).decode()}:"}
    assert verify("POST", "/p", "", headers, b"x").nonce == nonce


def test_rfc9530_digest_value() -> None:
    assert content_digest(b'{"hello": "world"}') == (
        "sha-256=:" + base64.b64encode(hashlib.sha256(b'{"hello": "world"}').digest()).decode()
        + ":"
    )
    assert content_digest(b'{"hello": "world"}') == \
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"  # RFC 9530 appendix B


def test_device_auth_signs_what_httpx_sends() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.decode()
        path, _, query = raw.partition("?")
        seen["v"] = verify(request.method, path, query, dict(request.headers), request.content)
        return httpx.Response(200)

    auth = DeviceAuth(DEV, KEY)
    assert "DeviceAuth(" in repr(auth) and "PrivateKey" not in repr(auth)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as c:
        c.post("https://example.test/v1/a%20b", params={"q": "1 2"}, json={"x": 1})
    assert seen["v"].device_id == DEV
