"""What an export tells a report writer about each note, before any file format (issue 12).

:func:`build_report` turns an inspection's notes into :class:`NoteReport`s: every field of the
note's template in the template's order with its label (and the note's text under its
template's label, last), formatted and with sealed values kept out of free text; who wrote the
current revision and the first one (the signers, see ``_provenance``), its revision number;
for a record review who recorded the moderation and when; for a concern each step with who
signed it; and every tagged passage with the rows of the evidence matrix it is quoted under.
The writers (``_export_docx``, ``_export_text``) only lay this out.

A sealed field (a concern's child identifier) is left out unless the caller asks for sealed
fields and this device is a lead's (``include_sealed``): then its plaintext, where this device
can open it, is the one place it appears. On a device that does not lead the inspection a
concern is written as its raiser sees it (``as_seen``): no decision, referral or closing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from store import Inspection, Note, Revision
from store.errors import FieldpadError

from ._evidence import EVIDENCE_COLUMNS, EVIDENCE_ROWS
from ._tags import InvalidTag, validate_tag
from ._templates import (
    KIND_LABELS,
    TEMPLATES,
    FieldSpec,
    Template,
    UnknownTemplate,
    format_field,
    template_for,
)

if TYPE_CHECKING:
    from store import Session

__all__ = ["FieldEntry", "NoteReport", "PassageEntry", "Report", "build_report",
           "SealedNotAllowed"]

REDACTED = "[sealed]"
_SEALED_MIN = 4  # shorter sealed values are not searched for in free text (too many false hits)
BODY = "body"


class SealedNotAllowed(FieldpadError):
    """Sealed fields were asked for on a device that is not a lead's."""


@dataclass(frozen=True, slots=True)
class FieldEntry:
    """One field as exported: ``name`` (``"body"`` for the note's text), its label, its value
    as text, and whether it is long text (laid out as paragraphs)."""

    name: str
    label: str
    value: str
    long: bool = False


@dataclass(frozen=True, slots=True)
class PassageEntry:
    """A tagged passage: the field it is in, its text, its tags, and the matrix rows it is
    quoted under (its own row tags, or the note's when it has none of its own)."""

    field: str
    label: str
    text: str
    tags: tuple[str, ...]
    rows: tuple[str, ...]
    status: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NoteReport:
    note: Note
    kind_label: str
    title: str
    author: str
    first_author: str
    revision: int
    revisions: int
    fields: tuple[FieldEntry, ...]
    passages: tuple[PassageEntry, ...]
    kept: tuple[FieldEntry, ...]
    rows: tuple[str, ...]  # matrix rows the note's own tags put it under
    status: tuple[str, ...]  # matrix columns of the note's own tags

    @property
    def updated(self) -> datetime:
        return self.note.updated


@dataclass(frozen=True, slots=True)
class Report:
    inspection: Inspection
    partnership: str
    team: tuple[str, ...]
    dates: tuple[tuple[str, date, date], ...]  # (step label, start, end) of the timeline
    notes: tuple[NoteReport, ...]
    sealed_included: bool


# -- sealed values ------------------------------------------------------------------------------
def sealed_names(kind: str) -> set[str]:
    """Fields sealed in any version of ``kind``'s template."""
    return {f.name for t in TEMPLATES.values() if t.kind == kind
            for f in t.fields if f.type == "sealed"}


class Redactor:
    """Replaces every sealed value of the exported notes wherever it appears in free text."""

    def __init__(self, notes: Iterable[Note], unsealed: Iterable[str] = ()) -> None:
        # sealed values are blobs now; ``unsealed`` is their plaintext where this device can
        # open them, so an identifier also typed into free text is still caught
        values: set[str] = {v.strip() for v in unsealed if len(v.strip()) >= _SEALED_MIN}
        for note in notes:
            sealed = sealed_names(note.kind)
            for name, value in note.fields.items():
                if name in sealed and isinstance(value, str) and \
                        len(value.strip()) >= _SEALED_MIN:
                    values.add(value.strip())
            for name, kept in note.kept.items():
                if name.removeprefix("fields.") in sealed:
                    values.update(v.strip() for v in (kept if isinstance(kept, list) else [kept])
                                  if isinstance(v, str) and len(v.strip()) >= _SEALED_MIN)
        self._pattern = (re.compile("|".join(re.escape(v) for v in
                                             sorted(values, key=len, reverse=True)),
                                    re.IGNORECASE) if values else None)

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text


def may_export_sealed(session: Session, inspection: Inspection) -> bool:
    """Only a lead's device (or the only device of a local notebook) exports sealed fields."""
    if inspection.scope == "local":
        return True
    roster = session.team_roster(inspection.inspection_id)
    return roster is not None and roster.is_lead(session.device_id)


# -- one note -----------------------------------------------------------------------------------
def _template(note: Note) -> Template | None:
    for version in (note.template, None):
        try:
            return template_for(note.kind, version)
        except UnknownTemplate:
            continue
    return None


def _norm(tags: Iterable[str]) -> list[str]:
    out = []
    for tag in tags:
        try:
            out.append(validate_tag(tag))
        except InvalidTag:
            continue
    return out


def passage_source(note: Note, passage: Any) -> tuple[str, str]:
    """The (field name, text) a passage tag points into: the note's text, or a long text
    field when the tag names one."""
    name = getattr(passage, "field", BODY) or BODY
    if name == BODY:
        return BODY, note.body
    value = note.fields.get(name)
    return name, value if isinstance(value, str) else ""


def _passages(note: Note, labels: dict[str, str], redact: Redactor) -> list[PassageEntry]:
    note_tags = _norm(note.tags)
    spans: dict[tuple[str, int, int], list[str]] = {}
    sources: dict[str, str] = {}
    for p in note.passages:
        name, text = passage_source(note, p)
        sources[name] = text
        spans.setdefault((name, p.start, p.end), []).append(p.tag)
    out = []
    for (name, start, end), tags in sorted(spans.items()):
        own = _norm(tags)
        rows = [t for t in EVIDENCE_ROWS if t in own] or [t for t in EVIDENCE_ROWS
                                                          if t in note_tags]
        status = [c for c in EVIDENCE_COLUMNS if c in own or c in note_tags]
        out.append(PassageEntry(name, labels.get(name, name),
                                redact(sources[name][start:end].strip()),
                                tuple(own), tuple(rows), tuple(status)))
    return out


def _moderated_by(session: Session, note: Note, history: Sequence[Revision]) -> str:
    """Who recorded the review's current moderation, and when: the signer of the revision
    that last changed the moderation or its notes."""
    def state(n: Note) -> tuple[Any, Any]:
        return n.fields.get("moderation"), n.fields.get("moderation_notes")

    current = state(note)
    if current[0] in (None, "", "not yet moderated"):
        return ""
    by: Revision | None = None
    previous: tuple[Any, Any] | None = None
    for rev in history:
        s = state(rev.note)
        if s != previous and s == current:
            by = rev
        previous = s
    if by is None:
        return ""
    who = session.author_of(by.note.collection_id, by.signer).name
    return f"{who}, {by.updated.date().isoformat()}"


def _concern_steps(note: Note, history: Sequence[Revision]) -> str:
    from ._concerns import concern_steps

    lines = []
    for step in concern_steps(note, history):
        when = step.at.date().isoformat() if step.at else "no time recorded"
        who = f" · signed by {step.signed_by}" if step.signed_by else ""
        lines.append(f"{step.step}: {when}{who}")
    return "\n".join(lines)


def _fields(session: Session, note: Note, template: Template | None, history: Sequence[Revision],
            redact: Redactor, sealed_ok: bool) -> list[FieldEntry]:
    out: list[FieldEntry] = []
    specs: tuple[FieldSpec, ...] = template.fields if template else ()
    sealed = sealed_names(note.kind)
    for spec in specs:
        if spec.type == "sealed" or spec.name in sealed:
            if sealed_ok:
                plain = session.unseal(note, spec.name)
                if plain:
                    out.append(FieldEntry(spec.name, spec.label, plain))
            continue
        text = format_field(spec, note.fields.get(spec.name))
        if text.strip():
            out.append(FieldEntry(spec.name, spec.label, redact(text.strip()),
                                  spec.type == "longtext"))
        if spec.name == "moderation" and note.kind == "record_review":
            by = _moderated_by(session, note, history)
            if by:
                out.append(FieldEntry("moderated_by", "Moderation recorded by", by))
    if note.kind == "concern":
        steps = _concern_steps(note, history)
        if steps:
            out.append(FieldEntry("steps", "Steps recorded", steps, True))
    if note.body.strip():
        label = template.body_label if template else "Notes"
        out.append(FieldEntry(BODY, label, redact(note.body.strip()), True))
    return out


def _kept(note: Note, template: Template | None, redact: Redactor) -> list[FieldEntry]:
    sealed = sealed_names(note.kind)
    specs = {s.name: s for s in template.fields} if template else {}
    out = []
    for key, values in sorted(note.kept.items()):
        name = key.removeprefix("fields.")
        if name in sealed or (name not in specs and key not in ("title", "body")):
            continue
        spec = specs.get(name)
        for value in values if isinstance(values, list) else [values]:
            text = format_field(spec, value) if spec else str(value)
            out.append(FieldEntry(name, spec.label if spec else name.capitalize(),
                                  redact(text), True))
    return out


def note_report(session: Session, note: Note, redact: Redactor, *,
                sealed_ok: bool = False) -> NoteReport:
    from ._concerns import as_seen

    # a concern on an inspection this device does not lead: its raiser's part only (the form's
    # rule); the lead's decision, referral and the passages tagged in them are not written
    note = as_seen(session, note)
    template = _template(note)
    history = session.history(note.note_id)
    revs = [r.rev for r in history]
    revision = revs.index(note.rev) + 1 if note.rev in revs else len(revs)
    labels = {s.name: s.label for s in template.fields} if template else {}
    labels[BODY] = template.body_label if template else "Notes"
    own = _norm(note.tags)
    return NoteReport(
        note=note, kind_label=KIND_LABELS.get(note.kind, note.kind), title=redact(note.title),
        author=note.author, first_author=note.first_author or note.author,
        revision=revision, revisions=len(history),
        fields=tuple(_fields(session, note, template, history, redact, sealed_ok)),
        passages=tuple(_passages(note, labels, redact)), kept=tuple(_kept(note, template, redact)),
        rows=tuple(t for t in EVIDENCE_ROWS if t in own),
        status=tuple(c for c in EVIDENCE_COLUMNS if c in own))


# -- the inspection -----------------------------------------------------------------------------
def _unsealed(session: Session, notes: Iterable[Note]) -> list[str]:
    out = []
    for note in notes:
        for name in sealed_names(note.kind):
            plain = session.unseal(note, name)
            if plain:
                out.append(plain)
    return out


def _team(session: Session, inspection: Inspection) -> tuple[str, ...]:
    roster = session.team_roster(inspection.inspection_id)
    if roster is None:
        return (session.author,)
    users: dict[str, str] = {}
    for dev in roster.devices():
        if users.get(dev.user) != "lead":
            users[dev.user] = dev.role
    return tuple(f"{u} ({r})" for u, r in sorted(users.items()))


def _dates(inspection: Inspection) -> tuple[tuple[str, date, date], ...]:
    from ._timeline import Timeline, TimelineError

    data = inspection.extra.get("timeline")
    if not data:
        return ()
    try:
        return tuple((s.label, s.start, s.end) for s in Timeline.from_dict(data).schedule())
    except (TimelineError, KeyError, TypeError, ValueError):
        return ()


def build_report(session: Session, inspection: Inspection, *,
                 include_sealed: bool = False) -> Report:
    """Everything an export writes about ``inspection`` (deleted notes left out)."""
    if include_sealed and not may_export_sealed(session, inspection):
        raise SealedNotAllowed("sealed fields are exported only on a lead's device; export "
                               "without them, or ask a lead to export")
    notes = sorted(session.load_bodies(session.list_notes(inspection)),
                   key=lambda n: (n.hlc, n.note_id))
    redact = Redactor(notes, _unsealed(session, notes))
    return Report(inspection, inspection.partnership, _team(session, inspection),
                  _dates(inspection),
                  tuple(note_report(session, n, redact, sealed_ok=include_sealed)
                        for n in notes), include_sealed)
