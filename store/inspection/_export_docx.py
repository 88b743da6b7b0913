"""The DOCX evidence summary for report writers, from a :class:`~._report.Report`.

Layout, with Word's own heading styles so that the navigation pane lists every part:

- a title page: the inspection, the partnership, the timeline's dates, the team;
- "Evidence summary" (Heading 1), one Heading 2 per row of the evidence matrix (statements
  1-4, QI 2.1, Covid-19 impact): the notes tagged to it, and each tagged passage quoted under
  the rows of its own tags;
- "Record review grades": counts per grade for every evaluation item, and moderation;
- "Evidence matrix": the counts per row and evidence status;
- "Notes": per kind (Heading 2), per note (Heading 3), every field in the template's order.

python-docx is imported only here, and this module only when a DOCX is asked for.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from store.errors import FieldpadError

from ._evidence import (
    COLUMN_LABELS,
    EVIDENCE_COLUMNS,
    EVIDENCE_ROWS,
    ROW_LABELS,
    ROW_SHORT_LABELS,
    evidence_matrix,
)
from ._report import NoteReport, Report
from ._reviews import MODERATION_STATES, review_summary
from ._templates import KINDS, SIX_POINT_SCALE

__all__ = ["SUMMARY_DOCX", "docx_file", "row_heading"]

SUMMARY_DOCX = "evidence-summary.docx"
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def _x(text: str) -> str:
    return _XML_BAD.sub("", text)


def row_heading(row: str) -> str:
    """The heading of a matrix row in the summary: "Statement 1: ...", "Quality indicator
    2.1: ...", "Covid-19 impact: ..."."""
    if row.startswith("S"):
        return f"Statement {row[1:]}: {ROW_LABELS[row]}"
    if row.startswith("QI"):
        return f"Quality indicator {row[2:]}: {ROW_LABELS[row]}"
    return f"Covid-19 impact: {ROW_LABELS[row]}"


def _meta(r: NoteReport) -> str:
    by = r.author if r.author == r.first_author else f"{r.author} (first by {r.first_author})"
    return (f"{r.kind_label} · by {by} · revision {r.revision} of {r.revisions} · "
            f"{r.updated.date().isoformat()}" + (f" · tags: {', '.join(r.note.tags)}"
                                                  if r.note.tags else ""))


def _table(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = _x(text)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = _x(str(value))


def _title_page(doc: Any, report: Report, now: datetime) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_heading(_x(f"Evidence summary: {report.inspection.name}"), level=0)
    doc.add_paragraph(_x(f"Partnership: {report.partnership or 'not recorded'}"))
    if report.dates:
        doc.add_paragraph("Dates:")
        for label, start, end in report.dates:
            span = start.isoformat() if start == end else f"{start.isoformat()} to " \
                                                          f"{end.isoformat()}"
            doc.add_paragraph(_x(f"{label}: {span}"), style="List Bullet")
    else:
        doc.add_paragraph("Dates: no timeline set for this inspection")
    doc.add_paragraph(_x("Team: " + ", ".join(report.team)))
    doc.add_paragraph(_x(f"{len(report.notes)} notes · exported "
                         f"{now.isoformat(timespec='minutes')} from fieldpad"
                         + (" · includes sealed fields" if report.sealed_included else "")))
    doc.add_paragraph("Plaintext: keep this file on encrypted media only, and delete it when "
                      "the report no longer needs it.")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(doc: Any, report: Report) -> None:
    from docx.shared import Cm

    doc.add_heading("Evidence summary", level=1)
    for row in EVIDENCE_ROWS:
        doc.add_heading(_x(row_heading(row)), level=2)
        items = [(r, [p for p in r.passages if row in p.rows]) for r in report.notes]
        items = [(r, quotes) for r, quotes in items if row in r.rows or quotes]
        if not items:
            doc.add_paragraph("No evidence tagged to this yet.")
            continue
        for r, quotes in items:
            found = {*r.status, *(c for p in quotes for c in p.status)}
            status = ", ".join(COLUMN_LABELS[c] for c in EVIDENCE_COLUMNS if c in found) \
                or "status not recorded"
            line = doc.add_paragraph(style="List Bullet")
            line.add_run(_x(r.title)).bold = True
            line.add_run(_x(f" — {r.kind_label} · {r.author} · "
                            f"{r.updated.date().isoformat()} · evidence: {status}"))
            for p in quotes:
                quote = doc.add_paragraph(_x(f"“{p.text}”"), style="Quote")
                quote.paragraph_format.left_indent = Cm(1)
                tags = doc.add_paragraph(_x(f"{p.label} · passage tags: {', '.join(p.tags)}"))
                tags.paragraph_format.left_indent = Cm(1)


def _grades(doc: Any, report: Report) -> None:
    doc.add_heading("Record review grades", level=1)
    summary = review_summary(r.note for r in report.notes)
    doc.add_paragraph(f"{summary.reviews} record reviews. Moderation: " + ", ".join(
        f"{summary.moderation[s]} {s}" for s in MODERATION_STATES) + ".")
    _table(doc, ["Evaluation item", *SIX_POINT_SCALE, "graded"],
           [[i.label, *(i.counts[g] for g in SIX_POINT_SCALE), i.graded]
            for i in summary.items])


def _matrix(doc: Any, report: Report) -> None:
    doc.add_heading("Evidence matrix", level=1)
    m = evidence_matrix(r.note for r in report.notes)
    _table(doc, ["", *(COLUMN_LABELS[c] for c in m.columns)],
           [[ROW_SHORT_LABELS[row], *m.row_counts(row)] for row in m.rows])


def _notes(doc: Any, report: Report) -> None:
    doc.add_heading("Notes", level=1)
    for kind in KINDS:
        notes = [r for r in report.notes if r.note.kind == kind]
        if not notes:
            continue
        doc.add_heading(_x(notes[0].kind_label), level=2)
        for r in notes:
            doc.add_heading(_x(r.title), level=3)
            doc.add_paragraph().add_run(_x(_meta(r))).italic = True
            for f in r.fields:
                para = doc.add_paragraph()
                para.add_run(_x(f.label + (":" if f.long else ": "))).bold = True
                if not f.long:
                    para.add_run(_x(f.value))
                    continue
                for block in _PARAGRAPHS.split(f.value):
                    doc.add_paragraph(_x(block))
            if r.kept:
                doc.add_paragraph().add_run("Kept from a concurrent edit:").bold = True
                for k in r.kept:
                    doc.add_paragraph(_x(f"{k.label}: {k.value}"), style="List Bullet")


def docx_file(report: Report, now: datetime) -> bytes:
    try:
        import docx  # python-docx
    except ImportError:
        raise FieldpadError("DOCX export needs python-docx: pip install python-docx") from None
    doc = docx.Document()
    props = doc.core_properties
    props.author = props.last_modified_by = props.comments = ""
    props.title = _x(f"Evidence summary: {report.inspection.name}")
    props.created = props.modified = now.astimezone(UTC).replace(tzinfo=None)
    _title_page(doc, report, now)
    _summary(doc, report)
    _grades(doc, report)
    _matrix(doc, report)
    _notes(doc, report)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
