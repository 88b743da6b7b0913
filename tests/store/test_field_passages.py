"""Passage tags in any long text field (issue 12): the tag names its field, is checked against
that field's text, travels in the payload beside the body's passages (which an older version
reads as it always did), and reaches the evidence matrix with its own words."""

from __future__ import annotations

from typing import Any

import pytest

from store import Note, PassageTag, Session
from store.inspection import drill_down, statement_evidence, validate_note

QUOTE = "“I feel listened to now.”"


def _interview(session: Session, passages: list[PassageTag]) -> Note:
    ins = session.add_inspection("Northshire 2026")
    return session.create(ins, "interview", "Young person", "Met at the unit.",
                          {"participant_type": "young person", "agreement_obtained": True,
                           "key_quotes": f"Said: {QUOTE}"},
                          passages=passages)


def test_a_passage_names_its_field_and_survives_a_reload(session: Session) -> None:
    start = len("Said: ")
    tag = PassageTag(start, start + len(QUOTE), "S1", "key_quotes")
    note = _interview(session, [tag, PassageTag(0, 3, "strength")])
    again = session.get(note.note_id)
    assert set(again.passages) == {tag, PassageTag(0, 3, "strength")}
    assert again.fields["key_quotes"][tag.start:tag.end] == QUOTE
    shown = again.as_dict()["passages"]
    assert {"start": start, "end": start + len(QUOTE), "tag": "S1",
            "field": "key_quotes"} in shown
    assert {"start": 0, "end": 3, "tag": "strength"} in shown


def test_old_payloads_without_field_names_still_load_as_body_passages(session: Session) -> None:
    note = _interview(session, [PassageTag(0, 3, "strength")])
    payload: dict[str, Any] = note.to_payload()
    assert payload["passages"] == [[0, 3, "strength"]] and "field_passages" not in payload
    old = Note.from_payload(payload, note.inspection_id, note.collection_id)
    assert old.passages == (PassageTag(0, 3, "strength"),)
    assert old.passages[0].field == ""


def test_an_older_reader_sees_the_body_passages_unchanged(session: Session) -> None:
    """A device on an older version unpacks ``[start, end, tag]`` from ``passages``: a passage
    of another field must not be there (it would break that unpacking)."""
    start = len("Said: ")
    note = _interview(session, [PassageTag(0, 3, "strength"),
                                PassageTag(start, start + len(QUOTE), "S1", "key_quotes")])
    payload = note.to_payload()
    assert [(a, b, t) for a, b, t in payload["passages"]] == [(0, 3, "strength")]
    assert payload["field_passages"] == [[start, start + len(QUOTE), "S1", "key_quotes"]]


def test_body_spelled_out_is_the_body() -> None:
    assert PassageTag(0, 1, "S1", "body") == PassageTag(0, 1, "S1")
    assert PassageTag.from_dict({"start": 0, "end": 1, "tag": "s1", "field": "views"}) == \
        PassageTag(0, 1, "S1", "views")


def test_validation_checks_the_passage_against_its_own_field() -> None:
    fields = {"participant_type": "young person", "agreement_obtained": True,
              "key_quotes": "short", "setting": "unit"}
    ok = validate_note("interview", None, "T", "a much longer body text", fields,
                       passages=[PassageTag(0, 5, "S1", "key_quotes")])
    assert ok == []
    past = validate_note("interview", None, "T", "a much longer body text", fields,
                         passages=[PassageTag(0, 9, "S1", "key_quotes")])
    assert [i.field for i in past] == ["tags"] and "key_quotes" in past[0].message
    not_long = validate_note("interview", None, "T", "body", fields,
                             passages=[PassageTag(0, 3, "S1", "setting")])
    assert [i.field for i in not_long] == ["tags"]
    assert "not a long text field" in not_long[0].message
    unknown = validate_note("interview", None, "T", "body", fields,
                            passages=[[0, 3, "S1", "nowhere"]])
    assert "not a long text field" in unknown[0].message


def test_the_matrix_quotes_the_words_of_the_field(session: Session) -> None:
    start = len("Said: ")
    note = _interview(session, [PassageTag(start, start + len(QUOTE), "S1", "key_quotes"),
                                PassageTag(start, start + len(QUOTE), "status:nsc",
                                           "key_quotes"),
                                PassageTag(0, 4, "S2")])  # in the body
    notes = session.list_notes()
    [hit] = drill_down(notes, "S1", "status:nsc")
    assert hit.note.note_id == note.note_id and not hit.whole_note
    assert [(x.field, x.text) for x in hit.excerpts] == [("key_quotes", QUOTE)]
    [(ev, _columns)] = statement_evidence(notes, "S2")
    assert [(x.field, x.text) for x in ev.excerpts] == [("", "Met ")]


@pytest.mark.parametrize("field", ["views", "key_quotes"])
def test_a_save_refuses_a_passage_past_the_end_of_its_field(session: Session, field: str) -> None:
    from store import ValidationFailed

    ins = session.add_inspection("Northshire 2026")
    with pytest.raises(ValidationFailed, match=field):
        session.create(ins, "interview", "T", "A long body of text here.",
                       {"participant_type": "young person", "agreement_obtained": True,
                        field: "tiny"},
                       passages=[PassageTag(0, 10, "S1", field)])
