"""Markdown (one file per note, with front matter) and CSV (one row per note per field, the
passages, the grades and the evidence matrix) from a :class:`~._report.Report`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ._evidence import COLUMN_LABELS, ROW_LABELS, evidence_matrix
from ._report import NoteReport, Report
from ._reviews import grade_of, review_summary
from ._templates import EVALUATION_ITEMS, SIX_POINT_SCALE

__all__ = ["csv_files", "markdown"]

NOTES_CSV = "notes.csv"
PASSAGES_CSV = "tagged-passages.csv"
GRADES_CSV = "record-review-grades.csv"
GRADE_COUNTS_CSV = "grade-counts.csv"
MATRIX_CSV = "evidence-matrix.csv"


# -- Markdown -----------------------------------------------------------------------------------
def _front(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)  # JSON scalars and lists are valid YAML


def markdown(r: NoteReport, report: Report) -> str:
    """One note as Markdown: front matter (kind, authors, revision, tags), then every field in
    the template's order under its label, then the tagged passages."""
    note = r.note
    lines = ["---",
             f"title: {_front(r.title)}",
             f"id: {_front(note.note_id)}",
             f"inspection: {_front(report.inspection.name)}",
             f"kind: {_front(note.kind)}",
             f"template: {note.template}",
             f"author: {_front(r.author)}",
             f"first_author: {_front(r.first_author)}",
             f"revision: {r.revision}",
             f"revisions: {r.revisions}",
             f"rev: {_front(note.rev)}",
             f"date: {_front(note.updated.isoformat(timespec='seconds'))}",
             f"state: {_front(note.state)}",
             f"tags: {_front(list(note.tags))}",
             "---", "", f"# {r.title}", ""]
    for f in r.fields:
        if f.long:
            lines += [f"## {f.label}", "", f.value, ""]
        else:
            lines += [f"**{f.label}**: {f.value}", ""]
    if r.passages:
        lines += ["## Tagged passages", ""]
        for p in r.passages:
            lines += [*(f"> {line}" for line in p.text.splitlines()),
                      f"> — {p.label}; {', '.join(p.tags)}", ""]
    if r.kept:
        lines += ["## Kept from a concurrent edit", ""]
        lines += [f"- **{k.label}**: {k.value}" for k in r.kept]
        lines.append("")
    return "\n".join(lines)


# -- CSV ----------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a spreadsheet would run a cell that starts like a formula (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8


def _about(r: NoteReport) -> list[Any]:
    return [r.note.note_id, r.title, r.note.kind, r.author, r.first_author, r.revision,
            r.updated.isoformat(timespec="seconds"), " ".join(r.note.tags)]


_ABOUT = ["id", "title", "kind", "author", "first author", "revision", "updated", "tags"]


def _notes_rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = [[*_ABOUT, "field", "label", "value"]]
    for r in report.notes:
        rows += [[*_about(r), f.name, f.label, f.value] for f in r.fields]
    return rows


def _passage_rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = [[*_ABOUT, "field", "label", "passage", "passage tags",
                              "quoted under"]]
    for r in report.notes:
        rows += [[*_about(r), p.field, p.label, p.text, " ".join(p.tags), " ".join(p.rows)]
                 for p in r.passages]
    return rows


def _grades_rows(report: Report) -> list[list[Any]]:
    header = ["id", "title", "pseudonym", "author", "updated", "category", "age band",
              "agencies", *(label for _, label in EVALUATION_ITEMS), "moderation",
              "moderation recorded by", "concern flag"]
    rows: list[list[Any]] = [header]
    for r in report.notes:
        if r.note.kind != "record_review":
            continue
        f = r.note.fields
        shown = {e.name: e.value for e in r.fields}
        rows.append([r.note.note_id, r.title, shown.get("pseudonym", ""), r.author,
                     r.updated.isoformat(timespec="seconds"), shown.get("category", ""),
                     shown.get("age_band", ""), shown.get("agencies", ""),
                     *(grade_of(f, item) for item, _ in EVALUATION_ITEMS),
                     shown.get("moderation", ""), shown.get("moderated_by", ""),
                     shown.get("concern_flag", "")])
    return rows


def _grade_count_rows(report: Report) -> list[list[Any]]:
    summary = review_summary(r.note for r in report.notes)
    rows: list[list[Any]] = [["evaluation item", *SIX_POINT_SCALE, "graded"]]
    rows += [[i.label, *(i.counts[g] for g in SIX_POINT_SCALE), i.graded] for i in summary.items]
    return rows


def _matrix_rows(report: Report) -> list[list[Any]]:
    m = evidence_matrix(r.note for r in report.notes)
    rows: list[list[Any]] = [["row", "label", *(COLUMN_LABELS[c] for c in m.columns)]]
    rows += [[r, ROW_LABELS[r], *m.row_counts(r)] for r in m.rows]
    return rows


def csv_files(report: Report) -> list[tuple[str, bytes]]:
    """(file name, contents) of every CSV file of an export."""
    return [(NOTES_CSV, _csv(_notes_rows(report))),
            (PASSAGES_CSV, _csv(_passage_rows(report))),
            (GRADES_CSV, _csv(_grades_rows(report))),
            (GRADE_COUNTS_CSV, _csv(_grade_count_rows(report))),
            (MATRIX_CSV, _csv(_matrix_rows(report)))]
