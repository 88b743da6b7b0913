"""The evidence matrix: counts per (statement, status) cell, drill-down, areas of uncertainty."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import DELETED, Hlc, Note, PassageTag, Session
from store.inspection import (
    EVIDENCE_COLUMNS,
    EVIDENCE_ROWS,
    UNASSIGNED,
    areas_of_uncertainty,
    drill_down,
    evidence_matrix,
    statement_evidence,
)

_ids = itertools.count(1)


def make_note(tags: tuple[str, ...] = (), body: str = "", passages: tuple = (),
              state: str = "active", kind: str = "note", title: str = "n") -> Note:
    n = next(_ids)
    return Note(note_id=f"{n:032x}", inspection_id=b"i" * 16, collection_id=b"c" * 16,
                rev=f"aa.{n}", parents=(), hlc=str(Hlc(1_700_000_000_000 + n, 0, "t")),
                kind=kind, template=1, title=title, body=body, tags=tags,
                passages=tuple(PassageTag(*p) for p in passages), state=state)


def counts(notes: list[Note]) -> dict[tuple[str, str], int]:
    m = evidence_matrix(notes)
    return {(r, c): m.count(r, c) for r in m.rows for c in m.columns if m.count(r, c)}


def test_note_tags_fill_every_row_column_pair() -> None:
    a = make_note(("S1", "status:concern", "strength"))
    b = make_note(("S1", "S3", "status:nsc"))
    c = make_note(("S2",))  # a statement without status counts nowhere
    d = make_note(("status:uncertainty",))  # a status without a row counts nowhere
    assert counts([a, b, c, d]) == {("S1", "status:concern"): 1, ("S1", "strength"): 1,
                                    ("S1", "status:nsc"): 1, ("S3", "status:nsc"): 1}
    assert evidence_matrix([a, b, c, d]).total_notes == 4


def test_passage_tags_combine_with_note_tags() -> None:
    body = "Intro. Waits for IRDs were long. Good chronologies."
    note = make_note(("S2",), body, passages=((7, 32, "status:uncertainty"), (33, 51, "S1"),
                                              (33, 51, "strength")))
    assert counts([note]) == {("S2", "status:uncertainty"): 1, ("S1", "strength"): 1,
                              ("S2", "strength"): 1}
    [hit] = drill_down([note], "S2", "status:uncertainty")
    assert hit.note is note and not hit.whole_note
    assert [x.text for x in hit.excerpts] == ["Waits for IRDs were long."]
    assert hit.excerpts[0].tags == ("S2", "status:uncertainty")
    [hit] = drill_down([note], "S1", "strength")
    assert [x.text for x in hit.excerpts] == ["Good chronologies."]


def test_enclosing_passage_lends_its_tags() -> None:
    body = "The planning meeting had no health input at all that day."
    note = make_note((), body, passages=((0, len(body), "S4"), (17, 40, "status:concern")))
    assert counts([note]) == {("S4", "status:concern"): 1}
    [hit] = drill_down([note], "s4", "STATUS:CONCERN")  # tags are normalised
    assert [x.text for x in hit.excerpts] == [body[17:40]]


def test_each_note_counted_once_per_cell() -> None:
    body = "one two three four"
    note = make_note(("S1", "status:nsc"), body,
                     passages=((0, 3, "status:nsc"), (4, 7, "S1"), (8, 13, "status:nsc")))
    m = evidence_matrix([note, note])  # the same note twice is still one note
    assert m.count("S1", "status:nsc") == 1
    [hit] = drill_down([note], "S1", "status:nsc")
    assert hit.whole_note and [x.text for x in hit.excerpts] == ["one", "two", "three"]


def test_free_code_passage_is_no_excerpt_of_the_notes_cell() -> None:
    note = make_note(("S1", "status:nsc"), "abc def", passages=((0, 3, "#waits"),))
    [hit] = drill_down([note], "S1", "status:nsc")
    assert hit.whole_note and hit.excerpts == ()


def test_deleted_notes_are_left_out() -> None:
    live = make_note(("S3", "afd"))
    gone = make_note(("S3", "afd"), state=DELETED)
    assert evidence_matrix([live, gone]).count("S3", "afd") == 1
    assert [h.note for h in drill_down([live, gone], "S3", "afd")] == [live]
    assert evidence_matrix([gone]).total_notes == 0


def test_qi21_row_and_unknown_cells() -> None:
    note = make_note(("QI2.1", "status:concern", "#chron"))
    assert counts([note]) == {("QI2.1", "status:concern"): 1}
    with pytest.raises(KeyError, match="rows: S1"):
        drill_down([note], "S5", "afd")
    with pytest.raises(KeyError, match="columns"):
        evidence_matrix([note]).count("S1", "covid")


def test_areas_of_uncertainty_per_statement_and_unassigned() -> None:
    a = make_note(("S1", "status:uncertainty"), title="a")
    b = make_note(("S2",), "xx yy", passages=((0, 2, "status:uncertainty"),), title="b")
    c = make_note(("status:uncertainty",), title="c")  # no statement yet
    d = make_note(("S1", "status:nsc"), title="d")
    areas = areas_of_uncertainty([a, b, c, d])
    assert [x.row for x in areas] == [*EVIDENCE_ROWS, UNASSIGNED]
    by_row = {x.row: [e.note.title for e in x.evidence] for x in areas}
    assert by_row == {"S1": ["a"], "S2": ["b"], "S3": [], "S4": [], "QI2.1": [], "covid": [],
                      UNASSIGNED: ["c"]}
    assert [x.text for x in areas[1].evidence[0].excerpts] == ["xx"]


def test_covid_impact_is_a_row_of_the_matrix() -> None:
    whole = make_note(("covid", "status:concern"), title="whole")
    passage = make_note(("S2",), "lockdown closed the hub", passages=((0, 8, "covid"),
                                                                      (0, 8, "afd")))
    m = evidence_matrix([whole, passage])
    assert m.count("covid", "status:concern") == 1 and m.count("covid", "afd") == 1
    assert m.count("S2", "afd") == 1 and m.rows[-1] == "covid"


def test_statement_evidence_lists_notes_without_status_too() -> None:
    a = make_note(("S2",), title="no status")
    b = make_note(("S2", "status:concern", "afd"), title="both")
    items = {ev.note.title: cols for ev, cols in statement_evidence([a, b], "S2")}
    assert items == {"no status": (), "both": ("status:concern", "afd")}
    assert statement_evidence([a, b], "S1") == []


_tag = st.sampled_from([*EVIDENCE_ROWS, *EVIDENCE_COLUMNS, "covid", "#x"])


@st.composite
def notes(draw: st.DrawFn) -> Note:
    body = "x" * 40
    spans = draw(st.lists(st.tuples(st.integers(0, 39), st.integers(1, 40), _tag), max_size=5))
    passages = tuple((a, b, t) for a, b, t in spans if b > a)
    return make_note(tuple(draw(st.sets(_tag, max_size=4))), body, passages,
                     state=draw(st.sampled_from(["active", "active", DELETED])))


@given(st.lists(notes(), max_size=8))
def test_counts_match_drill_down_and_tags(sample: list[Note]) -> None:
    m = evidence_matrix(sample)
    assert m.total_notes == sum(n.state != DELETED for n in sample)
    for r, c in itertools.product(EVIDENCE_ROWS, EVIDENCE_COLUMNS):
        hits = drill_down(sample, r, c)
        assert m.count(r, c) == len(hits) == len({h.note.note_id for h in hits})
        for h in hits:
            every = set(h.note.tags) | {p.tag for p in h.note.passages}
            assert {r, c} <= every and h.note.state != DELETED
            assert h.whole_note or h.excerpts
        for n in sample:
            if n.state != DELETED and {r, c} <= set(n.tags):
                assert n.note_id in m.note_ids[(r, c)]


def test_matrix_over_a_real_session(session: Session) -> None:
    ins = session.find_inspection(None)
    body = "Staff said referrals wait a week. Plans were clear."
    session.create(ins, "note", "Walk round", body, tags=["s1"],
                   passages=[PassageTag(0, 33, "status:uncertainty"),
                             PassageTag(34, 51, "strength")])
    gone = session.create(ins, "focus_group", "Health visitors", "",
                          tags=["S1", "status:uncertainty"])
    session.delete(gone.note_id)
    m = evidence_matrix(session.list_notes(ins, include_deleted=True))
    assert m.count("S1", "status:uncertainty") == 1 and m.count("S1", "strength") == 1
    assert m.as_dict()["rows"][0]["counts"]["status:uncertainty"] == 1
