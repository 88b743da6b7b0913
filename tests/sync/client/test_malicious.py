"""A malicious (or broken) server: the client's real transport is wrapped in one that rewrites
pull responses. A tampered, reordered or replayed record, a record from a device the collection
does not know and a record of another collection are each rejected and reported, the rest of the
sync completes, the bad record never becomes a note, and a later honest sync fetches the real
records (the stream resumes). On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from store import (
    HEADER_LEN,
    ZERO_HASH,
    Header,
    envelope_hash,
    make_rev,
    open_envelope,
    parse_header,
    parse_rev,
    seal,
)
from sync._framing import PullPage, decode_pull_page, encode_pull_page
from sync.client import SyncClient, SyncReport, sync
from tests.sync.client._checks import TEAM, assert_converged, settle, snapshot

Rewrite = Callable[[list[bytes]], list[bytes]]


class RewritingTransport(httpx.BaseTransport):
    """The real transport, with every pull response's envelopes passed through ``rewrite``
    (and ``extra_heads`` added to the page's announced heads)."""

    def __init__(self, rewrite: Rewrite, extra_heads: dict[str, int] | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.rewrite = rewrite
        self.extra_heads = extra_heads or {}
        self.pages = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        if request.method != "POST" or not request.url.path.endswith("/pull"):
            return resp
        try:
            body = resp.read()
        finally:
            resp.close()
        if resp.status_code != 200:
            return httpx.Response(resp.status_code, headers=_plain(resp.headers), content=body)
        page = decode_pull_page(body)
        self.pages += 1
        forged = PullPage(self.rewrite(list(page.envelopes)), page.more,
                          {**page.heads, **self.extra_heads})
        return httpx.Response(200, headers=_plain(resp.headers), content=encode_pull_page(forged))

    def close(self) -> None:
        self.inner.close()


def _plain(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    drop = {b"content-length", b"content-encoding", b"transfer-encoding"}
    return [(k, v) for k, v in headers.raw if k.lower() not in drop]


def key_of(env: bytes) -> tuple[bytes, bytes, int]:
    h = parse_header(env)
    return h.collection_id, h.device_id, h.seq


def flip_ciphertext_byte(env: bytes) -> bytes:
    at = HEADER_LEN + 32 + 12 + 32 + 5  # salt, nonce, commit, then inside the ciphertext
    return env[:at] + bytes([env[at] ^ 0x01]) + env[at + 1:]


class Case:
    """One round: the lead writes five notes and cat two, both push; bob pulls through a
    rewriting transport, then again honestly."""

    def __init__(self, devices: list, name: str) -> None:
        self.lead, self.bob, self.cat = devices
        self.cid = self.lead.team()
        self.lead_id = self.lead.session.device_id
        self.written: dict[str, str] = {}
        self.lead_notes = self._write(self.lead, f"{name} lead", 5)
        self.cat_notes = self._write(self.cat, f"{name} cat", 2)
        assert self.lead.sync().ok and self.cat.sync().ok

    def _write(self, device, prefix: str, n: int) -> list:
        ins = device.session.find_inspection(TEAM)
        out = []
        for i in range(n):
            title, body = f"{prefix} {i}", f"{prefix} {i} body\n"
            out.append(device.session.create(ins, "note", title, body))
            self.written[title] = body
        return out

    def seq(self, i: int) -> int:
        return parse_rev(self.lead_notes[i].rev)[1]

    def envelope(self, seq: int, collection_id: bytes | None = None) -> bytes:
        rec = self.lead.session.streams.get(collection_id or self.cid, self.lead_id, seq)
        assert rec is not None
        return rec.envelope

    def pull_through(self, rewrite: Rewrite, **kw: object) -> tuple[SyncReport, int]:
        t = RewritingTransport(rewrite, **kw)  # type: ignore[arg-type]
        with SyncClient(self.bob.server.url, self.bob.session.device_id,
                        self.bob.session.keys.device.signing, transport=t) as c:
            rep = sync(self.bob.session, c)
        assert t.pages >= 1, "the rewriting transport saw no pull"
        return rep, t.pages

    def has(self, note) -> bool:
        n = self.bob.session.notes.get(note.note_id)
        return n is not None and n.title == note.title and \
            self.bob.session.load_bodies([n])[0].body == note.body

    def assert_arrived(self, lead_idx: list[int], missing_idx: list[int]) -> None:
        for i in lead_idx:
            assert self.has(self.lead_notes[i]), f"lead's note {i} did not arrive"
        for i in missing_idx:
            assert self.lead_notes[i].note_id not in self.bob.session.notes, (
                f"lead's note {i} arrived although its record was not served as written")
        for n in self.cat_notes:
            assert self.has(n), f"cat's note {n.title!r} did not arrive: the rest must sync"

    def reported(self, rep: SyncReport, seq: int | None = None,
                 device: bytes | None = None) -> str:
        """The report line naming the lead's stream (or ``device``'s), at ``seq`` if given."""
        dev = (device or self.lead_id).hex()[:8]
        for line in rep.quarantined + rep.problems:
            if dev in line and (seq is None or str(seq) in line):
                return line
        raise AssertionError(f"nothing reported for {dev}/{seq}: quarantined="
                             f"{rep.quarantined} problems={rep.problems}")

    def quarantine_row(self, c: bytes, d: bytes, seq: int) -> tuple[bytes, str] | None:
        return self.bob.session.db.execute(
            "SELECT envelope, reason FROM quarantine WHERE collection_id = ? AND device_id = ? "
            "AND seq = ?", [c, d, seq]).fetchone()

    def stored(self, env: bytes) -> bool:
        return self.bob.session.db.execute("SELECT 1 FROM records WHERE hash = ?",
                                           [envelope_hash(env)]).fetchone() is not None

    def honest_sync_recovers(self) -> None:
        rep = self.bob.sync()
        assert rep.ok and not rep.quarantined, (rep.problems, rep.quarantined)
        self.assert_arrived(list(range(5)), [])
        settle([self.lead, self.cat, self.bob])
        assert_converged({d.name: d.session for d in (self.lead, self.bob, self.cat)},
                         self.written)


@pytest.mark.slow
def test_malicious_server_records_are_rejected_and_the_rest_syncs(team_factory) -> None:
    devices = team_factory(["bob", "cat"])
    failures: list[str] = []

    def case(name: str, check: Callable[[Case], None]) -> None:
        try:
            check(Case(devices, name))
        except AssertionError as exc:
            failures.append(f"({name}) {exc}")

    # (a) a tampered record: one byte of one envelope's ciphertext flipped
    def tampered(k: Case) -> None:
        target = (k.cid, k.lead_id, k.seq(2))
        bad: list[bytes] = []

        def rewrite(envs: list[bytes]) -> list[bytes]:
            out = [flip_ciphertext_byte(e) if key_of(e) == target else e for e in envs]
            bad.extend(e for e in out if key_of(e) == target)
            return out

        rep, _ = k.pull_through(rewrite)
        assert bad, "the tampered record was never served"
        k.reported(rep, k.seq(2))
        assert any(f"/{k.seq(2)}:" in q for q in rep.quarantined), rep.quarantined
        row = k.quarantine_row(*target)
        assert row is not None and row[0] == bad[-1], "the tampered record is not in quarantine"
        assert not k.stored(bad[-1])
        k.assert_arrived([0, 1], [2, 3, 4])  # its stream stops there; everything else syncs
        assert verify_all_ok(k)
        k.honest_sync_recovers()

    # (b) records reordered within a stream
    def reordered(k: Case) -> None:
        a, b = k.seq(1), k.seq(2)

        def rewrite(envs: list[bytes]) -> list[bytes]:
            keys = [key_of(e) for e in envs]
            if (k.cid, k.lead_id, a) in keys and (k.cid, k.lead_id, b) in keys:
                i, j = keys.index((k.cid, k.lead_id, a)), keys.index((k.cid, k.lead_id, b))
                envs[i], envs[j] = envs[j], envs[i]
            return envs

        rep, _ = k.pull_through(rewrite)
        k.reported(rep)
        k.assert_arrived([0], [1, 2, 3, 4])
        assert verify_all_ok(k)
        k.honest_sync_recovers()

    # (c) an old record replayed in place of the newest one
    def replayed(k: Case) -> None:
        old = k.envelope(1)  # the lead's first record: bob has held it since the team formed
        newest = (k.cid, k.lead_id, k.seq(4))
        before = snapshot(k.bob.session)

        def rewrite(envs: list[bytes]) -> list[bytes]:
            return [old if key_of(e) == newest else e for e in envs]

        rep, _ = k.pull_through(rewrite)
        k.reported(rep)
        k.assert_arrived([0, 1, 2, 3], [4])
        after = snapshot(k.bob.session)
        assert {i: after[i] for i in before} == before, "a replayed record changed a note"
        assert verify_all_ok(k)
        k.honest_sync_recovers()

    # (d) a record from a device the collection does not know (it even holds the team key)
    def stranger(k: Case) -> None:
        intruder, key = os.urandom(16), Ed25519PrivateKey.generate()
        _, payload = open_envelope(k.envelope(k.seq(0)), k.lead.session.keyring.resolver(k.cid),
                                   None)
        note_id = os.urandom(16).hex()
        payload.update(note_id=note_id, rev=make_rev(intruder, 1), parents=[],
                       title="FORGED", body="planted by a stranger\n")
        epoch = parse_header(k.envelope(k.seq(0))).epoch
        forged = seal(Header(k.cid, intruder, 1, ZERO_HASH, epoch), payload,
                      k.lead.session.keyring.key(k.cid, epoch), key)

        rep, _ = k.pull_through(lambda envs: envs + [forged], extra_heads={intruder.hex(): 1})
        k.reported(rep, 1, device=intruder)
        assert k.quarantine_row(k.cid, intruder, 1) is not None
        assert note_id not in k.bob.session.notes and not k.stored(forged)
        assert not [n for n in k.bob.session.list_notes() if n.title == "FORGED"]
        k.assert_arrived([0, 1, 2, 3, 4], [])
        assert verify_all_ok(k)
        k.honest_sync_recovers()
        assert note_id not in k.bob.session.notes

    # (e) a record of another collection: the lead's restricted concern form
    def elsewhere(k: Case) -> None:
        ins = k.lead.session.find_inspection(TEAM)
        concern = k.lead.session.create(ins, "concern", "Concern raised", "", {
            "raised_at": "2026-03-02T10:00", "nature": "restricted text", "immediacy": "routine"})
        assert concern.collection_id != k.cid
        assert k.lead.sync().ok
        assert concern.collection_id not in k.bob.session.collection_roles()
        foreign = k.envelope(parse_rev(concern.rev)[1], concern.collection_id)

        rep, _ = k.pull_through(lambda envs: [foreign] + envs)
        k.reported(rep, parse_rev(concern.rev)[1])
        assert concern.note_id not in k.bob.session.notes and not k.stored(foreign)
        k.assert_arrived([0, 1, 2, 3, 4], [])
        assert verify_all_ok(k)
        k.honest_sync_recovers()
        assert concern.note_id not in k.bob.session.notes

    case("tampered", tampered)
    case("reordered", reordered)
    case("replayed", replayed)
    case("stranger", stranger)
    case("elsewhere", elsewhere)
    assert not failures, "\n".join(failures)


def verify_all_ok(k: Case) -> bool:
    from store import verify_all

    report = verify_all(k.bob.session)
    assert report.ok, [str(p) for p in report.problems]
    return True
