"""The evidence matrix: statements, QI 2.1 and Covid-19 impact against evidence status.

Rows are the statements ``S1``..``S4``, the quality indicator ``QI2.1`` and ``covid``;
columns are the three evidence statuses (no significant concern, uncertainty, concern) and
strength / area for development. Pure functions over a ``list[Note]`` (the caller picks the
inspection's notes):

- :func:`evidence_matrix` counts notes per cell,
- :func:`drill_down` returns the notes and passage excerpts behind one cell,
- :func:`areas_of_uncertainty` lists the notes tagged ``status:uncertainty`` per row.

How a note reaches a cell (each note is counted at most once per cell; deleted notes never):

- its **note tags** hold both the row tag and the column tag; or
- one of its **highlighted passages** does. A passage is a span ``body[start:end]``; its tags
  are those of every :class:`PassageTag` on the same span or on a span that encloses it, plus
  the note's own tags (a passage inherits the note's context: a note tagged ``S1`` with one
  sentence tagged ``status:concern`` is a concern under statement 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from store import DELETED, Note

from ._tags import InvalidTag, validate_tag

__all__ = [
    "COLUMN_LABELS",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_ROWS",
    "ROW_LABELS",
    "ROW_SHORT_LABELS",
    "UNASSIGNED",
    "CellEvidence",
    "EvidenceMatrix",
    "Excerpt",
    "UncertaintyArea",
    "areas_of_uncertainty",
    "drill_down",
    "evidence_matrix",
    "evidence_links",
    "statement_evidence",
]

#: Rows: the four statements, QI 2.1 and the Covid-19 impact the methodology asks about.
EVIDENCE_ROWS: tuple[str, ...] = ("S1", "S2", "S3", "S4", "QI2.1", "covid")
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "status:nsc", "status:uncertainty", "status:concern", "strength", "afd",
)
#: The statements of the joint inspection of services for children at risk of harm.
ROW_LABELS = MappingProxyType({
    "S1": "Children and young people are safer because risks have been identified early and "
          "responded to effectively",
    "S2": "Children and young people's lives improve with high quality planning and support",
    "S3": "Children, young people and families are meaningfully and appropriately involved in "
          "decisions about their lives",
    "S4": "Collaborative strategic leadership, planning and operational management ensure high "
          "standards of service delivery",
    "QI2.1": "Impact on children and young people",
    "covid": "Impact of the Covid-19 pandemic on services and on children and families",
})
ROW_SHORT_LABELS = MappingProxyType({
    "S1": "1 Safer, risks early",
    "S2": "2 Planning and support",
    "S3": "3 Involved in decisions",
    "S4": "4 Leadership",
    "QI2.1": "QI 2.1 Impact",
    "covid": "Covid-19 impact",
})
COLUMN_LABELS = MappingProxyType({
    "status:nsc": "no significant concern",
    "status:uncertainty": "uncertainty",
    "status:concern": "concern",
    "strength": "strength",
    "afd": "area for development",
})
#: The row key :func:`areas_of_uncertainty` uses for notes tagged uncertainty but no row.
UNASSIGNED = "unassigned"

_EXCERPT_MAX = 400


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A highlighted passage of a note: ``text[start:end]`` of its body (``field`` empty) or of
    the long text field ``field``, with the tags that apply to it (its own, those of enclosing
    passages of the same text and the note's)."""

    start: int
    end: int
    text: str
    tags: tuple[str, ...]
    field: str = ""


@dataclass(frozen=True, slots=True)
class CellEvidence:
    """One note behind a cell: whether its note tags put it there (``whole_note``) and the
    passages that do."""

    note: Note
    whole_note: bool
    excerpts: tuple[Excerpt, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceMatrix:
    """Counts of notes per (row, column); ``note_ids`` names the notes of each cell."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    note_ids: MappingProxyType[tuple[str, str], tuple[str, ...]]
    total_notes: int

    def count(self, row: str, column: str) -> int:
        _check_cell(row, column)
        return len(self.note_ids[(row, column)])

    def row_counts(self, row: str) -> tuple[int, ...]:
        return tuple(self.count(row, c) for c in self.columns)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``fieldpad evidence --json``."""
        return {
            "columns": [{"tag": c, "label": COLUMN_LABELS[c]} for c in self.columns],
            "rows": [{"tag": r, "label": ROW_LABELS[r], "short_label": ROW_SHORT_LABELS[r],
                      "counts": {c: self.count(r, c) for c in self.columns}}
                     for r in self.rows],
            "notes_counted": self.total_notes,
        }


@dataclass(frozen=True, slots=True)
class UncertaintyArea:
    """The notes tagged ``status:uncertainty`` under one row (or :data:`UNASSIGNED`)."""

    row: str
    label: str
    evidence: tuple[CellEvidence, ...]


def _check_cell(row: str, column: str) -> None:
    if row not in EVIDENCE_ROWS:
        raise KeyError(f"{row!r} is not a row of the evidence matrix; rows: "
                       + ", ".join(EVIDENCE_ROWS))
    if column not in EVIDENCE_COLUMNS:
        raise KeyError(f"{column!r} is not a column of the evidence matrix; columns: "
                       + ", ".join(EVIDENCE_COLUMNS))


def _normalised(tags: Iterable[str]) -> frozenset[str]:
    out = set()
    for tag in tags:
        try:
            out.add(validate_tag(tag))
        except InvalidTag:
            continue  # a tag from a newer version or a damaged record: ignore it, count the rest
    return frozenset(out)


Span = tuple[str, int, int]  # (field, start, end): field "" is the body


def _passage_groups(note: Note) -> list[tuple[Span, frozenset[str], frozenset[str]]]:
    """Each distinct passage span with its own tags (its and enclosing passages' of the same
    text) and its effective tags (own plus the note's)."""
    spans: dict[Span, set[str]] = {}
    for p in note.passages:
        spans.setdefault((p.field, p.start, p.end), set()).add(p.tag)
    note_tags = _normalised(note.tags)
    groups = []
    for span in sorted(spans):
        field, start, end = span
        own: set[str] = set()
        for (f, s, e), tags in spans.items():
            if f == field and s <= start and end <= e:
                own |= tags
        mine = _normalised(own)
        groups.append((span, mine, mine | note_tags))
    return groups


def _excerpt(note: Note, span: Span, tags: frozenset[str]) -> Excerpt:
    field, start, end = span
    source = note.fields.get(field) if field else note.body
    text = source[start:end] if isinstance(source, str) else ""
    if len(text) > _EXCERPT_MAX:
        text = text[:_EXCERPT_MAX - 1] + "…"
    ordered = tuple(sorted(tags, key=_tag_order))
    return Excerpt(start, end, text, ordered, field)


def _tag_order(tag: str) -> tuple[int, str]:
    known = EVIDENCE_ROWS + EVIDENCE_COLUMNS
    return (known.index(tag), tag) if tag in known else (len(known), tag)


def _live(notes: Iterable[Note]) -> list[Note]:
    seen: set[str] = set()
    out = []
    for n in notes:
        if n.state == DELETED or n.note_id in seen:
            continue
        seen.add(n.note_id)
        out.append(n)
    return out


def evidence_links(note: Note) -> dict[tuple[str, str], CellEvidence]:
    """Every cell one note reaches, with what puts it there (empty for a deleted note)."""
    if note.state == DELETED:
        return {}
    note_tags = _normalised(note.tags)
    whole: set[tuple[str, str]] = {(r, c) for r in EVIDENCE_ROWS if r in note_tags
                                   for c in EVIDENCE_COLUMNS if c in note_tags}
    passages: dict[tuple[str, str], list[Excerpt]] = {}
    for span, own, tags in _passage_groups(note):
        for r in EVIDENCE_ROWS:
            if r not in tags:
                continue
            for c in EVIDENCE_COLUMNS:
                # the passage must say something about the cell itself: a passage tagged
                # only #code on a note tagged S1 and status:nsc is no excerpt of that cell
                if c in tags and (r in own or c in own):
                    passages.setdefault((r, c), []).append(_excerpt(note, span, tags))
    return {cell: CellEvidence(note, cell in whole, tuple(passages.get(cell, ())))
            for cell in (*whole, *passages)}


def evidence_matrix(notes: Iterable[Note]) -> EvidenceMatrix:
    """Count the notes behind every cell; deleted notes are left out."""
    live = _live(notes)
    cells: dict[tuple[str, str], list[str]] = {(r, c): [] for r in EVIDENCE_ROWS
                                               for c in EVIDENCE_COLUMNS}
    for note in live:
        for cell in evidence_links(note):
            cells[cell].append(note.note_id)
    return EvidenceMatrix(EVIDENCE_ROWS, EVIDENCE_COLUMNS,
                          MappingProxyType({k: tuple(v) for k, v in cells.items()}), len(live))


def drill_down(notes: Iterable[Note], row: str, column: str) -> list[CellEvidence]:
    """The notes behind one cell (newest first), each with the passages that put it there."""
    row, column = _cell_tag(row), _cell_tag(column)
    _check_cell(row, column)
    out = []
    for note in _live(notes):
        hit = evidence_links(note).get((row, column))
        if hit is not None:
            out.append(hit)
    out.sort(key=lambda e: e.note.hlc, reverse=True)
    return out


def _cell_tag(tag: str) -> str:
    try:
        return validate_tag(tag)
    except InvalidTag:
        return tag  # reported by _check_cell with the list of rows or columns


def areas_of_uncertainty(notes: Iterable[Note]) -> list[UncertaintyArea]:
    """The notes tagged ``status:uncertainty``, per row of the matrix.

    Every row appears (possibly empty), in matrix order; notes (or passages) tagged uncertainty
    without a statement or QI 2.1 come last under :data:`UNASSIGNED` so none is overlooked.
    """
    live = _live(notes)
    areas = [UncertaintyArea(r, ROW_LABELS[r], tuple(drill_down(live, r, "status:uncertainty")))
             for r in EVIDENCE_ROWS]
    placed = {e.note.note_id for a in areas for e in a.evidence}
    loose: list[CellEvidence] = []
    for note in live:
        if note.note_id in placed:
            continue
        whole = "status:uncertainty" in _normalised(note.tags)
        excerpts = tuple(_excerpt(note, span, tags) for span, own, tags in _passage_groups(note)
                         if "status:uncertainty" in own)
        if whole or excerpts:
            loose.append(CellEvidence(note, whole, excerpts))
    loose.sort(key=lambda e: e.note.hlc, reverse=True)
    areas.append(UncertaintyArea(UNASSIGNED, "Not yet linked to a statement", tuple(loose)))
    return areas


def statement_evidence(notes: Sequence[Note], row: str) -> list[tuple[CellEvidence,
                                                                      tuple[str, ...]]]:
    """Every note linked to ``row`` by any column, with the columns it reaches (matrix order).

    A note tagged with the row but no status or strength still appears, with no columns: the
    evidence summary lists it under its statement as "status not yet recorded".
    """
    row = _cell_tag(row)
    if row not in EVIDENCE_ROWS:
        raise KeyError(f"{row!r} is not a row of the evidence matrix")
    out = []
    for note in _live(notes):
        links = {c: ev for (r, c), ev in evidence_links(note).items() if r == row}
        note_tags = _normalised(note.tags)
        in_passage = [(span, t) for span, own, t in _passage_groups(note)
                      if row in t and (own & {row, *EVIDENCE_COLUMNS})]
        if not links and row not in note_tags and not in_passage:
            continue
        whole = row in note_tags
        excerpts: dict[Span, Excerpt] = {}
        for ev in links.values():
            for x in ev.excerpts:
                excerpts[(x.field, x.start, x.end)] = x
        for span, t in in_passage:
            excerpts.setdefault(span, _excerpt(note, span, t))
        columns = tuple(c for c in EVIDENCE_COLUMNS if c in links)
        ordered = tuple(excerpts[k] for k in sorted(excerpts))
        out.append((CellEvidence(note, whole, ordered), columns))
    out.sort(key=lambda pair: pair[0].note.hlc, reverse=True)
    return out
