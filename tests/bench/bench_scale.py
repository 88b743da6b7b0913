"""The scale table of issue 16: how a profile of 1,000 / 10,000 / 50,000 notes opens, lists,
searches and sits on disk, each figure beside a floor measured in the same run.

Every profile is built with the floor KDF, so what is measured is fieldpad, not Argon2. The
profiles are built once per run through the session API (one transaction, no CLI calls) and
kept under a temporary directory until the run ends.

``FIELDPAD_BENCH_SCALE=1k,10k`` limits the sizes (default: all three), so the table can be had
in a minute. Other suites add rows to the same table by defining ``scale_rows()`` (see
``tests/bench/__main__.py``).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from store import KdfParams, Profile, Session, unlock_vault

from ._table import Line, median, ms, pct, timed
from .bench_store import PASSPHRASE, WORDS, text

ROOT = Path(__file__).parents[2]
SIZES = {"1k": 1_000, "10k": 10_000, "20k": 20_000, "50k": 50_000}
DEFAULT = "1k,10k,50k"
BODY = 2_000  # bytes of body per note, as in the figures
REPEAT = 3

_TMP: Path | None = None
_BUILT: dict[int, tuple[Path, int]] = {}  # notes -> (profile dir, plaintext bytes)


def sizes() -> list[int]:
    """The sizes asked for by ``FIELDPAD_BENCH_SCALE`` (``1k,10k``), default 1k, 10k, 50k."""
    names = [s.strip() for s in os.environ.get("FIELDPAD_BENCH_SCALE", DEFAULT).split(",")
             if s.strip()]
    unknown = [s for s in names if s not in SIZES]
    if unknown:
        raise SystemExit(f"FIELDPAD_BENCH_SCALE: unknown size(s) {unknown}; use "
                         f"{', '.join(SIZES)}")
    return [SIZES[s] for s in names]


def _tmp() -> Path:
    global _TMP
    if _TMP is None:
        _TMP = Path(tempfile.mkdtemp(prefix="fieldpad-bench-scale-"))
        atexit.register(shutil.rmtree, _TMP, True)
    return _TMP


def profile_of(n: int) -> tuple[Path, int]:
    """A profile of ``n`` notes of ~2 KB (built once per run) and the plaintext bytes it holds
    (titles, bodies and tags as UTF-8)."""
    if n not in _BUILT:
        directory = _tmp() / f"p{n}"
        rng = random.Random(7)
        profile = Profile(directory)
        session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author="AI")
        ins = session.find_inspection(None)
        plain = 0
        with session.db.atomic():  # the bulk path: one transaction, the session API
            for i in range(n):
                title, body, tag = f"Note {i} {text(rng, 40)}", text(rng, BODY), f"S{1 + i % 4}"
                session.create(ins, "note", title, body, tags=[tag])
                plain += len(title.encode()) + len(body.encode()) + len(tag)
        session.lock()
        profile.close()
        _BUILT[n] = directory, plain
    return _BUILT[n]


def _empty() -> Path:
    return profile_of(0)[0]


def _disk_bytes(directory: Path) -> int:
    profile = Profile(directory)
    profile.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    profile.close()
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


# -- in-process open + list --------------------------------------------------------------------
def _open_list(directory: Path) -> tuple[float, float, int]:
    """(KDF seconds, open + list seconds past the KDF, notes listed); the session is locked."""
    profile = Profile(directory)
    t = time.perf_counter()
    keys = unlock_vault(profile.db, PASSPHRASE)
    kdf = time.perf_counter() - t
    t = time.perf_counter()
    session = Session(profile.db, keys, profile.device_id)
    listed = len(session.list_notes())
    opened = time.perf_counter() - t
    session.lock()
    profile.close()
    return kdf, opened, listed


def bench_open(n: int) -> list[Line]:
    directory, _ = profile_of(n)
    _open_list(directory)  # warm: the OS file cache
    runs = [_open_list(directory) for _ in range(REPEAT)]
    floor = median([_open_list(_empty())[1] for _ in range(REPEAT)])
    if runs[0][2] != n:
        raise RuntimeError(f"open + list gave {runs[0][2]} notes, expected {n}")
    opened = median([r[1] for r in runs])
    return [Line(f"{n:>6,} notes: open + list, past the KDF (median of {REPEAT})", ms(opened),
                 "≤ floor + 1000 ms", f"empty profile {ms(floor)}", opened <= floor + 1.0)]


# -- a cold CLI process ------------------------------------------------------------------------
#: ``fieldpad`` as its console script runs it, reporting on stderr its peak RSS (VmHWM, which an
#: exec resets, unlike ru_maxrss, which would count the forked benchmark's own memory) and its
#: RSS at exit (VmRSS). The peak is the floor KDF's 64 MiB Argon2 block plus the imports, the
#: same for an empty profile and 10,000 notes, since the notes are read after that block is
#: freed; what the notes cost shows in the RSS at exit.
CLI = """
import atexit, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith(("VmHWM:", "VmRSS:")):
            sys.stderr.write(line.split()[0][:-1] + " " + line.split()[1] + "\\n")
atexit.register(rss)
from tui.cli import run
sys.argv[0] = "fieldpad"
run()
"""


def _cli(directory: Path, *argv: str) -> tuple[float, int, int, bytes]:
    """(seconds, peak RSS and RSS at exit in KiB, stdout) of ``fieldpad --profile DIR ...
    argv`` run cold."""
    secret = _tmp() / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CLI, "--profile", str(directory),
                           "--passphrase-file", str(secret), *argv], cwd=ROOT,
                          capture_output=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"fieldpad {' '.join(argv)} exited {done.returncode}: "
                           f"{done.stderr[-2000:]!r}")

    def kib(name: str) -> int:
        seen = [int(line.split()[1]) for line in done.stderr.decode().splitlines()
                if line.startswith(name + " ")]
        if not seen:
            raise RuntimeError(f"fieldpad {' '.join(argv)} did not report its {name}")
        return seen[-1]

    return elapsed, kib("VmHWM"), kib("VmRSS"), done.stdout


def bench_cli(n: int) -> list[Line]:
    import json

    directory, _ = profile_of(n)
    _cli(directory, "note", "list", "--json")  # warm: .pyc files, the OS file cache
    _cli(_empty(), "note", "list", "--json")
    runs, floors = [], []
    for _ in range(REPEAT):  # interleaved so that drift hits both alike
        runs.append(_cli(directory, "note", "list", "--json"))
        floors.append(_cli(_empty(), "note", "list", "--json"))
    listed = len(json.loads(runs[0][3]))
    if listed != n:
        raise RuntimeError(f"note list --json listed {listed} notes, expected {n}")
    took, floor = median([r[0] for r in runs]), median([f[0] for f in floors])
    peak, peak_floor = median([r[1] for r in runs]), median([f[1] for f in floors])
    rss, rss_floor = median([r[2] for r in runs]), median([f[2] for f in floors])
    return [
        Line(f"{n:>6,} notes: cold `note list --json` (median of {REPEAT})", ms(took),
             f"≤ floor + 500 ms = {ms(floor + 0.5)}", f"empty profile {ms(floor)}",
             took <= floor + 0.5),
        Line(f"{n:>6,} notes: peak RSS of that process (the KDF's 64 MiB in it)",
             f"{peak / 1024:.0f} MiB", "", f"empty profile {peak_floor / 1024:.0f} MiB", None),
        Line(f"{n:>6,} notes: RSS of that process at exit, after the list",
             f"{rss / 1024:.0f} MiB", "", f"empty profile {rss_floor / 1024:.0f} MiB", None),
    ]


# -- search ------------------------------------------------------------------------------------
def bench_search(n: int) -> list[Line]:
    directory, _ = profile_of(n)
    profile = Profile(directory)
    session = profile.unlock(PASSPHRASE)
    t = time.perf_counter()
    session.search("referral")  # the first search builds the index
    first = time.perf_counter() - t
    rng = random.Random(3)
    queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3)))[: rng.randint(3, 30)]
               for _ in range(300)]
    samples = [timed(lambda q=q: session.search(q), 1)[0] for q in queries]
    raw = session.search_index._db
    floor = [timed(lambda q=q: raw.execute(
        "SELECT rowid FROM fts WHERE fts MATCH ? LIMIT 200", (f'"{q.split()[0]}"*',)
    ).fetchall(), 1)[0] for q in queries]
    session.lock()
    profile.close()
    p95 = pct(samples, 95)
    return [Line(f"{n:>6,} notes: search p95 of 300", ms(p95), "≤ 10 ms",
                 f"raw FTS5 one-word p95 {ms(pct(floor, 95))}", p95 <= 0.010),
            Line(f"{n:>6,} notes:   … the first search (builds the index)", ms(first), "", "",
                 None)]


# -- the app: unlock to a listed workspace -----------------------------------------------------
def _tui_unlock(directory: Path) -> tuple[float, int]:
    """Seconds from Enter on the passphrase to the workspace's list with rows (or, for an
    empty profile, the workspace shown) painted, through the inspections list (Enter on it as
    soon as it is painted); and the rows. Keys go in as the terminal driver sends them:
    ``pilot.press`` would wait up to a second per key for the process to look idle, and the
    background search build keeps it busy (see ``bench_tui.press_now``)."""
    from textual.widgets import DataTable, Input

    from tui.app import FieldpadApp
    from tui.screens.inspections import InspectionsScreen
    from tui.screens.workspace import WorkspaceScreen
    from tui.widgets.note_list import NoteList

    from .bench_tui import SIZE, _mounted_input, painted, press_now, wait_for

    def inspections(app: FieldpadApp) -> bool:
        return isinstance(app.screen, InspectionsScreen) and app.screen.is_mounted and \
            app.screen.query_one(DataTable).row_count > 0

    def listed(app: FieldpadApp, want_rows: bool) -> bool:
        if not isinstance(app.screen, WorkspaceScreen):
            return False
        lists = app.screen.query(NoteList)
        return bool(lists) and lists.first().is_mounted and (
            not want_rows or len(lists.first().notes) > 0)

    async def measure() -> tuple[float, int]:
        app = FieldpadApp(directory, idle_lock_seconds=3600)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: _mounted_input(app, "#secret"), "the unlock prompt")
            secret = app.screen.query_one("#secret", Input)
            secret.focus()
            secret.value = PASSPHRASE
            await pilot.pause()
            t = time.perf_counter()
            press_now(app, "enter")
            await painted(pilot, lambda: inspections(app), "the inspections list after "
                          "unlocking", 120)
            press_now(app, "enter")  # the only inspection, "Notebook"
            empty = directory == _empty()
            await painted(pilot, lambda: listed(app, not empty), "the workspace's list", 120)
            elapsed = time.perf_counter() - t
            rows = len(app.screen.query_one(NoteList).notes)
            if app.session is not None:
                app.session.lock()
        return elapsed, rows

    return asyncio.run(measure())


def bench_tui(n: int) -> list[Line]:
    directory, _ = profile_of(n)
    _tui_unlock(directory)  # warm: imports, CSS, the OS file cache
    runs = [_tui_unlock(directory) for _ in range(REPEAT)]
    floor = median([_tui_unlock(_empty())[0] for _ in range(REPEAT)])
    if runs[0][1] != n:
        raise RuntimeError(f"the workspace listed {runs[0][1]} notes, expected {n}")
    took = median([r[0] for r in runs])
    return [Line(f"{n:>6,} notes: app, Enter on the passphrase to a listed workspace",
                 ms(took), f"≤ floor + 1000 ms = {ms(floor + 1.0)}", f"empty profile {ms(floor)}",
                 took <= floor + 1.0)]


# -- disk --------------------------------------------------------------------------------------
def bench_disk(n: int) -> list[Line]:
    directory, plain = profile_of(n)
    ratio = _disk_bytes(directory) / plain
    return [Line(f"{n:>6,} notes: profile bytes per plaintext byte", f"{ratio:.2f}×", "≤ 1.3×",
                 f"plaintext {plain / 1e6:.1f} MB", ratio <= 1.3)]


def lines() -> list[Line]:
    out: list[Line] = []
    for n in sizes():
        print(f"  scale: {n:,} notes …", file=sys.stderr, flush=True)
        out += bench_open(n) + bench_cli(n) + bench_search(n) + bench_tui(n) + bench_disk(n)
    return out


def run() -> list[tuple[str, ...]]:
    """The rows of the scale table (printed after the main table by ``make bench``)."""
    return [line.row() for line in lines()]


if __name__ == "__main__":
    from ._table import print_table

    print_table(run())
