"""``make demo``: a scripted walk through fieldpad on a throwaway profile.

Every step is a real ``fieldpad`` command run against a real encrypted profile in a temporary
directory, which is deleted at the end. The passphrase is shown because the profile is thrown
away; never do that with a real one.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

from .cli import main

PASSPHRASE = "correct horse battery staple"


def step(title: str, *argv: str) -> int:
    shown = " ".join(shlex.quote(a) for a in argv if not a.startswith("/"))
    print(f"\n\033[1m── {title}\033[0m\n$ fieldpad {shown}", flush=True)
    return main(list(argv))


def run() -> int:
    with tempfile.TemporaryDirectory(prefix="fieldpad-demo-") as tmp:
        base = Path(tmp)
        profile = str(base / "profile")
        secret = base / "passphrase"
        secret.write_text(PASSPHRASE + "\n")
        secret.chmod(0o600)
        unlock = ["--passphrase-file", str(secret)]
        common = ["--profile", profile]
        print(f"A throwaway profile, passphrase {PASSPHRASE!r} (demo only).")
        step("Create the vault (64 MiB Argon2id to keep the demo quick; the default is 256)",
             *common, "init", "--author", "AI", "--kdf-memory-mib", "64", *unlock)
        step("Add an inspection", *common, "inspection", "add", "Northshire 2026",
             "--partnership", "Northshire CPP", *unlock)
        body = base / "fg.md"
        body.write_text("Staff described long waits for initial referral discussions in the "
                        "north of the area; two teams had their own workaround.\n")
        step("Record a focus group", *common, "note", "add", "--inspection", "Northshire 2026",
             "--kind", "focus_group", "--title", "Health visitors focus group",
             "--body-file", str(body), "--field", "number_attending=7",
             "--tag", "S1", "--tag", "status:uncertainty", *unlock)
        step("Record a record review", *common, "note", "add", "--inspection",
             "Northshire 2026", "--kind", "record_review", "--title", "Record review R-017",
             "--field", "pseudonym=R-017", "--field", "chronology_grade=weak",
             "--field", "chronology_rationale=Chronology not updated since March",
             "--tag", "S2", *unlock)
        notes = base / "import"
        notes.mkdir()
        (notes / "walkround.md").write_text("# Walk round the duty team\n\nBusy but calm.\n")
        step("Import notes written elsewhere", *common, "note", "import", str(notes),
             "--inspection", "Northshire 2026", *unlock)
        step("List the notes", *common, "note", "list", "--inspection", "Northshire 2026",
             *unlock)
        step("Search them (the index lives in memory only)", *common, "note", "list",
             "--search", "referral", *unlock)
        step("Check every record, chain and signature", *common, "doctor", *unlock)
        print("\nNothing above was written to disk in the clear: the profile holds only "
              "envelopes.\nThe full-screen app comes with the terminal UI; the store is ready "
              "for it.")
    return 0


if __name__ == "__main__":
    sys.exit(run())
