"""What changed between two revisions of a note: field by field, word by word (difflib).

:func:`diff_notes` compares two :class:`Note`s (any two revisions from ``Session.history``);
:func:`diff_revisions` picks them by revision id (or a unique prefix) the way ``fieldpad note
diff ID [REV] [REV]`` and the history screen do. A sealed field is compared as "changed" or
not, never shown: its values are ciphertext, and its plaintext is not for a diff.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._model import Note, PassageTag, Revision
from .crypto import is_sealed
from .errors import NotFound
from .inspection import FieldSpec, UnknownTemplate, format_field, template_for

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["EQUAL", "DELETED", "INSERTED", "FieldDiff", "diff_notes", "diff_revisions",
           "word_diff"]

EQUAL, DELETED, INSERTED = "=", "-", "+"
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
SEALED_TEXT = "(sealed)"


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs: its name and label, both values as text, and the word diff as
    ``(op, text)`` pieces (``"="`` kept, ``"-"`` only in the old, ``"+"`` only in the new)."""

    name: str
    label: str
    old: str
    new: str
    pieces: tuple[tuple[str, str], ...]

    @property
    def deleted(self) -> list[str]:
        return [t for op, t in self.pieces if op == DELETED]

    @property
    def inserted(self) -> list[str]:
        return [t for op, t in self.pieces if op == INSERTED]

    def as_text(self) -> str:
        """The word diff as ``git diff --word-diff`` writes it: ``[-old-]{+new+}``."""
        return "".join(t if op == EQUAL else f"[-{t}-]" if op == DELETED else f"{{+{t}+}}"
                       for op, t in self.pieces)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.name, "label": self.label, "old": self.old, "new": self.new,
                "deleted": self.deleted, "inserted": self.inserted}


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``old`` to ``new`` as (op, text) pieces, compared word by word (spaces and punctuation
    are words of their own); neighbouring pieces of one op are joined."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add(EQUAL, "".join(a[i1:i2]))
        else:
            add(DELETED, "".join(a[i1:i2]))
            add(INSERTED, "".join(b[j1:j2]))
    return tuple(out)


def _specs(note: Note) -> tuple[FieldSpec, ...]:
    try:
        return template_for(note.kind, note.template).fields
    except UnknownTemplate:
        return ()


def _body_label(note: Note) -> str:
    try:
        return template_for(note.kind, note.template).body_label
    except UnknownTemplate:
        return "Notes"


def _text(spec: FieldSpec | None, value: Any) -> str:
    if isinstance(value, str) and is_sealed(value) or (spec is not None and spec.type == "sealed"
                                                       and value):
        return SEALED_TEXT
    return format_field(spec, value) if spec is not None else ("" if value is None else
                                                                str(value))


def diff_notes(old: Note, new: Note) -> list[FieldDiff]:
    """Every field that differs between two revisions, in the template's order: title, each
    template field, the text, then tags and state."""
    out: list[FieldDiff] = []

    def compare(name: str, label: str, a: str, b: str, raw_a: Any = None,
                raw_b: Any = None) -> None:
        if a != b or raw_a != raw_b:
            out.append(FieldDiff(name, label, a, b, word_diff(a, b)))

    compare("title", "Title", old.title, new.title)
    specs = {s.name: s for s in (*_specs(old), *_specs(new))}
    for name in dict.fromkeys([*specs, *old.fields, *new.fields]):
        spec = specs.get(name)
        a, b = old.fields.get(name), new.fields.get(name)
        compare(name, spec.label if spec else name, _text(spec, a), _text(spec, b), a, b)
    compare("body", _body_label(new), old.body, new.body)
    compare("tags", "Tags", " ".join(old.tags), " ".join(new.tags))
    compare("passages", "Tagged passages",
            "; ".join(_passage(p) for p in old.passages),
            "; ".join(_passage(p) for p in new.passages))
    compare("state", "State", old.state, new.state)
    return out


def _passage(p: PassageTag) -> str:
    return f"{p.tag} {p.field + ' ' if p.field else ''}{p.start}-{p.end}"


def _pick(history: list[Revision], rev: str) -> Revision:
    hits = [r for r in history if r.rev == rev] or [r for r in history if r.rev.startswith(rev)]
    if len(hits) != 1:
        numbers = ", ".join(f"{n}: {r.rev}" for n, r in enumerate(history, 1))
        raise NotFound(f"{'no' if not hits else 'more than one'} revision {rev!r} of this "
                       f"note; its revisions are {numbers}")
    return hits[0]


def diff_revisions(session: Session, note_id: str, old: str | None = None,
                   new: str | None = None) -> tuple[Revision, Revision, list[FieldDiff]]:
    """Diff two revisions of a note, by id or unique prefix (or 1-based number): none given,
    the one before the current and the current; one given, that one and the current."""
    note = session.get(note_id)
    history = session.history(note.note_id)
    if not history:
        raise NotFound(f"note {note.note_id[:8]} has no revisions on this device")

    def pick(rev: str) -> Revision:
        if rev.isdigit() and 1 <= int(rev) <= len(history) and "." not in rev \
                and len(rev) < 8:
            return history[int(rev) - 1]
        return _pick(history, rev)

    current = next((r for r in history if r.rev == note.rev), history[-1])
    b = pick(new) if new else current
    if old:
        a = pick(old)
    else:
        before = [r for r in history if r.hlc < b.hlc]
        a = before[-1] if before else b
    return a, b, diff_notes(a.note, b.note)
