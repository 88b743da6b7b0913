"""``fieldpad review``, ``fieldpad concern`` and ``note concern`` / ``note show`` of a sealed
field, end to end in subprocesses (unlocking with --passphrase-file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.test_cli import Cli

# each test runs fieldpad as subprocesses (a Python start-up and an unlock per call)
pytestmark = pytest.mark.slow

SEALED = "CHI-0101011234"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path)
    c("init", "--author", "AI", "--kdf-memory-mib", "64")
    return c


def _review(cli: Cli, pseudonym: str, *fields: str) -> str:
    args = ["note", "add", "--kind", "record_review", "--title", f"Record review {pseudonym}",
            "--field", f"pseudonym={pseudonym}"]
    for f in fields:
        args += ["--field", f]
    return cli(*args).stdout.strip()


def test_review_summary_and_moderation(cli: Cli) -> None:
    r17 = _review(cli, "R-017", "chronology_grade=weak", "outcomes_grade=good")
    _review(cli, "R-018", "chronology_grade=weak")
    table = cli("review", "summary").stdout.splitlines()
    assert "2 reviews · 2 not yet moderated, 0 agreed, 0 amended" in table[0]
    chronology = next(line for line in table if line.startswith("Chronology"))
    assert chronology.split()[1:] == ["0", "0", "0", "0", "2", "0", "2"]
    r = cli("review", "moderate", r17, "--amend", code=2)
    assert "needs moderation notes" in r.stderr
    r = cli("review", "moderate", r17, "--agree", "--grade", "chronology=good", code=2)
    assert "Agreeing changes no grades" in r.stderr
    cli("review", "moderate", r17, code=2)  # --agree or --amend is required
    r = cli("review", "moderate", r17[:8], "--amend", "--notes", "Chronology updated in May",
            "--grade", "chronology=adequate")
    assert r.stdout.strip() == f"{r17[:8]}: amended (1 grade changed)"
    data = json.loads(cli("review", "summary", "--inspection", "Notebook", "--json").stdout)
    assert data["reviews"] == 2 and data["moderation"] == {
        "not yet moderated": 1, "agreed": 0, "amended": 1}
    item = next(i for i in data["items"] if i["item"] == "chronology")
    assert item["counts"]["weak"] == 1 and item["counts"]["adequate"] == 1
    assert item["moderation"]["amended"] == 1
    shown = json.loads(cli("note", "show", r17, "--json").stdout)
    assert shown["fields"]["moderation_notes"] == "Chronology updated in May"


def test_raise_a_concern_and_record_each_step(cli: Cli) -> None:
    r17 = _review(cli, "R-017")
    cid = cli("note", "concern", r17[:8], "--nature", "no recent home visit",
              "--immediacy", "immediate", "--field", f"child_identifier={SEALED}"
              ).stdout.strip()
    assert len(cid) == 32
    shown = json.loads(cli("note", "show", cid, "--json").stdout)
    assert shown["fields"]["linked_note"] == r17 and shown["title"].startswith("Concern from")
    [row] = json.loads(cli("concern", "list", "--json").stdout)
    assert row["id"] == cid and row["decision"] == "" and not row["referred"]
    assert [s["step"] for s in row["steps"]] == ["raised"] and row["steps"][0]["recorded_by"]
    r = cli("concern", "step", cid, "closed", code=2)
    assert "decision before closing" in r.stderr
    r = cli("concern", "step", cid, "decision", "--field", "decision=refer to partnership",
            "--field", "decision_rationale=risk today")
    assert "decision recorded at" in r.stdout and "signed by AI (device " in r.stdout
    cli("concern", "step", cid, "referral", "--field", "partner_lead_contacted=CSWO",
        "--field", "referral_method=phone", "--field", "referral_reference=CP-118")
    [row] = json.loads(cli("concern", "list", "--json").stdout)
    assert row["decision"] == "refer to partnership" and row["referred"]
    steps = {s["step"]: s for s in row["steps"]}
    assert set(steps) == {"raised", "decision", "referral"}
    for s in steps.values():
        assert s["at"] and s["recorded_at"] and s["recorded_by"] == "AI" and len(s["device"]) == 32
    assert "CP-118" in steps["referral"]["details"]
    text = cli("concern", "list").stdout
    assert cid[:8] in text and "refer to partnership" in text and "referred" in text
    cli("concern", "step", cid, "closed")
    assert json.loads(cli("concern", "list", "--json").stdout) == []
    assert "No open concerns." in cli("concern", "list").stdout
    r = cli("concern", "step", cid, "decision", "--field", "referral_method=phone", code=2)
    assert "not part of the decision step" in r.stderr


def test_note_show_hides_a_sealed_field_unless_revealed(cli: Cli) -> None:
    cid = cli("note", "add", "--kind", "concern", "--title", "Concern from R-017",
              "--field", "raised_at=2026-03-14T09:41", "--field", "nature=bruising",
              "--field", "immediacy=immediate", "--field", f"child_identifier={SEALED}"
              ).stdout.strip()
    text = cli("note", "show", cid).stdout
    assert SEALED not in text
    assert "child_identifier: sealed for 1 lead device; this device can open it" in text
    raw = cli("note", "show", cid, "--json").stdout
    assert SEALED not in raw
    data = json.loads(raw)
    assert data["fields"]["child_identifier"].startswith("sealed:v1:")
    assert data["sealed"]["child_identifier"] == {"sealed": True, "recipients": 1,
                                                  "readable": True}
    assert SEALED not in cli("note", "list", "--json").stdout
    assert cli("note", "list", "--search", "0101011234", "--json").stdout.strip() == "[]"
    revealed = cli("note", "show", cid, "--reveal").stdout
    assert f"child_identifier: {SEALED}  (sealed for 1 lead device)" in revealed
    assert json.loads(cli("note", "show", cid, "--reveal", "--json").stdout)[
        "sealed"]["child_identifier"]["value"] == SEALED
    # editing another field keeps the seal; editing the identifier seals the new value
    cli("note", "edit", cid, "--field", "immediacy=routine")
    cli("note", "edit", cid, "--field", "child_identifier=CHI-0202")
    assert "CHI-0202  (sealed" in cli("note", "show", cid, "--reveal").stdout
    for f in cli.profile.iterdir():  # the database, -wal and -shm: no plaintext
        if f.is_file():
            data_bytes = f.read_bytes()
            assert SEALED.encode() not in data_bytes and b"CHI-0202" not in data_bytes


def test_a_reveal_is_recorded_in_the_audit_log(cli: Cli) -> None:
    cid = cli("note", "add", "--kind", "concern", "--title", "c",
              "--field", "raised_at=2026-03-14T09:41", "--field", "nature=n",
              "--field", "immediacy=routine", "--field", f"child_identifier={SEALED}"
              ).stdout.strip()
    cli("note", "show", cid, "--reveal")
    from store import Profile

    profile = Profile(cli.profile)
    session = profile.unlock(cli.secret.read_text().strip())
    try:
        events = session.audit_events(session.find_inspection(None))
        assert [(e["type"], e["details"]["note"], e["details"]["fields"]) for e in events] == [
            ("audit.reveal", cid, ["child_identifier"])]
    finally:
        session.lock()
        profile.close()


def test_uncertainty_list_assign_resolve(cli: Cli) -> None:
    unsure = cli("note", "add", "--kind", "note", "--title", "Waits for IRDs",
                 "--tag", "S1", "--tag", "status:uncertainty").stdout.strip()
    log = cli("note", "add", "--kind", "note", "--title", "IRD log", "--tag", "S1").stdout.strip()
    text = cli("uncertainty", "list").stdout
    assert "Waits for IRDs" in text and " open" in text
    cli("uncertainty", "assign", unsure[:8], "BK")
    r = cli("uncertainty", "resolve", unsure[:8], code=2)
    assert "--evidence" in r.stderr
    cli("uncertainty", "resolve", unsure[:8], "--evidence", log[:8], "--comment", "log checked")
    [row] = json.loads(cli("uncertainty", "list", "--json").stdout)
    assert (row["state"], row["assigned_to"], row["evidence"]) == ("resolved", "BK", [log])
    assert "resolved by IRD log" in cli("uncertainty", "list").stdout
    assert "assigned" in cli("uncertainty", "reopen", unsure[:8]).stdout
