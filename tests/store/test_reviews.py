"""Records reading: the summary of grades and moderation counts, and moderating a review."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import DELETED, Session, ValidationFailed
from store.inspection import (
    AGREED,
    AMENDED,
    EVALUATION_ITEMS,
    MODERATION_STATES,
    NOT_MODERATED,
    SIX_POINT_SCALE,
    grade_summary,
    moderate,
    review_summary,
)
from store.inspection import grade_summary as exported_grade_summary
from tests.store.test_evidence import make_note

ITEMS = [item for item, _ in EVALUATION_ITEMS]

review_fields = st.fixed_dictionaries(
    {},
    optional={
        **{f"{item}_grade": st.sampled_from([*SIX_POINT_SCALE, "", "brilliant"])
           for item in ITEMS},
        "moderation": st.sampled_from([*MODERATION_STATES, "", "pending"]),
    },
)
notes_strategy = st.lists(st.tuples(st.sampled_from(["record_review", "record_review", "note"]),
                                    st.sampled_from(["active", "active", DELETED]),
                                    review_fields), max_size=25)


def _notes(specs: list) -> list:
    out = []
    for kind, state, fields in specs:
        note = make_note(kind=kind, state=state)
        note.fields = dict(fields)
        out.append(note)
    return out


@given(notes_strategy)
def test_summary_counts_equal_a_naive_recount(specs: list) -> None:
    notes = _notes(specs)
    summary = review_summary(notes)
    live = [n for n in notes if n.kind == "record_review" and n.state != DELETED]
    assert summary.reviews == len(live)
    state_of = {n.note_id: n.fields.get("moderation") if n.fields.get("moderation")
                in MODERATION_STATES else NOT_MODERATED for n in live}
    assert summary.moderation == {s: sum(1 for v in state_of.values() if v == s)
                                  for s in MODERATION_STATES}
    assert [i.item for i in summary.items] == ITEMS
    for item in summary.items:
        graded = [n for n in live if n.fields.get(f"{item.item}_grade") in SIX_POINT_SCALE]
        recount = Counter(n.fields[f"{item.item}_grade"] for n in graded)
        assert item.counts == {g: recount.get(g, 0) for g in SIX_POINT_SCALE}
        assert item.graded == len(graded) == sum(item.counts.values())
        assert item.moderation == {s: sum(1 for n in graded if state_of[n.note_id] == s)
                                   for s in MODERATION_STATES}
    assert grade_summary(notes) == {i.item: Counter({g: c for g, c in i.counts.items() if c})
                                    for i in summary.items}
    assert exported_grade_summary is grade_summary  # one implementation, shared


def test_summary_as_dict_is_json_shaped() -> None:
    note = make_note(kind="record_review")
    note.fields = {"chronology_grade": "weak", "moderation": "agreed"}
    data = review_summary([note]).as_dict()
    assert data["reviews"] == 1 and data["moderation"]["agreed"] == 1
    chronology = next(i for i in data["items"] if i["item"] == "chronology")
    assert chronology["counts"]["weak"] == 1 and chronology["graded"] == 1
    assert chronology["moderation"] == {"not yet moderated": 0, "agreed": 1, "amended": 0}


@pytest.fixture
def review(session: Session):  # noqa: ANN201
    ins = session.find_inspection(None)
    return session.create(ins, "record_review", "Record review R-017", "",
                          {"pseudonym": "R-017", "chronology_grade": "weak",
                           "outcomes_grade": "good", "moderation_notes": "first read"})


def test_agree_saves_one_revision(session: Session, review) -> None:  # noqa: ANN001
    before = len(session.history(review.note_id))
    note = moderate(session, review.note_id, AGREED, "")
    assert note.fields["moderation"] == AGREED
    assert note.fields["moderation_notes"] == "first read"  # no notes given: kept
    assert note.fields["chronology_grade"] == "weak"
    assert len(session.history(review.note_id)) == before + 1
    assert review_summary(session.list_notes()).moderation[AGREED] == 1


def test_amend_changes_grades_and_notes(session: Session, review) -> None:  # noqa: ANN001
    note = moderate(session, review.note_id, AMENDED, "Chronology was updated in May.",
                    {"chronology": "Adequate", "outcomes_grade": "", "legal_measures": "good"})
    assert note.fields["moderation"] == AMENDED
    assert note.fields["moderation_notes"] == "Chronology was updated in May."
    assert note.fields["chronology_grade"] == "adequate"
    assert "outcomes_grade" not in note.fields and note.fields["legal_measures_grade"] == "good"
    old = session.history(review.note_id)[0].note
    assert old.fields["chronology_grade"] == "weak"  # the grade before stays in history


@pytest.mark.parametrize(("decision", "notes", "grades", "message"), [
    (AMENDED, "  ", None, "Amending a review needs moderation notes"),
    (AGREED, "", {"chronology": "good"}, "Agreeing changes no grades"),
    (AMENDED, "why", {"punctuality": "good"}, "not an evaluation item"),
    (AMENDED, "why", {"chronology": "superb"}, "six-point scale"),
    ("maybe", "", None, "'agreed' or 'amended'"),
])
def test_moderation_refusals_are_readable(session: Session, review, decision: str,  # noqa: ANN001
                                          notes: str, grades: dict | None,
                                          message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        moderate(session, review.note_id, decision, notes, grades)
    assert session.get(review.note_id).fields.get("moderation") is None  # nothing saved


def test_only_record_reviews_are_moderated(session: Session) -> None:
    note = session.create(session.find_inspection(None), "note", "n", "text")
    with pytest.raises(ValidationFailed, match="not a record review"):
        moderate(session, note.note_id, AGREED)
