"""``fieldpad demo`` (and ``make demo``): the whole product in one command.

A throwaway folder gets a sync server on loopback (a real ``fieldpad serve`` process), a demo
inspection, three simulated team members on their own encrypted profiles who write notes and
sync them through the server, and your own profile, enrolled and synced. Then the app opens on
your profile. The passphrase is shown because everything is deleted when you quit.

Without a terminal (``make demo`` in a pipe) it runs the same set-up and prints a scripted walk
through the command line instead of opening the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PASSPHRASE = "correct horse battery staple"
INSPECTION = "Northshire 2026"

NOTES = {
    "AI": [
        ("focus_group", "Health visitors focus group",
         "Staff described long waits for initial referral discussions in the north of the "
         "area; two teams had their own workaround.\n\nManagers were aware and had raised it.",
         {"number_attending": 7, "agencies": ["health"]}, ["S1", "status:uncertainty"]),
        ("interview", "Parent meeting, family C",
         "They felt listened to by the social worker but not by school.\nThe plan was "
         "explained to them in a way they understood.",
         {"participant_type": "parent or carer", "agreement_obtained": True}, ["S3", "strength"]),
    ],
    "LR2": [
        ("record_review", "Record review R-017",
         "Chronology not kept up to date; the child's views recorded at each review.",
         {"pseudonym": "R-017", "agencies": ["social work", "health", "education"],
          "initial_response_grade": "good", "chronology_grade": "weak",
          "chronology_rationale": "Not updated since March; key events missing.",
          "views_of_child_grade": "very good"}, ["S2", "afd"]),
        ("record_review", "Record review R-022",
         "Strong multi-agency working around the planning meeting.",
         {"pseudonym": "R-022", "multi_agency_grade": "very good", "outcomes_grade": "good"},
         ["S2", "strength"]),
    ],
    "HV": [
        ("good_practice", "Joint visits by health and social work",
         "Duty social workers and health visitors visit together within 48 hours.",
         {"description": "Joint visits within 48 hours of a referral.", "statement": "1"},
         ["S1", "strength"]),
        ("observation", "Initial referral discussion",
         "Police, health and social work present; decision recorded with reasons.",
         {"process": "initial referral discussion"}, ["S1", "status:nsc"]),
    ],
}


def _start_server(db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "serve", "--db", str(db), "--port", "0",
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError("the demo server did not start")
    return proc, line.split()[-1]


def _device(root: Path, name: str, url: str, code: str):  # noqa: ANN202
    from store import KdfParams, Profile
    from sync.client import SyncClient

    profile = Profile(root / name)
    session, _ = profile.init(PASSPHRASE, KdfParams.floor(), author=name)
    session.set_setting("server", url)
    keys = session.keys.device
    with SyncClient(url, session.device_id, None) as c:
        user = c.enrol(code, keys.sign_pub, keys.kx_pub)["user"]
    session.rosters.set_user(user)
    return profile, session


def _sync(session) -> None:  # noqa: ANN001
    from sync.client import client_for, sync

    with client_for(session) as c:
        sync(session, c)


def build(root: Path, say=print) -> tuple[subprocess.Popen, Path]:  # noqa: ANN001
    """Server, inspection, three members with notes, and your synced profile under ``root``."""
    from sync.server import (
        new_code,  # the same codes the admin command prints
        open_storage,
    )

    db = root / "server.db"
    storage = open_storage(str(db))
    storage.migrate()
    now = time.time()

    def invite(user: str) -> str:
        code, code_id, secret_hash = new_code()
        storage.add_invite(user, code_id, secret_hash, time.time(), time.time() + 900)
        return code

    for user in ("you", "ai", "lr2", "hv"):
        storage.add_user(user, now)
    storage.add_inspection(os.urandom(16), INSPECTION, "you", now)
    server, url = _start_server(db)
    say(f"demo server listening on {url}")
    you_profile, you = _device(root, "you", url, invite("you"))
    _sync(you)  # as the lead's first device: creates the inspection's collections and keys
    from sync.client import Team, client_for, join

    members = {}
    with client_for(you) as c:
        lead = Team(you, c, you.find_inspection(INSPECTION))
        for user in ("ai", "lr2", "hv"):
            code = lead.invite(user)  # given in person in real life
            members[user.upper()] = _device(root, user, url, invite(user))
            with client_for(members[user.upper()][1]) as mc:
                join(members[user.upper()][1], mc, code)
    _sync(you)  # checks each device's proof, adds it to the signed roster, wraps the keys
    for author, notes in NOTES.items():
        profile, session = members[author]
        _sync(session)
        ins = session.find_inspection(INSPECTION)
        for kind, title, body, fields, tags in notes:
            session.create(ins, kind, title, body, fields, tags)
        _sync(session)
        say(f"{author} wrote {len(notes)} notes and synced")
        session.lock()
        profile.close()
    _sync(you)
    you.lock()
    you_profile.close()
    storage.close()
    return server, root / "you"


def run(main: Callable[[list[str]], int]) -> int:
    """Build the demo, then open ``main`` (the ``fieldpad`` command) on its profile."""
    with tempfile.TemporaryDirectory(prefix="fieldpad-demo-") as tmp:
        root = Path(tmp)
        print("Setting up a demo: a sync server on this machine and three team members…")
        server, profile = build(root)
        try:
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                return _scripted(main, profile, root)
            print(f"\nYour demo passphrase: {PASSPHRASE}\n(shown only because this profile is "
                  "thrown away when you quit)\n")
            input("Press Enter to open fieldpad… ")
            return main(["--profile", str(profile)])
        finally:
            server.terminate()
            server.wait(timeout=10)


def _scripted(main: Callable[[list[str]], int], profile: Path, root: Path) -> int:
    """No terminal for the app: show the same profile through the command line."""
    secret = root / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    common = ["--profile", str(profile)]
    unlock = ["--passphrase-file", str(secret)]
    for title, argv in (
        ("The inspections on this device", ["inspection", "list"]),
        ("Notes the team synced", ["note", "list", "--inspection", INSPECTION]),
        ("Search (the index lives in memory only)", ["note", "list", "--search", "referral"]),
        ("The evidence matrix", ["evidence", INSPECTION]),
        ("The signed team roster: compare fingerprints in person", ["team", "list"]),
        ("Sync again: nothing to do", ["sync"]),
        ("Check every record, chain and signature", ["doctor"]),
    ):
        print(f"\n\033[1m── {title}\033[0m\n$ fieldpad {' '.join(argv)}", flush=True)
        code = main([*common, *argv, *unlock])
        if code:
            return code
    print("\nRun `make demo` in a terminal to open the full-screen app on this profile.")
    return 0

