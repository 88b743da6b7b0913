"""Diff of two revisions (issue 12): the changed fields and words, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import NotFound, Session
from store.diff import DELETED, EQUAL, INSERTED, diff_notes, diff_revisions, word_diff


def test_diff_of_two_revisions_names_the_changed_field_and_words(session: Session) -> None:
    ins = session.find_inspection(None)
    note = session.create(ins, "interview", "Parent meeting", "They felt listened to.",
                          {"agreement_obtained": True, "views": "Waited two weeks for a call.",
                           "setting": "family home"})
    session.save(note.note_id, fields={**note.fields,
                                       "views": "Waited three weeks for a call back."})
    session.save(note.note_id, title="Parent meeting, family C")
    old, new, changes = diff_revisions(session, note.note_id, "1", "2")
    assert (old.rev, new.rev) == (note.rev, session.history(note.note_id)[1].rev)
    [views] = changes
    assert (views.name, views.label) == ("views", "Views and experiences")
    assert views.deleted == ["two"] and views.inserted == ["three", " back"]
    assert views.as_text() == "Waited [-two-]{+three+} weeks for a call{+ back+}."
    # no revision named: the one before the current, and the current
    _, _, latest = diff_revisions(session, note.note_id)
    assert [(c.name, c.deleted, c.inserted) for c in latest] == [
        ("title", [], [", family C"])]
    with pytest.raises(NotFound, match="its revisions are 1: "):
        diff_revisions(session, note.note_id, "ffff")


def test_sealed_values_are_never_shown_in_a_diff(session: Session) -> None:
    ins = session.find_inspection(None)
    note = session.create(ins, "concern", "Concern", "", {
        "raised_at": "2026-03-14T09:41", "nature": "bruising", "immediacy": "immediate",
        "child_identifier": "CHI-0101011234"})
    changed = session.save(note.note_id, fields={**note.fields,
                                                 "child_identifier": "CHI-0202022345"})
    [c] = diff_notes(note, changed)
    assert c.name == "child_identifier" and "CHI" not in repr(c.as_dict())


@given(st.text(max_size=60), st.text(max_size=60))
def test_word_diff_rebuilds_both_sides(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert "".join(t for op, t in pieces if op in (EQUAL, DELETED)) == old
    assert "".join(t for op, t in pieces if op in (EQUAL, INSERTED)) == new
