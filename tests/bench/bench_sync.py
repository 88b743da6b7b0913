"""Sync budgets of DESIGN §9, through a real server process on loopback (SQLite).

Floors come from the same run: the same bytes POSTed with a bare httpx client to a server
that discards them (tests/bench/_sink.py under the same uvicorn).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from store import KdfParams, Profile
from sync.client import SyncClient, sync
from tests.bench._table import Line, median, ms
from tests.bench.bench_store import text
from tests.conftest import PASSPHRASE
from tests.sync.client.conftest import Server

ROOT = Path(__file__).parents[2]


class Dev:
    def __init__(self, root: Path, name: str, server: Server, user: str) -> None:
        self.profile = Profile(root / name)
        self.session, _ = self.profile.init(PASSPHRASE, KdfParams.floor(), author=name)
        keys = self.session.keys.device
        self.server = server
        with SyncClient(server.url, self.session.device_id, None) as c:
            c.enrol(server.invite(user), keys.sign_pub, keys.kx_pub)
        self.session.rosters.set_user(user)

    def invite(self, user: str, inspection: str) -> str:
        from sync.client import Team

        with self.client() as c:
            return Team(self.session, c, self.session.find_inspection(inspection)).invite(user)

    def join(self, code: str) -> None:
        from sync.client import join

        with self.client() as c:
            join(self.session, c, code)

    def client(self) -> SyncClient:
        return SyncClient(self.server.url, self.session.device_id,
                          self.session.keys.device.signing)

    def sync(self):
        with self.client() as c:
            return sync(self.session, c)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sink() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "tests.bench._sink:app", "--port",
                             str(port), "--log-level", "warning"], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, url


def _notes(dev: Dev, n: int, size: int = 2000) -> None:
    rng = random.Random(n)
    s = dev.session
    ins = s.find_inspection("Bench")
    with s.db.atomic():
        for i in range(n):
            s.create(ins, "note", f"note {i}", text(rng, size))


def _bulk_other_records(server: Server, n: int) -> None:
    """Records of other inspections' collections, written straight into the server's
    database: a server that already holds ``n`` records."""
    import sqlite3

    db = sqlite3.connect(server.db_url)
    now = time.time()
    dev = db.execute("SELECT id FROM devices LIMIT 1").fetchone()[0]
    blob = os.urandom(2000)
    for c in range(max(1, n // 100_000)):
        cid = os.urandom(16)
        iid = os.urandom(16)
        db.execute("INSERT INTO inspections (id, name, lead_user_id, created_at) VALUES "
                   "(?, ?, 1, ?)", (iid, f"other {c} {cid.hex()[:6]}", now))
        db.execute("INSERT INTO collections (id, inspection_id, epoch, created_at) VALUES "
                   "(?, ?, 1, ?)", (cid, iid, now))
        rows = ((cid, dev, s, 1, os.urandom(32), blob, now)
                for s in range(1, min(n, 100_000) + 1))
        db.executemany("INSERT INTO records (collection_id, device_id, seq, epoch, hash, "
                       "envelope, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.commit()
    db.close()


def _cli(profile_dir: Path, *argv: str) -> float:
    """Seconds a new ``fieldpad`` process takes for ``argv`` on ``profile_dir``."""
    pw = profile_dir.parent / f"{profile_dir.name}.pw"
    pw.write_text(PASSPHRASE + "\n")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tui", "--profile", str(profile_dir),
                           "--passphrase-file", str(pw), *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"fieldpad {' '.join(argv)} failed: {done.stderr[-2000:]}")
    return elapsed


def _cold_pull(root: Path, server: Server, lead: Dev) -> Line:
    """A new device's first pull of the lead's 1,000 notes as ``fieldpad sync`` in a new
    process, past what a new process takes to unlock an empty profile with the same KDF
    (``fieldpad note list`` on it): the process start, imports and unlock are the floor."""
    cold = Dev(root, "cold", server, "lead")
    cold.join(lead.invite("lead", inspection="Bench"))
    cold.session.set_setting("server", server.url)
    lead.sync()  # the lead's device checks the proof and wraps the keys for it
    cold.session.lock()
    cold.profile.close()
    empty = Profile(root / "empty")
    empty.init(PASSPHRASE, KdfParams.floor(), author="E")[0].lock()
    empty.close()
    _cli(root / "empty", "note", "list")  # warm-up: the OS file cache and .pyc files
    floor = median([_cli(root / "empty", "note", "list") for _ in range(3)])
    pull = _cli(root / "cold", "sync", "--quiet")
    readable = Profile(root / "cold").unlock(PASSPHRASE)
    n = len(readable.list_notes(readable.find_inspection("Bench")))
    readable.lock()
    past = pull - floor
    return Line("a new device's cold pull of 1,000 notes (fieldpad sync, new process)",
                f"{ms(pull)}, {ms(past)} past the floor", "≤ 600 ms past an empty unlock",
                f"cold `note list` of an empty profile {ms(floor)}; {n} notes readable",
                past <= 0.6 and n == 1000)


def _idle(dev: Dev, sink_url: str) -> list[Line]:
    """A sync of ``dev`` right after another device joined its team (the cold pull's): not
    idle, the rosters grew, so it fetches and verifies their new events; then syncs with
    nothing new on either side (DESIGN §9: one round trip, ≤ 50 ms). Until December 2026
    this bench timed only the first, as "nothing to do"."""
    t = time.perf_counter()
    grew = dev.sync()
    after_join = time.perf_counter() - t
    samples, trips = [], set()
    for _ in range(9):
        t = time.perf_counter()
        rep = dev.sync()
        samples.append(time.perf_counter() - t)
        trips.add(rep.requests)
        assert rep.ok and not (rep.up_records or rep.down_records), rep
    with httpx.Client() as raw:
        raw.post(sink_url, content=b"x")
        bare = median([_timed_post(raw, sink_url) for _ in range(9)])
    nothing = median(samples)
    return [
        Line("sync with nothing to do (median of 9)", f"{ms(nothing)}, "
             f"{'/'.join(map(str, sorted(trips)))} round trip", "≤ 50 ms, 1 round trip",
             f"bare POST {ms(bare)}", nothing <= 0.05 and trips == {1}),
        Line("sync after another device joined (roster events to verify)",
             f"{ms(after_join)}, {grew.requests} round trips", "—", f"bare POST {ms(bare)}"),
    ]


def _timed_post(raw: httpx.Client, url: str) -> float:
    t = time.perf_counter()
    raw.post(url, content=b"x")
    return time.perf_counter() - t


def _delta(big: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = Server(str(root / "server.db"))
        try:
            server.user("lead")
            server.user("bob")
            server.inspection("Bench", "lead")
            lead = Dev(root, "lead", server, "lead")
            lead.sync()
            bob = Dev(root, "bob", server, "bob")
            bob.join(lead.invite("bob", inspection="Bench"))
            lead.sync()
            bob.sync()
            if big:
                _bulk_other_records(server, big)
            samples = []
            for _ in range(5):
                _notes(lead, 10)
                lead.sync()
                t = time.perf_counter()
                rep = bob.sync()
                samples.append(time.perf_counter() - t)
                assert rep.down_records == 10, rep
            return median(samples)
        finally:
            server.close()


def run() -> list[tuple[str, ...]]:
    lines: list[Line] = []
    sink, sink_url = _sink()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            server = Server(str(root / "server.db"))
            try:
                server.user("lead")
                server.inspection("Bench", "lead")
                lead = Dev(root, "lead", server, "lead")
                lead.sync()
                _notes(lead, 1000)
                envs = [r.envelope for batch in __import__("store._replica", fromlist=["x"])
                        .Replica(lead.session).unpushed() for r in batch]
                t = time.perf_counter()
                rep = lead.sync()
                push = time.perf_counter() - t
                assert rep.up_records == 1000
                body = sum(len(e) for e in envs)
                from sync._framing import encode_frames

                payload = encode_frames(envs)
                with httpx.Client() as raw:
                    t = time.perf_counter()
                    for i in range(0, len(envs), 500):
                        raw.post(sink_url, content=encode_frames(envs[i:i + 500]))
                    floor = time.perf_counter() - t
                lines.append(Line("push 1,000 new 2 KB notes (loopback)", ms(push), "≤ 2000 ms",
                                  f"bare POST of the same bytes {ms(floor)}", push <= 2.0))
                ratio = (rep.wire_sent + rep.wire_received) / body
                lines.append(Line("bytes on the wire for that batch", f"{ratio:.3f} × envelopes",
                                  "≤ 1.10 ×", f"framing alone {len(payload) / body:.3f} ×",
                                  ratio <= 1.10))
                # a new device of the same user pulls everything
                second = Dev(root, "spare", server, "lead")
                second.join(lead.invite("lead", inspection="Bench"))
                lead.sync()    # the first device checks the proof and wraps the keys for it
                t = time.perf_counter()
                rep2 = second.sync()
                pull = time.perf_counter() - t
                readable = len(second.session.list_notes(second.session.find_inspection("Bench")))
                lines.append(Line("first pull of 1,000 notes on a new device, all readable",
                                  ms(pull), "≤ 1500 ms", f"{rep2.down_records} records, "
                                  f"{readable} notes readable", pull <= 1.5 and readable == 1000))
                lines.append(_cold_pull(root, server, lead))
                lines += _idle(second, sink_url)
                # 10,000 notes
                _notes(lead, 9000)
                lead.sync()
                third = Dev(root, "third", server, "lead")
                third.join(lead.invite("lead", inspection="Bench"))
                lead.sync()
                t = time.perf_counter()
                rep3 = third.sync()
                pull10 = time.perf_counter() - t
                lines.append(Line("first pull of 10,000 notes on a new device", ms(pull10),
                                  "≤ 2000 ms", f"{rep3.down_records} records", pull10 <= 2))
                third.sync()  # the settling sync: marks merged revisions, if any, sent
                samples = []
                for _ in range(5):
                    t = time.perf_counter()
                    idle10 = third.sync()
                    samples.append(time.perf_counter() - t)
                nothing10 = median(samples)
                lines.append(Line("sync with nothing to do, 10,000 notes (median of 5)",
                                  f"{ms(nothing10)}, {idle10.requests} round trip",
                                  "≤ 50 ms, 1 round trip", "the same with 1,000 above",
                                  nothing10 <= 0.05 and idle10.requests == 1))
            finally:
                server.close()
    finally:
        sink.terminate()
        sink.wait()
    small, big = _delta(0), _delta(1_000_000)
    lines.append(Line("10-note delta, 1,000,000 other records on the server", ms(big),
                      "≤ 2 × the same with few", f"with few records {ms(small)}",
                      big <= 2 * small))
    return [line.row() for line in lines]


if __name__ == "__main__":
    from tests.bench._table import print_table

    print_table(run())
