"""Export for report writing: Markdown per note, CSV of grades and of the evidence matrix, and
one DOCX evidence summary grouped by statement.

Exports are plaintext: they are written only into the folder the user names, which must be
empty unless ``overwrite=True``; every file is created with mode 0o600 and never through a
symbolic link. A concern form's sealed child identifier (every ``FieldSpec.type == "sealed"``
field) is never written: fields are exported from the note's template minus its sealed fields
(a field the template does not know is not exported either), and any sealed value that also
turns up in a note's title, text or other fields is replaced by ``[sealed]``.

python-docx is imported only for the DOCX format.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import Inspection, Note
from store.errors import FieldpadError

from ._evidence import COLUMN_LABELS, EVIDENCE_ROWS, ROW_LABELS, evidence_matrix, statement_evidence
from ._reviews import grade_of as _grade
from ._reviews import grade_summary
from ._templates import (
    EVALUATION_ITEMS,
    KIND_LABELS,
    TEMPLATES,
    FieldSpec,
    UnknownTemplate,
    format_field,
    template_for,
)

if TYPE_CHECKING:
    from store import Session

__all__ = [
    "PLAINTEXT_WARNING",
    "EXPORT_FORMATS",
    "ExportError",
    "export_inspection",
    "grade_summary",
    "safe_filename",
]

#: Said every time evidence is exported (the CLI's stderr, the app's export dialog).
PLAINTEXT_WARNING = (
    "exported files are plaintext, outside fieldpad's encryption. Keep them only on "
    "encrypted media, share them only as your inspection's data handling allows, and delete "
    "them when the report no longer needs them."
)

EXPORT_FORMATS: tuple[str, ...] = ("md", "csv", "docx")
GRADES_CSV, MATRIX_CSV, SUMMARY_DOCX = ("record-review-grades.csv", "evidence-matrix.csv",
                                        "evidence-summary.docx")
REDACTED = "[sealed]"
_SEALED_MIN = 4  # shorter sealed values are not searched for in free text (too many false hits)
_NAME_MAX = 60
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILE_MODE = 0o600


class ExportError(FieldpadError):
    """Raised when an export cannot be written (folder not empty, not a folder, a link)."""


# -- what may leave the store -------------------------------------------------------------------
def _sealed_names(kind: str) -> set[str]:
    """Fields sealed in any version of ``kind``'s template."""
    return {f.name for t in TEMPLATES.values() if t.kind == kind
            for f in t.fields if f.type == "sealed"}


def _exportable_fields(note: Note) -> list[FieldSpec]:
    """The note's template fields that may be exported: never a sealed one."""
    try:
        template = template_for(note.kind, note.template)
    except UnknownTemplate:
        try:
            template = template_for(note.kind)  # a newer version: export what we know
        except UnknownTemplate:
            return []
    sealed = _sealed_names(note.kind)
    return [f for f in template.fields if f.type != "sealed" and f.name not in sealed]


class _Redactor:
    """Replaces every sealed value of the exported notes wherever it appears in free text."""

    def __init__(self, notes: Iterable[Note], unsealed: Iterable[str] = ()) -> None:
        # sealed values are blobs now; ``unsealed`` is their plaintext where this device can
        # open them, so an identifier also typed into free text is still caught
        values: set[str] = {v.strip() for v in unsealed if len(v.strip()) >= _SEALED_MIN}
        for note in notes:
            sealed = _sealed_names(note.kind)
            for name, value in note.fields.items():
                if name in sealed and isinstance(value, str) and \
                        len(value.strip()) >= _SEALED_MIN:
                    values.add(value.strip())
            for name, kept in note.kept.items():
                if name in sealed:
                    values.update(v.strip() for v in (kept if isinstance(kept, list) else [kept])
                                  if isinstance(v, str) and len(v.strip()) >= _SEALED_MIN)
        self._pattern = (re.compile("|".join(re.escape(v) for v in
                                             sorted(values, key=len, reverse=True)),
                                    re.IGNORECASE) if values else None)

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text


def _unsealed(session: Session, notes: Iterable[Note]) -> list[str]:
    out = []
    for note in notes:
        for name in _sealed_names(note.kind):
            plain = session.unseal(note, name)
            if plain:
                out.append(plain)
    return out


# -- file writing -------------------------------------------------------------------------------
class _Folder:
    def __init__(self, out_dir: Path, overwrite: bool) -> None:
        self.path = Path(out_dir)
        self.overwrite = overwrite
        self.created: list[Path] = []
        self.written: list[Path] = []
        self.made_folder = False
        if self.path.exists():
            if not self.path.is_dir():
                raise ExportError(f"{self.path} is not a folder")
            if any(self.path.iterdir()) and not overwrite:
                raise ExportError(f"{self.path} is not empty: choose an empty folder, or "
                                  "overwrite files of the same names with --overwrite")
        else:
            self.path.mkdir(parents=True, mode=0o700)
            self.made_folder = True

    def write(self, name: str, data: bytes) -> Path:
        path = self.path / name
        existed = path.exists() or path.is_symlink()
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        if not self.overwrite:
            flags |= os.O_EXCL
        try:
            fd = os.open(path, flags, _FILE_MODE)
        except FileExistsError:
            raise ExportError(f"{path} already exists; use --overwrite to replace it") from None
        except OSError as exc:
            if path.is_symlink():
                raise ExportError(f"{path} is a symbolic link; not writing through it") from None
            raise exc
        if not existed:
            self.created.append(path)
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), _FILE_MODE)  # an overwritten file keeps no wider mode
            f.write(data)
        self.written.append(path)
        return path

    def undo(self) -> None:
        for path in self.created:
            path.unlink(missing_ok=True)
        if self.made_folder and not any(self.path.iterdir()):
            self.path.rmdir()


def safe_filename(title: str, taken: set[str], suffix: str = ".md") -> str:
    """A portable file name from a title, unique (ignoring case) among ``taken``, which it
    updates: ASCII letters, digits and ``-``, at most 60 characters before the suffix."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:_NAME_MAX].strip("-") or "note"
    if stem in _RESERVED:
        stem = f"note-{stem}"
    name, n = stem + suffix, 1
    while name.casefold() in taken:
        n += 1
        name = f"{stem}-{n}{suffix}"
    taken.add(name.casefold())
    return name


# -- Markdown -----------------------------------------------------------------------------------
def _front(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)  # JSON scalars and lists are valid YAML


def _markdown(note: Note, inspection: Inspection, redact: _Redactor) -> str:
    lines = ["---",
             f"title: {_front(redact(note.title))}",
             f"id: {_front(note.note_id)}",
             f"inspection: {_front(inspection.name)}",
             f"kind: {_front(note.kind)}",
             f"template: {note.template}",
             f"author: {_front(note.author)}",
             f"date: {_front(note.updated.isoformat(timespec='seconds'))}",
             f"state: {_front(note.state)}",
             f"tags: {_front(list(note.tags))}",
             "---", "", f"# {redact(note.title)}", ""]
    if note.body.strip():
        lines += [redact(note.body.rstrip()), ""]
    specs = _exportable_fields(note)
    short = [(s, note.fields.get(s.name)) for s in specs if s.type != "longtext"]
    short = [(s, v) for s, v in short if format_field(s, v)]
    long = [(s, note.fields.get(s.name)) for s in specs if s.type == "longtext"]
    long = [(s, v) for s, v in long if format_field(s, v)]
    if short or long:
        lines += ["## Fields", ""]
        lines += [f"- **{s.label}**: {redact(format_field(s, v))}" for s, v in short]
        lines += [""] if short else []
        for s, v in long:
            lines += [f"### {s.label}", "", redact(format_field(s, v).rstrip()), ""]
    if note.passages:
        lines += ["## Tagged passages", ""]
        for p in sorted(note.passages, key=lambda p: (p.start, p.end, p.tag)):
            excerpt = redact(note.body[p.start:p.end]).strip()
            lines += [*(f"> {line}" for line in excerpt.splitlines()), f"> — {p.tag}", ""]
    allowed = {s.name: s for s in specs}
    kept = {k: v for k, v in note.kept.items() if k in allowed or k in ("title", "body")}
    if kept:
        lines += ["## Kept from a concurrent edit", ""]
        for name, values in kept.items():
            for value in values if isinstance(values, list) else [values]:
                lines += [f"- **{name}**: {redact(str(value))}"]
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


def _grades_rows(notes: Sequence[Note], redact: _Redactor) -> list[list[Any]]:
    header = ["id", "title", "pseudonym", "author", "updated", "category", "age band",
              "agencies", *(label for _, label in EVALUATION_ITEMS), "moderation",
              "concern flag"]
    rows: list[list[Any]] = [header]
    for n in notes:
        if n.kind != "record_review":
            continue
        f = n.fields
        agencies = f.get("agencies") if isinstance(f.get("agencies"), list) else []
        flag = f.get("concern_flag")
        rows.append([n.note_id, redact(n.title), redact(str(f.get("pseudonym") or "")),
                     n.author, n.updated.isoformat(timespec="seconds"),
                     f.get("category") or "", f.get("age_band") or "", "; ".join(agencies),
                     *(_grade(f, item) for item, _ in EVALUATION_ITEMS),
                     f.get("moderation") or "", "" if flag is None else
                     ("yes" if flag is True else "no")])
    return rows


def _matrix_rows(notes: Sequence[Note]) -> list[list[Any]]:
    m = evidence_matrix(notes)
    rows: list[list[Any]] = [["row", "label", *(COLUMN_LABELS[c] for c in m.columns)]]
    rows += [[r, ROW_LABELS[r], *m.row_counts(r)] for r in m.rows]
    return rows


# -- DOCX ---------------------------------------------------------------------------------------
def _x(text: str) -> str:
    return _XML_BAD.sub("", text)


def _heading_for(row: str) -> str:
    if row.startswith("S"):
        return f"Statement {row[1:]}: {ROW_LABELS[row]}"
    return f"Quality indicator {row[2:]}: {ROW_LABELS[row]}"


def _docx(notes: Sequence[Note], inspection: Inspection, redact: _Redactor,
          now: datetime) -> bytes:
    try:
        import docx  # python-docx
        from docx.shared import Cm
    except ImportError:
        raise ExportError("DOCX export needs python-docx: pip install python-docx") from None
    doc = docx.Document()
    props = doc.core_properties
    props.author = props.last_modified_by = props.comments = ""
    props.title = _x(f"Evidence summary: {inspection.name}")
    props.created = props.modified = now.astimezone(UTC).replace(tzinfo=None)
    doc.add_heading(_x(f"Evidence summary: {inspection.name}"), level=0)
    intro = f"Exported {now.isoformat(timespec='minutes')} from fieldpad"
    if inspection.partnership:
        intro += f" · {inspection.partnership}"
    doc.add_paragraph(_x(intro + ". Plaintext: keep this file on encrypted media only."))
    matrix = evidence_matrix(notes)
    table = doc.add_table(rows=1, cols=len(matrix.columns) + 1)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["", *(COLUMN_LABELS[c] for c in
                                                      matrix.columns)], strict=True):
        cell.text = text
    for row in matrix.rows:
        cells = table.add_row().cells
        cells[0].text = row
        for cell, count in zip(cells[1:], matrix.row_counts(row), strict=True):
            cell.text = str(count)
    for row in EVIDENCE_ROWS:
        doc.add_heading(_x(_heading_for(row)), level=1)
        items = statement_evidence(notes, row)
        if not items:
            doc.add_paragraph("No evidence tagged to this statement yet.")
            continue
        for ev, columns in items:
            note = ev.note
            doc.add_heading(_x(redact(note.title)), level=2)
            status = ", ".join(COLUMN_LABELS[c] for c in columns) or "status not yet recorded"
            kind = KIND_LABELS.get(note.kind, note.kind)
            meta = doc.add_paragraph().add_run(_x(
                f"{kind} · {note.author} · {note.updated.date().isoformat()} · "
                f"evidence: {status}"))
            meta.italic = True
            if ev.whole_note and note.body.strip():
                for para in re.split(r"\n\s*\n", redact(note.body.strip())):
                    doc.add_paragraph(_x(para))
            for x in ev.excerpts:
                quote = doc.add_paragraph(_x(f"“{redact(x.text.strip())}”"))
                quote.paragraph_format.left_indent = Cm(1)
                tags = doc.add_paragraph(_x("Passage tags: " + ", ".join(x.tags)))
                tags.paragraph_format.left_indent = Cm(1)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# -- the export ---------------------------------------------------------------------------------
def export_inspection(session: Session, inspection: Inspection, fmt: str, out_dir: Path, *,
                      overwrite: bool = False, now: datetime | None = None) -> list[Path]:
    """Write an inspection's notes (not deleted ones) into ``out_dir``; return the paths.

    ``md``: one file per note; ``csv``: record review grades and the evidence matrix;
    ``docx``: one evidence summary grouped by statement. Raises :class:`ExportError` if
    ``out_dir`` is not empty (unless ``overwrite``), and writes nothing then; if writing fails
    midway, the files this export created are removed again.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: "
                          + ", ".join(EXPORT_FORMATS))
    notes = sorted(session.list_notes(inspection), key=lambda n: (n.hlc, n.note_id))
    redact = _Redactor(notes, _unsealed(session, notes))
    now = now or datetime.now(UTC)
    folder = _Folder(Path(out_dir), overwrite)
    try:
        if fmt == "md":
            taken: set[str] = set()
            for note in notes:
                name = safe_filename(note.title, taken)
                folder.write(name, _markdown(note, inspection, redact).encode("utf-8"))
        elif fmt == "csv":
            folder.write(GRADES_CSV, _csv(_grades_rows(notes, redact)))
            folder.write(MATRIX_CSV, _csv(_matrix_rows(notes)))
        else:
            folder.write(SUMMARY_DOCX, _docx(notes, inspection, redact, now))
    except BaseException:
        folder.undo()
        raise
    return list(folder.written)
