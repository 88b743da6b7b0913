"""Store budgets of DESIGN §9, each with a floor measured in the same run."""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from store import KdfParams, Profile, Session, unlock_vault
from store.crypto import HEADER_LEN, SIG_LEN, encode_payload, pad, seal

from ._table import Line, median, ms, pct, timed

ROOT = Path(__file__).parents[2]
PASSPHRASE = "correct horse battery staple"
WORDS = ("referral risk chronology plan child family agency health education police social "
         "worker meeting review assessment support school nurse waiting duty team manager "
         "visit home parent carer views outcome legal measure continuity relationship "
         "discussion initial response planning protection looked after concern strength").split()


def _vocabulary() -> tuple[list[str], list[float]]:
    """Domain words plus the 2,048 BIP-39 words, Zipf-weighted like real prose."""
    from mnemonic import Mnemonic

    words = WORDS + [w for w in Mnemonic("english").wordlist if w not in WORDS]
    return words, [1 / (rank + 1) for rank in range(len(words))]


VOCAB, WEIGHTS = _vocabulary()
CUMULATIVE = list(itertools.accumulate(WEIGHTS))


def text(rng: random.Random, size: int) -> str:
    words = rng.choices(VOCAB, cum_weights=CUMULATIVE, k=size // 4)
    out = " ".join(words)
    while len(out) < size:
        out += " " + " ".join(rng.choices(VOCAB, cum_weights=CUMULATIVE, k=size // 8 + 1))
    return out[:size]


def bench_version() -> list[Line]:
    def run(argv: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - t

    exe = str(Path(sys.executable).parent / "fieldpad")
    run([exe, "--version"])
    v = median([run([exe, "--version"]) for _ in range(15)])
    floor = median([run([sys.executable, "-c", "pass"]) for _ in range(15)])
    return [Line("fieldpad --version (median of 15)", ms(v), "≤ 250 ms",
                 f"python -c pass {ms(floor)}", v <= 0.25)]


def build_profile(directory: Path, n: int, body_size: int = 2000) -> Profile:
    rng = random.Random(7)
    profile = Profile(directory)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
    ins = session.find_inspection(None)
    with session.db.atomic():
        for i in range(n):
            session.create(ins, "note", f"Note {i} {text(rng, 40)}", text(rng, body_size),
                           tags=[f"S{1 + i % 4}"])
    session.lock()
    return profile


def bench_unlock_and_search(n: int = 10_000) -> list[Line]:
    with tempfile.TemporaryDirectory() as tmp:
        profile = build_profile(Path(tmp) / "p", n)
        device = profile.device_id
        from store import _headcache

        _headcache.drop(profile.db)
        keys = unlock_vault(profile.db, PASSPHRASE)
        t = time.perf_counter()
        session = Session(profile.db, keys, device)
        cold = time.perf_counter() - t
        session.lock()  # seals the head cache, as every lock does
        keys = unlock_vault(profile.db, PASSPHRASE)
        t = time.perf_counter()
        session = Session(profile.db, keys, device)
        notes = session.list_notes()
        unlock = time.perf_counter() - t
        session.search("referral")  # the first search builds the index
        indexed = time.perf_counter() - t
        assert len(notes) == n
        envs = [r.envelope for r, _ in session.streams.head_records()]
        key = os.urandom(32)
        nonce = os.urandom(12)
        sealed = [AESGCM(key).encrypt(nonce, e[HEADER_LEN + 76:-SIG_LEN], None) for e in envs]
        t = time.perf_counter()
        for c in sealed:
            AESGCM(key).decrypt(nonce, c, None)
        floor = time.perf_counter() - t
        lines = [Line(f"unlock with {n:,} notes to a list (after the KDF)", ms(unlock), "≤ 1000 ms",
                      f"raw AES-GCM of the same bytes {ms(floor)}", unlock <= 1.0),
                 Line("  … the same without the head cache (first unlock)", ms(cold), "",
                      "", None),
                 Line("  … and the first search (it builds the index)", ms(indexed), "",
                      "", None)]
        rng = random.Random(3)
        queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3)))[: rng.randint(3, 30)]
                   for _ in range(300)]
        samples = [timed(lambda q=q: session.search(q), 1)[0] for q in queries]
        raw = session.search_index._db
        fl = [timed(lambda q=q: raw.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT 200", (f'"{q.split()[0]}"*',)
        ).fetchall(), 1)[0] for q in queries]
        lines.append(Line(f"search over {n:,} notes (p95 of 300)", ms(pct(samples, 95)),
                          "≤ 50 ms", f"raw FTS5 one-word query p95 {ms(pct(fl, 95))}",
                          pct(samples, 95) <= 0.05))
        session.lock()
        profile.close()
        return lines


def bench_autosave() -> list[Line]:
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        profile = build_profile(Path(tmp) / "p", 200)
        session = profile.unlock(PASSPHRASE)
        ins = session.find_inspection(None)
        note = session.create(ins, "interview", "Long interview", text(rng, 20_000),
                              {"agreement_obtained": True})
        bodies = [text(rng, 20_000) for _ in range(200)]
        it = iter(bodies)
        samples = timed(lambda: session.save(note.note_id, autosave=True, body=next(it)), 200)
        blob = os.urandom(len(seal_size_sample(bodies[0])))
        raw = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
        raw.execute("INSERT INTO t VALUES (1, ?)", (blob,))
        floor = timed(lambda: raw.execute("UPDATE t SET b = ? WHERE id = 1", (blob,)), 200)
        session.lock()
        profile.close()
    return [Line("autosave of a 20 KB note (p99 of 200)", ms(pct(samples, 99)), "≤ 15 ms",
                 f"raw SQLite update of the same size p99 {ms(pct(floor, 99))}",
                 pct(samples, 99) <= 0.015)]


def seal_size_sample(body: str) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from store import Header

    return seal(Header(bytes(16), bytes(16), 1, bytes(32), 1), {"body": body}, bytes(32),
                Ed25519PrivateKey.generate())


def bench_overhead() -> list[Line]:
    rng = random.Random(11)
    worst = 0
    for size in (10, 100, 500, 2000, 20_000):
        payload = {"type": "note.rev", "body": text(rng, size)}
        env = seal_size_sample(payload["body"])
        padded = len(pad(zlib.compress(encode_payload({"body": payload["body"]}), 6)))
        worst = max(worst, len(env) - padded)
    return [Line("envelope overhead (worst of 5 sizes)", f"{worst} B + padding",
                 "≤ 250 B + padding", "AES-GCM nonce + tag 28 B", worst <= 250)]


def run() -> list[tuple[str, ...]]:
    lines = bench_version() + bench_overhead() + bench_autosave() + bench_unlock_and_search()
    return [line.row() for line in lines]
