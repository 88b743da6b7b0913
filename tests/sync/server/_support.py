"""Test (and benchmark) support for the sync server: real app, real storage, real signing.

- :class:`PortalTransport`: a sync httpx transport that runs requests through
  ``httpx.ASGITransport`` on an event loop in a background thread (no mocks of our code).
- :func:`postgres_base_url`, :func:`fresh_schema`: a throwaway schema per test on PostgreSQL.
- :class:`ServerProcess`: ``python -m sync.server serve`` on a free loopback port.
- :class:`World`: users, inspections, enrolled devices and collections, built through the admin
  storage API (as ``fieldpad server admin`` does) and the HTTP API.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio.from_thread
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store import ZERO_HASH, Header, envelope_hash, seal
from sync._framing import MEDIA_TYPE, decode_pull_page, encode_frames
from sync._signing import DeviceAuth
from sync.server import new_code

REPO = Path(__file__).resolve().parents[3]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


class Clock:
    """An injectable clock: real time plus an offset the test moves."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class PortalTransport(httpx.BaseTransport):
    """Sync httpx transport into an ASGI app, via ``httpx.ASGITransport`` on a portal loop."""

    def __init__(self, app: object, portal: anyio.from_thread.BlockingPortal,
                 client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=client)  # type: ignore[arg-type]
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def go() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            areq = httpx.Request(request.method, request.url, headers=request.headers,
                                 content=content)
            resp = await self._asgi.handle_async_request(areq)
            body = b"".join([chunk async for chunk in resp.aiter_raw()])
            return resp.status_code, resp.headers.raw, body

        status, headers, body = self._portal.call(go)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


# --- PostgreSQL -----------------------------------------------------------------------------
def postgres_base_url() -> tuple[str | None, str]:
    """A reachable PostgreSQL URL, or (None, why not)."""
    import psycopg

    wanted = os.environ.get("FIELDPAD_TEST_DATABASE_URL", DEFAULT_PG)
    candidates = [wanted]
    if "FIELDPAD_TEST_DATABASE_URL" not in os.environ:
        candidates.append(wanted.replace("postgres@", "root@"))
    errors = []
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url, ""
        except Exception as exc:  # noqa: BLE001 - unreachable, auth refused, no such database
            errors.append(f"{url}: {type(exc).__name__}: {str(exc).strip()[:160]}")
    return None, "; ".join(errors)


def with_search_path(url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@contextlib.contextmanager
def servers(db_url: str, n: int,
            env: dict[str, str] | None = None) -> Iterator[list[ServerProcess]]:
    """``n`` server processes on one database, started at once (they race to migrate it);
    ``env``: more environment variables for each."""
    procs = [ServerProcess(db_url, env=env).start() for _ in range(n)]
    try:
        yield [p.wait_ready() for p in procs]
    finally:
        for p in procs:
            p.__exit__()


@contextlib.contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A new, empty schema for one test (or bench run); dropped afterwards."""
    import psycopg

    schema = f"fp_test_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base_url, schema)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# --- server processes ------------------------------------------------------------------------
class ServerProcess:
    """``python -m sync.server serve`` on 127.0.0.1, a free port; ``.url`` once it listens.

    ``args`` are more command-line options (``--config``, ``--ssl-certfile``...), ``env`` more
    environment variables; with ``log`` the server's log (stderr) goes to that file."""

    def __init__(self, db_url: str | None, *, log_level: str = "warning",
                 args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.db_url = db_url
        self.log_level = log_level
        self.args = args
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> ServerProcess:
        db = ["--database-url", self.db_url] if self.db_url else []
        env = {**os.environ, **self.env} if self.env is not None else None
        with contextlib.ExitStack() as stack:
            err = (stack.enter_context(self.log.open("a")) if self.log is not None
                   else subprocess.DEVNULL)
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sync.server", "serve", *db, "--port", "0",
                 "--log-level", self.log_level, *self.args],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
            )
        return self

    def wait_ready(self) -> ServerProcess:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r}")
        self.url = line.split()[-1]
        return self

    def __enter__(self) -> ServerProcess:
        return self.start().wait_ready()

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- devices, records, worlds ----------------------------------------------------------------
def raw_public(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass
class Device:
    user: str
    device_id: bytes
    key: Ed25519PrivateKey
    kx: X25519PrivateKey

    @classmethod
    def new(cls, user: str) -> Device:
        return cls(user, os.urandom(16), Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def hex(self) -> str:
        return self.device_id.hex()


@dataclass
class Stream:
    """One device's stream in one collection: makes the next sealed envelopes."""

    device: Device
    collection_id: bytes
    key: bytes = field(default_factory=lambda: os.urandom(32))
    seq: int = 0
    prev: bytes = ZERO_HASH
    epoch: int = 1

    def next(self, n: int = 1, size: int = 200) -> list[bytes]:
        out = []
        for _ in range(n):
            self.seq += 1
            header = Header(self.collection_id, self.device.device_id, self.seq, self.prev,
                            self.epoch)
            body = {"type": "note.rev", "text": secrets.token_urlsafe(max(1, size * 3 // 4))}
            env = seal(header, body, self.key, self.device.key)
            self.prev = envelope_hash(env)
            out.append(env)
        return out


class World:
    """A server (in-process app or real URL) plus the admin side of its database."""

    def __init__(self, storage: object, clock: Callable[[], float],
                 transport_factory: Callable[[], httpx.BaseTransport] | None = None,
                 base_url: str = "http://fieldpad.test") -> None:
        self.storage = storage
        self.clock = clock
        self._transport_factory = transport_factory
        self.base_url = base_url
        self._clients: list[httpx.Client] = []

    def client(self, device: Device | None = None, **kw: object) -> httpx.Client:
        auth = DeviceAuth(device.device_id, device.key, clock=self.clock) if device else None
        transport = self._transport_factory() if self._transport_factory else None
        c = httpx.Client(base_url=self.base_url, transport=transport, auth=auth, timeout=30,
                         **kw)  # type: ignore[arg-type]
        self._clients.append(c)
        return c

    def close(self) -> None:
        for c in self._clients:
            c.close()

    # admin side (what `fieldpad server admin` does)
    def user(self, name: str) -> str:
        self.storage.add_user(name, self.clock())  # type: ignore[attr-defined]
        return name

    def invite(self, user: str) -> str:
        code, code_id, secret_hash = new_code()
        now = self.clock()
        self.storage.add_invite(user, code_id, secret_hash, now, now + 900)  # type: ignore[attr-defined]
        return code

    def inspection(self, name: str, lead: str) -> bytes:
        iid = os.urandom(16)
        self.storage.add_inspection(iid, name, lead, self.clock())  # type: ignore[attr-defined]
        return iid

    def enrol_local(self, user: str) -> Device:
        """Enrol a device through storage (what POST /v1/enrol does, minus HTTP and its
        per-address rate limit): for setting up many devices at once."""
        dev = Device.new(user)
        code, code_id, secret_hash = new_code()
        now = self.clock()
        st = self.storage
        st.add_invite(user, code_id, secret_hash, now, now + 900)  # type: ignore[attr-defined]
        st.enrol(code_id, secret_hash, dev.device_id, raw_public(dev.key),  # type: ignore[attr-defined]
                 raw_public(dev.kx), now, 5)
        return dev

    # device side, over HTTP
    def enrol(self, user: str) -> Device:
        dev = Device.new(user)
        r = self.client().post("/v1/enrol", json=enrol_body(self.invite(user), dev))
        assert r.status_code == 200, r.text
        return dev

    def collection(self, lead: Device, inspection_id: bytes, *members: str) -> bytes:
        cid = os.urandom(16)
        c = self.client(lead)
        r = c.post("/v1/collections",
                   json={"collection_id": cid.hex(), "inspection_id": inspection_id.hex()})
        assert r.status_code == 200, r.text
        for m in members:
            r = c.post(f"/v1/collections/{cid.hex()}/members", json={"user": m})
            assert r.status_code == 200, r.text
        return cid


def enrol_body(code: str, dev: Device) -> dict[str, str]:
    return {"code": code, "device_id": dev.hex, "sign_key": raw_public(dev.key).hex(),
            "kx_key": raw_public(dev.kx).hex()}


def push(client: httpx.Client, cid: bytes, envelopes: list[bytes]) -> httpx.Response:
    return client.post(f"/v1/collections/{cid.hex()}/records", content=encode_frames(envelopes),
                       headers={"Content-Type": MEDIA_TYPE})


def pull_all(client: httpx.Client, cid: bytes, after: dict[str, int] | None = None,
             max_bytes: int | None = None, max_pages: int = 100_000) -> tuple[list[bytes], int]:
    """Pull every page; return (envelopes in arrival order, pages)."""
    after = dict(after or {})
    got: list[bytes] = []
    for pages in range(1, max_pages + 1):
        body: dict[str, object] = {"after": after}
        if max_bytes:
            body["max_bytes"] = max_bytes
        r = client.post(f"/v1/collections/{cid.hex()}/pull", json=body)
        assert r.status_code == 200, r.text
        page = decode_pull_page(r.content)
        for env in page.envelopes:
            got.append(env)
            after[env[22:38].hex()] = int.from_bytes(env[38:46], "big")
        if not page.more:
            return got, pages
    raise AssertionError("pull did not finish")
