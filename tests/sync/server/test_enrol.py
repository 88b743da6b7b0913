"""Enrolment codes (single use, 15 minutes, 5 wrong tries, only a hash stored) and the
``fieldpad server admin`` commands, on both backends."""

from __future__ import annotations

import httpx
import pytest

from sync.server import Limits, admin_main
from sync.server._auth import ALPHABET

from ._support import Device, ServerProcess, World, enrol_body


def wrong_secret(code: str) -> str:
    """The same public id with a different secret: a wrong guess at this code."""
    last = code[-1]
    return code[:-1] + (ALPHABET[(ALPHABET.index(last) + 1) % len(ALPHABET)])


def enrol(world: World, code: str, dev: Device | None = None) -> httpx.Response:
    return world.client().post("/v1/enrol", json=enrol_body(code, dev or Device.new("x")))


def test_code_is_single_use(world: World) -> None:
    world.user("alice")
    code = world.invite("alice")
    r = enrol(world, code)
    assert r.status_code == 200 and r.json()["user"] == "alice"
    r = enrol(world, code)
    assert r.status_code == 401 and r.json()["error"] == "code_used"


def test_the_same_enrolment_again_is_answered_again(world: World) -> None:
    """A lost answer: the device retries with the same code, id and keys and is told it is
    enrolled (issue 11, item 8), while any other device with that code is still refused."""
    world.user("alice")
    code = world.invite("alice")
    dev = Device.new("alice")
    first = enrol(world, code, dev)
    assert first.status_code == 200
    again = enrol(world, code, dev)
    assert again.status_code == 200 and again.json() == first.json()
    world.clock.advance(16 * 60)  # type: ignore[attr-defined]
    assert enrol(world, code, dev).status_code == 200  # expiry bounds only a first use
    other = Device.new("alice")
    r = enrol(world, code, other)
    assert r.status_code == 401 and r.json()["error"] == "code_used"
    kx_swapped = Device.new("alice")
    kx_swapped.device_id, kx_swapped.key = dev.device_id, dev.key
    r = enrol(world, code, kx_swapped)
    assert r.status_code == 401 and r.json()["error"] == "code_used"
    assert enrol(world, wrong_secret(code), dev).status_code == 401


def test_a_revoked_device_cannot_enrol_again_with_its_old_code(world: World) -> None:
    world.user("alice")
    code = world.invite("alice")
    dev = Device.new("alice")
    assert enrol(world, code, dev).status_code == 200
    world.storage.revoke_device(dev.device_id, world.clock())  # type: ignore[attr-defined]
    r = enrol(world, code, dev)
    assert r.status_code == 401 and r.json()["error"] == "code_used"


def test_code_expires_after_15_minutes(world: World) -> None:
    world.user("alice")
    code = world.invite("alice")
    world.clock.advance(14 * 60)  # type: ignore[attr-defined]
    fresh = world.invite("alice")
    world.clock.advance(61)  # type: ignore[attr-defined]
    r = enrol(world, code)
    assert r.status_code == 401 and r.json()["error"] == "code_expired"
    assert enrol(world, fresh).status_code == 200


def test_five_wrong_tries_kill_the_code(world: World) -> None:
    world.user("alice")
    code = world.invite("alice")
    for i in range(5):
        r = enrol(world, wrong_secret(code))
        assert r.status_code == 401 and r.json()["error"] == "invalid_code"
        assert f"{4 - i} tries left" in r.json()["message"]
    r = enrol(world, code)
    assert r.status_code == 401 and r.json()["error"] == "code_exhausted"


def test_four_wrong_tries_leave_the_code_usable(world: World) -> None:
    world.user("alice")
    code = world.invite("alice")
    for _ in range(4):
        assert enrol(world, wrong_secret(code)).status_code == 401
    assert enrol(world, code.lower().replace("-", " ")).status_code == 200


def test_device_id_already_used_is_409_and_keeps_the_code(world: World) -> None:
    world.user("alice")
    dev = world.enrol("alice")
    code = world.invite("alice")
    clash = Device.new("alice")
    clash.device_id = dev.device_id
    r = enrol(world, code, clash)
    assert r.status_code == 409 and r.json()["error"] == "device_exists"
    assert enrol(world, code).status_code == 200


def test_bad_codes_and_keys(world: World) -> None:
    world.user("alice")
    assert enrol(world, "not a code").json()["error"] == "invalid_code"
    assert enrol(world, "0" * 26).json()["error"] == "invalid_code"
    body = enrol_body(world.invite("alice"), Device.new("alice"))
    r = world.client().post("/v1/enrol", json={**body, "sign_key": "00" * 31})
    assert r.status_code == 422
    # keys may also be base64url
    import base64

    raw = bytes.fromhex(body["sign_key"])
    b64 = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert world.client().post("/v1/enrol", json={**body, "sign_key": b64}).status_code == 200


def test_only_a_hash_of_the_code_is_stored(world: World, db_url: str) -> None:
    world.user("alice")
    code = world.invite("alice")
    secret = code.replace("-", "")[6:]
    if db_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db_url) as conn:
            rows = conn.execute("SELECT id, secret_hash::text FROM enrol_codes").fetchall()
        dump = repr(rows)
    else:
        from pathlib import Path

        world.storage.close()  # type: ignore[attr-defined]
        dump = b"".join(p.read_bytes() for p in Path(db_url).parent.glob("server.db*")).decode(
            "latin-1")
    assert code[:6] in dump  # the public id names the row
    assert secret not in dump and secret.lower() not in dump


class TestEnrolRateLimit:
    @pytest.fixture
    def limits(self) -> Limits:
        return Limits(enrol_burst=3, enrol_per_s=0.01)

    def test_enrolment_is_rate_limited(self, world: World) -> None:
        world.user("alice")
        code = world.invite("alice")
        for _ in range(3):
            enrol(world, "XXXXXX-" + "0" * 20)
        r = enrol(world, code)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"] == "rate_limited"


def test_admin_commands(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    def admin(*args: str) -> tuple[int, str]:
        rc = admin_main(["--database-url", db_url, *args])
        out = capsys.readouterr()
        return rc, out.out

    assert admin("user", "add", "alice")[0] == 0
    assert admin("user", "add", "lead")[0] == 0
    assert admin("user", "add", "alice")[0] == 1  # exists
    assert admin("user", "add", "bad name")[0] == 1
    rc, out = admin("user", "list")
    assert rc == 0 and [line.split()[0] for line in out.splitlines()] == ["alice", "lead"]
    rc, out = admin("inspection", "add", "Joint inspection", "--lead", "lead")
    assert rc == 0 and len(out.strip()) == 32 and int(out.strip(), 16) >= 0
    assert admin("inspection", "add", "Other", "--lead", "nobody")[0] == 1
    rc, out = admin("invite", "alice")
    assert rc == 0
    code = out.strip().splitlines()[-1]
    assert admin("invite", "nobody")[0] == 1
    assert admin("frobnicate")[0] == 2
    assert admin()[0] == 2
    # the printed code enrols a device on a real server process using the same database
    with ServerProcess(db_url) as server, httpx.Client(base_url=server.url) as client:
        dev = Device.new("alice")
        r = client.post("/v1/enrol", json=enrol_body(code, dev))
        assert r.status_code == 200, r.text
        assert client.get("/v1/health").json()["status"] == "ok"
    rc, out = admin("device", "list")
    assert rc == 0 and out.split()[0] == dev.hex and "active" in out
    assert admin("device", "revoke", dev.hex) == (0, f"revoked {dev.hex}\n")
    rc, out = admin("device", "list")
    assert "revoked=" in out
    assert admin("device", "revoke", "00" * 16)[0] == 1
    assert admin("device", "revoke", "xyz")[0] == 1


def test_admin_reports_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    rc = admin_main(["--database-url", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
                     "user", "list"])
    assert rc == 1
    assert "cannot open the database" in capsys.readouterr().err
