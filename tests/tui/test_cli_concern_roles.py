"""The lead's part of a concern by role, outside the form (issue 12): ``fieldpad concern list``
(text and --json) on a member's device says only that a concern is with the lead, and
recording a lead's step (``fieldpad concern step`` and ``store.inspection.record_step``) is
refused on a member's device with nothing changed. The rosters are real signed rosters (as in
test_app_team); the CLI runs in process through ``main`` (its exit codes included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store import PassageTag, Profile, Session
from store.inspection import LEAD_FIELDS, record_step
from store.team import NotALead
from tests.conftest import PASSPHRASE
from tests.store.test_export import all_bytes
from tui.cli._common import EXIT_ERROR
from tui.cli._main import main

from .test_app_concern_roles import DECIDED, _concern
from .test_app_team import add_team, fixed_profile


def _run(profile: Profile, session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str],
         *argv: str) -> tuple[int, str, str]:
    """``fieldpad ARGV`` on the profile (the test's session locked and closed first)."""
    if not session.locked:
        session.lock()
        profile.close()
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n")
    code = main([*argv, "--profile", str(profile.directory), "--passphrase-file", str(secret)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _reopen(profile: Profile) -> Session:
    return Profile(profile.directory).unlock(PASSPHRASE)


@pytest.mark.parametrize("lead", [False, True])
def test_concern_list_by_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str], lead: bool) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=lead)
    note_id = _concern(session, ins, **DECIDED)
    code, text, _ = _run(profile, session, tmp_path, capsys, "concern", "list")
    assert code == 0 and note_id[:8] in text and "routine" in text
    code, raw, _ = _run(profile, session, tmp_path, capsys, "concern", "list", "--json")
    assert code == 0
    (row,) = json.loads(raw)
    assert row["id"] == note_id and row["immediacy"] == "routine"
    if lead:
        assert "refer to partnership" in text and "referred" in text
        assert row["decision"] == "refer to partnership" and row["referred"] is True
        assert row["status"] == "referred"
        assert {s["step"] for s in row["steps"]} == {"raised", "decision", "referral"}
    else:
        assert "refer to partnership" not in text and "referred" not in text
        assert "with the lead" in text
        assert "refer to partnership" not in raw and "Risk is current" not in raw
        assert "Service manager" not in raw and "phone" not in raw
        assert row["status"] == "with the lead"
        assert "decision" not in row and "referred" not in row
        assert [s["step"] for s in row["steps"]] == ["raised"]


@pytest.mark.parametrize("step,fields", [
    ("decision", ["decision=no further action", "decision_rationale=Seen at school."]),
    ("referral", ["partner_lead_contacted=Duty team", "referral_method=email"]),
    ("closed", []),
])
def test_a_members_concern_step_is_refused_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        step: str, fields: list[str]) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins, decision="refer to partnership",
                       decision_rationale="Risk is current.")
    before = session.get(note_id)
    args = [a for f in fields for a in ("--field", f)]
    code, text, err = _run(profile, session, tmp_path, capsys, "concern", "step",
                           note_id[:8], step, *args)
    assert code == EXIT_ERROR and not text
    assert "only a lead of this inspection records" in err and "ask bo" in err
    again = _reopen(profile)
    try:
        after = again.get(note_id)
        assert after.rev == before.rev and after.fields == before.fields
        assert len(again.history(note_id)) == 1
    finally:
        again.lock()


def test_the_store_refuses_a_members_step(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins)
    before = session.get(note_id)
    with pytest.raises(NotALead, match="only a lead of this inspection records a decision; "
                                       "ask bo"):
        record_step(session, note_id, "decision", {"decision": "no further action",
                                                   "decision_rationale": "Seen."})
    after = session.get(note_id)
    assert after.rev == before.rev and not set(LEAD_FIELDS) & set(after.fields)
    profile.close()


def test_a_lead_and_a_local_notebook_record_steps(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    for ins in (add_team(session, lead=True), session.add_inspection("Local 2026")):
        note_id = _concern(session, ins)
        note = record_step(session, note_id, "decision", {"decision": "no further action",
                                                          "decision_rationale": "Seen."})
        assert note.fields["decision"] == "no further action"
    profile.close()


@pytest.mark.parametrize("lead", [False, True])
@pytest.mark.parametrize("fmt", ["md", "csv", "docx"])
def test_an_export_by_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lead: bool,
                           fmt: str) -> None:
    """An export on a member's device writes a concern's raiser's part only: not the decision,
    its rationale (nor a passage tagged in it), the referral or the steps after the raising.
    A lead's export writes them. (The store's export, which ``fieldpad export`` and the app's
    export screen call: a member's own signed copy of the inspection's details is not taken
    back from disk, so the CLI cannot name this test roster's inspection.)"""
    from store.inspection import export_inspection

    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=lead)
    note_id = _concern(session, ins, **DECIDED)
    rationale = session.get(note_id).fields["decision_rationale"]
    session.save(note_id, passages=[PassageTag(0, len(rationale), "S1",
                                               field="decision_rationale")])
    paths = export_inspection(session, ins, fmt, tmp_path / "out")
    profile.close()
    written = all_bytes(paths).decode("utf-8", "replace")
    assert "No home visit since March." in written
    leads = ["refer to partnership", "Risk is current", "Service manager", "referral:"]
    if lead:
        assert all(text in written for text in leads[:3])
    else:
        assert not [text for text in leads if text in written]


def test_note_show_json_of_a_members_concern_leaves_out_all_of_the_leads_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Not only ``fields``: a passage tagged in the rationale and a rationale kept from a
    concurrent edit are the lead's part too; the raiser's own passage stays."""
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins, **DECIDED)
    rationale = session.get(note_id).fields["decision_rationale"]
    session.save(note_id, passages=[PassageTag(0, len(rationale), "S1",
                                               field="decision_rationale"),
                                    PassageTag(0, 7, "S2", field="nature")],
                 kept={"fields.decision_rationale": ["Risk was past."]})
    code, raw, err = _run(profile, session, tmp_path, capsys, "note", "show", note_id, "--json")
    assert code == 0, err
    data = json.loads(raw)
    assert data["fields"]["nature"] == "No home visit since March."
    assert [(p["field"], p["tag"]) for p in data["passages"]] == [("nature", "S2")]
    assert "Risk" not in raw and not data["kept"]
    code, text, err = _run(profile, session, tmp_path, capsys, "note", "show", note_id)
    assert code == 0 and "Risk" not in text and "nature: No home visit" in text


def test_note_diff_of_a_members_concern_leaves_out_the_leads_part(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    profile, session = fixed_profile(tmp_path, monkeypatch)
    ins = add_team(session, lead=False)
    note_id = _concern(session, ins)
    session.save(note_id, fields={**session.get(note_id).fields, **DECIDED,
                                  "nature": "No home visit since May."})
    code, text, err = _run(profile, session, tmp_path, capsys, "note", "diff", note_id)
    assert code == 0, err
    assert "May" in text and "Risk" not in text and "partnership" not in text
    code, raw, err = _run(profile, session, tmp_path, capsys, "note", "diff", note_id, "--json")
    assert code == 0, err
    assert [c["field"] for c in json.loads(raw)["changes"]] == ["nature"]
