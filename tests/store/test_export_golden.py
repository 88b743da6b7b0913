"""Golden export (issue 12): one note of every kind with every field filled, exported as DOCX,
CSV and Markdown and read back with python-docx, csv and plain text. Every field value and
every tagged passage appears exactly once, under the right heading: the passages of the notes'
text and those tagged in another long text field (key quotes, views, a grade's rationale...)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store import Inspection, Note, PassageTag, Session
from store.inspection import (
    EVIDENCE_ROWS,
    KIND_LABELS,
    KINDS,
    SIX_POINT_SCALE,
    FieldSpec,
    SealedNotAllowed,
    export_inspection,
    format_field,
    make_timeline,
    set_timeline,
    template_for,
)
from store.inspection._export_docx import row_heading

SEALED = "CHI-0101011234"
ROWS = dict(zip(KINDS, [*EVIDENCE_ROWS, "S1", "S2"], strict=False))


def _value(kind: str, spec: FieldSpec, n: int) -> Any:
    """A filled value for every field type, unique across the fixture where it is text."""
    if spec.name == "pseudonym":
        return "R-017"
    if spec.name == "moderation":
        return "amended"
    match spec.type:
        case "text":
            return f"{kind} {spec.name} entry"
        case "longtext":
            return f"The {spec.label.lower()} of the {kind} ({kind}.{spec.name})."
        case "grade":
            return SIX_POINT_SCALE[n % len(SIX_POINT_SCALE)]
        case "choice":
            return spec.choices[-1]
        case "multichoice":
            return list(spec.choices[:2])
        case "int":
            return spec.max_value or 5
        case "bool":
            return True
        case "datetime":
            return f"2026-03-1{n % 10}T09:41"
        case "sealed":
            return SEALED
    raise AssertionError(spec.type)


@dataclass
class Fixture:
    session: Session
    inspection: Inspection
    notes: dict[str, Note]
    passages: dict[str, str]  # kind -> the tagged passage's text
    # kind -> (field, text, row) of a passage tagged in a long text field other than the body
    field_passages: dict[str, tuple[str, str, str]]


@pytest.fixture
def golden(session: Session) -> Fixture:
    ins = session.add_inspection("Northshire 2026", "Northshire CPP")
    ins = set_timeline(session, ins, make_timeline(date(2026, 1, 5)))
    notes, passages, field_passages = {}, {}, {}
    for kind in KINDS:
        template = template_for(kind)
        fields = {s.name: _value(kind, s, i) for i, s in enumerate(template.fields)}
        tagged = f"Tagged evidence from the {kind} for {ROWS[kind]}."
        body = f"Opening words of the {kind}. {tagged} Closing words of the {kind}."
        start = body.index(tagged)
        tags = [PassageTag(start, start + len(tagged), ROWS[kind]),
                PassageTag(start, start + len(tagged), "strength")]
        longs = [s.name for s in template.fields if s.type == "longtext"]
        if longs:  # a record review's last rationale, else the last long field (key quotes)
            name = ([n for n in longs if n.endswith("_rationale")] or longs)[-1]
            words = f"words of the {kind}.{name}"
            fields[name] = f"Before the {name}; {words}; after them."
            at = fields[name].index(words)
            row = "S4" if ROWS[kind] != "S4" else "S3"
            tags.append(PassageTag(at, at + len(words), row, name))
            field_passages[kind] = (name, words, row)
        note = session.create(ins, kind, f"The {KIND_LABELS[kind]} note", body, fields,
                              ["status:nsc"], tags)
        notes[kind], passages[kind] = note, tagged
    assert {"interview", "record_review"} <= set(field_passages)
    assert field_passages["record_review"][0].endswith("_rationale")
    assert field_passages["interview"][0] == "key_quotes"
    return Fixture(session, ins, notes, passages, field_passages)


def _expected(note: Note) -> Iterator[tuple[FieldSpec, str]]:
    for spec in template_for(note.kind, note.template).fields:
        if spec.type != "sealed":
            yield spec, format_field(spec, note.fields.get(spec.name))


# -- DOCX ---------------------------------------------------------------------------------------
@dataclass
class Para:
    h1: str
    h2: str
    h3: str
    style: str
    text: str


def _read_docx(path: Path) -> tuple[list[Para], Any]:
    import docx

    doc = docx.Document(str(path))
    heads = {1: "", 2: "", 3: ""}
    out = []
    for p in doc.paragraphs:
        style = p.style.name
        if style.startswith("Heading "):
            level = int(style.split()[1])
            heads[level] = p.text
            for deeper in range(level + 1, 4):
                heads[deeper] = ""
        out.append(Para(heads[1], heads[2], heads[3], style, p.text))
    return out, doc


def test_docx_has_every_field_and_passage_once_under_its_heading(golden: Fixture,
                                                                tmp_path: Path) -> None:
    [path] = export_inspection(golden.session, golden.inspection, "docx", tmp_path / "docx")
    paras, doc = _read_docx(path)
    styles = {p.style for p in paras}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3"} <= styles  # the navigation pane

    title_page = [p.text for p in paras if not p.h1 and p.style != "Title"]
    assert "Partnership: Northshire CPP" in title_page and "Team: AI" in title_page
    assert any(t.startswith("Notification: 2026-01-05") for t in title_page), title_page

    for kind, note in golden.notes.items():
        section = [p for p in paras if p.h1 == "Notes" and p.h3 == note.title]
        assert section and section[0].h2 == KIND_LABELS[kind]
        texts = [p.text for p in section]
        for spec, value in _expected(note):
            if spec.type == "longtext":
                assert texts.count(f"{spec.label}:") == 1, (kind, spec.name)
                assert [p.text for p in paras].count(value) == 1, (kind, spec.name)
                assert texts.count(value) == 1
            else:
                assert texts.count(f"{spec.label}: {value}") == 1, (kind, spec.name, texts)
        assert texts.count(note.body) == 1
        assert not any(SEALED in p.text for p in paras)

        quoted = [p for p in paras if p.text == f"“{golden.passages[kind]}”"]
        assert len(quoted) == 1, kind
        assert quoted[0].style == "Quote" and quoted[0].h2 == row_heading(ROWS[kind])

    texts = [p.text for p in paras]
    for kind, (name, words, row) in golden.field_passages.items():
        quoted = [i for i, p in enumerate(paras) if p.text == f"“{words}”"]
        assert len(quoted) == 1, (kind, name)
        at = quoted[0]
        assert paras[at].style == "Quote" and paras[at].h2 == row_heading(row)
        label = template_for(kind).spec(name).label
        assert texts[at + 1] == f"{label} · passage tags: {row}", (kind, texts[at + 1])
        assert sum(words in t for t in texts) == 2  # the field's value, and the quote

    grades = doc.tables[0]
    assert [c.text for c in grades.rows[0].cells] == ["Evaluation item", *SIX_POINT_SCALE,
                                                      "graded"]
    assert grades.rows[1].cells[0].text == "Initial response to risk"
    assert grades.rows[1].cells[1].text == "1" and grades.rows[1].cells[-1].text == "1"
    matrix = doc.tables[1]
    assert matrix.rows[-1].cells[0].text == "Covid-19 impact"
    assert matrix.rows[-1].cells[1].text == "1"  # the one note tagged covid, no sig. concern


def test_sealed_fields_only_when_asked_and_only_on_a_leads_device(golden: Fixture,
                                                                  tmp_path: Path) -> None:
    [path] = export_inspection(golden.session, golden.inspection, "docx", tmp_path / "a",
                               include_sealed=True)
    paras, _ = _read_docx(path)
    concern = golden.notes["concern"]
    hits = [p for p in paras if SEALED in p.text]
    assert [(p.h3, p.text) for p in hits] == [(concern.title,
                                               f"Child identifier (sealed): {SEALED}")]
    team = golden.session.add_inspection("Westshire 2026", role="team", scope="team")
    with pytest.raises(SealedNotAllowed, match="lead"):
        export_inspection(golden.session, team, "csv", tmp_path / "b", include_sealed=True)
    assert not (tmp_path / "b").exists()


# -- CSV ----------------------------------------------------------------------------------------
def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_has_one_row_per_note_per_field(golden: Fixture, tmp_path: Path) -> None:
    paths = {p.name: p for p in export_inspection(golden.session, golden.inspection, "csv",
                                                  tmp_path / "csv")}
    rows = _rows(paths["notes.csv"])
    for note in golden.notes.values():
        mine = [r for r in rows if r["id"] == note.note_id]
        for spec, value in _expected(note):
            hits = [r for r in mine if r["field"] == spec.name]
            assert len(hits) == 1, (note.kind, spec.name)
            assert (hits[0]["label"], hits[0]["value"]) == (spec.label, value)
        assert [r["value"] for r in mine if r["field"] == "body"] == [note.body]
        assert {(r["author"], r["revision"], r["kind"]) for r in mine} == {
            ("AI", "1", note.kind)}
    assert not any(SEALED in v for r in rows for v in r.values())

    passages = _rows(paths["tagged-passages.csv"])
    for kind, text in golden.passages.items():
        [hit] = [r for r in passages if r["passage"] == text]
        assert hit["quoted under"] == ROWS[kind] and hit["passage tags"] == \
            f"{ROWS[kind]} strength"
    for kind, (name, words, row) in golden.field_passages.items():
        [hit] = [r for r in passages if r["passage"] == words]
        assert (hit["field"], hit["quoted under"], hit["passage tags"]) == (name, row, row)
        assert hit["id"] == golden.notes[kind].note_id

    [review] = _rows(paths["record-review-grades.csv"])
    graded = golden.notes["record_review"].fields
    assert review["Chronology"] == graded["chronology_grade"] and review["moderation"] == "amended"
    assert review["moderation recorded by"].startswith("AI, ")
    counts = {r["evaluation item"]: r for r in _rows(paths["grade-counts.csv"])}
    assert counts["Outcomes"]["graded"] == "1"
    matrix = {r["row"]: r for r in _rows(paths["evidence-matrix.csv"])}
    assert matrix["covid"]["no significant concern"] == "1"


# -- Markdown -----------------------------------------------------------------------------------
def test_markdown_one_file_per_note_with_front_matter(golden: Fixture, tmp_path: Path) -> None:
    paths = export_inspection(golden.session, golden.inspection, "md", tmp_path / "md")
    assert len(paths) == len(KINDS)
    by_title = {p.read_text().split("\n# ", 1)[1].split("\n", 1)[0]: p.read_text()
                for p in paths}
    for kind, note in golden.notes.items():
        text = by_title[note.title]
        front, content = text.split("---\n")[1], text.split("---\n", 2)[2]
        assert f'kind: "{kind}"' in front and 'author: "AI"' in front
        assert "revision: 1" in front and 'tags: ["status:nsc"]' in front
        lines = content.split("\n")
        for spec, value in _expected(note):
            if spec.type == "longtext":
                assert lines.count(f"## {spec.label}") == 1, (kind, spec.name)
                assert lines[lines.index(f"## {spec.label}") + 2] == value
                assert lines.count(value) == 1
            else:
                assert lines.count(f"**{spec.label}**: {value}") == 1, (kind, spec.name)
        section = content.split("## Tagged passages\n", 1)[1]
        assert section.count(f"> {golden.passages[kind]}") == 1
        assert content.count(f"> {golden.passages[kind]}") == 1
        if kind in golden.field_passages:
            name, words, row = golden.field_passages[kind]
            label = template_for(kind).spec(name).label
            assert section.count(f"> {words}\n> — {label}; {row}") == 1
            assert content.count(f"> {words}") == 1
        assert SEALED not in text
