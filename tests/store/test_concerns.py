"""The concerns queue: open concerns oldest first with their age, and each concern's steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import DELETED, Session, ValidationFailed
from store.inspection import ConcernStep, concern_steps, concerns_queue, format_age
from tests.store.test_evidence import make_note

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def concern(raised_at: str | None, title: str = "c", state: str = "active", **fields):
    base = {"nature": "n", "immediacy": "immediate", **fields}
    if raised_at is not None:
        base["raised_at"] = raised_at
    note = make_note(kind="concern", title=title, state=state)
    note.fields = base
    return note


def test_queue_lists_open_concerns_oldest_first_with_age() -> None:
    late = concern("2026-03-14T10:00:00+00:00", "late")
    early = concern("2026-03-13T09:30:00+00:00", "early", decision="refer to partnership")
    closed = concern("2026-03-12T08:00:00+00:00", "closed", closed=True)
    gone = concern("2026-03-11T08:00:00+00:00", "gone", state=DELETED)
    other = make_note(("S1",), kind="note", title="not a concern")
    queue = concerns_queue([late, closed, other, early, gone], NOW)
    assert [q.note.title for q in queue] == ["early", "late"]
    assert queue[0].age == timedelta(hours=26, minutes=30) and queue[0].decided
    assert queue[0].decision == "refer to partnership" and not queue[0].referred
    assert queue[1].age == timedelta(hours=2) and not queue[1].decided
    assert queue[1].age_label == "2 h" and queue[0].age_label == "26 h"
    assert queue[1].immediacy == "immediate"


def test_referral_without_decision_and_unknown_raise_time() -> None:
    referred = concern("2026-03-14T11:00:00+01:00", referral_method="phone")
    no_time = concern(None, "no time")
    bad_time = concern("yesterday", "bad time")
    queue = concerns_queue([referred, no_time, bad_time], NOW)
    by_title = {q.note.title: q for q in queue}
    assert by_title["c"].referred and by_title["c"].age == timedelta(hours=2)
    for title in ("no time", "bad time"):
        assert not by_title[title].raised_at_known  # still shown, never hidden
        assert by_title[title].raised_at == by_title[title].note.updated


def test_future_raise_time_has_no_negative_age() -> None:
    [q] = concerns_queue([concern("2026-03-15T12:00:00+00:00")], NOW)
    assert q.age == timedelta(0) and q.age_label == "0 min"


def test_format_age() -> None:
    assert format_age(timedelta(minutes=59)) == "59 min"
    assert format_age(timedelta(hours=47)) == "47 h"
    assert format_age(timedelta(days=3, hours=5)) == "3 d"


def test_steps_from_the_form() -> None:
    note = concern("2026-03-14T09:00:00+00:00", raised_by="Inspector (HIS)",
                   decision="refer to partnership", decision_rationale="risk today",
                   decided_at="2026-03-14T09:40:00+00:00", referral_at="2026-03-14T10:05:00+00:00",
                   referral_method="phone", referral_reference="CP-118",
                   partner_lead_contacted="Chief Social Work Officer", closed=True,
                   child_identifier="0101011234")
    steps = concern_steps(note)
    assert [s.step for s in steps] == ["raised", "decision", "referral", "closed"]
    assert steps[0].at == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    assert "Inspector (HIS)" in steps[0].details and "immediate" in steps[0].details
    assert steps[1].at == datetime(2026, 3, 14, 9, 40, tzinfo=UTC)
    assert "refer to partnership" in steps[1].details and "risk today" in steps[1].details
    assert steps[2].details == ("partner lead contacted: Chief Social Work Officer; by phone; "
                                "reference CP-118")
    assert steps[3] == ConcernStep("closed", None, "closed")  # no history: time unknown
    assert all("0101011234" not in s.details for s in steps)


def test_only_recorded_steps_are_listed() -> None:
    assert [s.step for s in concern_steps(concern("2026-03-14T09:00"))] == ["raised"]
    with pytest.raises(ValueError, match="not a concern form"):
        concern_steps(make_note(kind="note"))


def test_steps_with_history_say_who_and_when(session: Session) -> None:
    ins = session.find_inspection(None)
    note = session.create(ins, "concern", "Concern from R-017", "",
                          {"raised_at": "2026-03-14T09:00", "nature": "bruising not followed up",
                           "immediacy": "immediate"})
    note = session.save(note.note_id, fields={**note.fields, "decision": "refer to partnership",
                                              "decided_at": "2026-03-14T09:40"})
    note = session.save(note.note_id, fields={**note.fields, "closed": True})
    history = session.history(note.note_id)
    steps = concern_steps(session.get(note.note_id), history)
    assert [s.step for s in steps] == ["raised", "decision", "closed"]
    assert [s.recorded_at for s in steps] == [r.updated for r in history]
    assert all(s.recorded_by == "AI" for s in steps)
    assert steps[2].at == history[2].updated  # closing takes its time from the history
    assert steps[0].at is not None and steps[0].at.tzinfo is not None  # naive = local time
    assert concerns_queue(session.list_notes(ins), NOW) == []


# -- the lead's steps and raising a concern from a note ------------------------------------------
def _open_concern(session: Session):
    from store.inspection import raise_concern

    ins = session.find_inspection(None)
    review = session.create(ins, "record_review", "Record review R-017", "",
                            {"pseudonym": "R-017"})
    return raise_concern(session, review.note_id[:8], "no recent home visit", "Immediate",
                         now=NOW), review


def test_raise_concern_from_a_note_links_it(session: Session) -> None:
    from store.crypto import is_sealed
    from store.inspection import raise_concern

    note, review = _open_concern(session)
    assert note.kind == "concern" and note.title == "Concern from Record review R-017"
    assert note.fields["linked_note"] == review.note_id
    assert note.fields["immediacy"] == "immediate" and note.fields["raised_by"] == "AI"
    assert datetime.fromisoformat(note.fields["raised_at"]) == NOW
    assert note.inspection_id == review.inspection_id
    other = raise_concern(session, review.note_id, "n", "routine",
                          fields={"child_identifier": "CHI 0101011234"})
    assert is_sealed(other.fields["child_identifier"])
    with pytest.raises(ValidationFailed, match="itself a concern form"):
        raise_concern(session, note.note_id, "n", "routine")
    with pytest.raises(ValidationFailed, match="Immediacy"):
        raise_concern(session, review.note_id, "n", "whenever")


def test_each_step_is_signed_and_time_stamped(session: Session) -> None:
    from store.inspection import record_step

    note, _ = _open_concern(session)
    later = NOW + timedelta(minutes=20)
    record_step(session, note.note_id, "decision",
                {"decision": "refer to partnership", "decision_rationale": "risk today"},
                now=later)
    record_step(session, note.note_id, "referral",
                {"partner_lead_contacted": "Chief Social Work Officer",
                 "referral_method": "phone", "referral_reference": "CP-118",
                 "referral_at": "2026-03-14T12:30:00+00:00"})
    note = record_step(session, note.note_id, "closed", {})
    assert note.fields["closed"] is True and concerns_queue([note], NOW) == []
    history = session.history(note.note_id)
    steps = concern_steps(note, history)
    assert [s.step for s in steps] == ["raised", "decision", "referral", "closed"]
    assert [s.recorded_at for s in steps] == [r.updated for r in history]
    assert all(s.recorded_by == "AI" and s.recorded_device == session.device_id
               for s in steps)
    assert steps[0].at == NOW and steps[1].at == later
    assert steps[2].at == datetime(2026, 3, 14, 12, 30, tzinfo=UTC)
    assert steps[3].at == history[-1].updated
    assert steps[1].signed_by == f"AI (device {session.device_id.hex()[:8]})"


@pytest.mark.parametrize(("step", "values", "message"), [
    ("decision", {"decision": "no further action"}, "needs: decision rationale"),
    ("decision", {"referral_method": "phone"}, "not part of the decision step"),
    ("referral", {"referral_method": "phone"}, "needs: partner lead contacted"),
    ("referral", {"partner_lead_contacted": "CSWO", "referral_method": "pigeon"},
     "Referral method"),
    ("closed", {}, "decision before closing"),
    ("raised", {}, "the steps a lead records"),
])
def test_step_refusals_are_readable(session: Session, step: str, values: dict,
                                    message: str) -> None:
    from store.inspection import record_step

    note, _ = _open_concern(session)
    with pytest.raises(ValidationFailed, match=message):
        record_step(session, note.note_id, step, values)
    assert session.get(note.note_id).fields == note.fields  # nothing saved


def test_closed_no_reopens(session: Session) -> None:
    from store.inspection import record_step

    note, _ = _open_concern(session)
    record_step(session, note.note_id, "decision",
                {"decision": "no further action", "decision_rationale": "seen"})
    record_step(session, note.note_id, "closed", {})
    note = record_step(session, note.note_id, "closed", {"closed": "no"})
    assert note.fields["closed"] is False and len(concerns_queue([note], NOW)) == 1


def test_the_leads_part_of_the_form_is_every_step_field_and_nothing_of_the_raisers(
        session: Session) -> None:
    from store.inspection import LEAD_FIELDS, STEP_FIELDS, may_decide, template_for

    assert set(LEAD_FIELDS) == {n for names in STEP_FIELDS.values() for n in names}
    raisers = {"raised_by", "raised_at", "nature", "immediacy", "linked_note",
               "child_identifier"}
    assert raisers.isdisjoint(LEAD_FIELDS)
    assert set(LEAD_FIELDS) | raisers == set(template_for("concern").field_names)
    notebook = session.add_inspection("Local 2026")
    assert may_decide(session, notebook) and may_decide(session, notebook.inspection_id)
