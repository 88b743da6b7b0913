"""Why a note matched a search: the field that holds the words, and where they are.

The search index matches every word of the query as a whole word, the last one as a prefix
(``store._search``); this finds the same words in the note's fields, so the preview can show
the matching field, with the matches marked, even when it is a long field the preview never
shows otherwise. Sealed fields are never searched or shown. A concern is matched as this
device shows it (:func:`seen_match`): a member's search does not find it by the lead's words.
No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store import Note, Session

_WORD = re.compile(r"\w+", re.UNICODE)
_CONTEXT = 160  # characters shown before the first match


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """The field ``label`` matched; ``excerpt`` is its text around the first match and
    ``spans`` the (start, end) of every match within the excerpt."""

    name: str
    label: str
    excerpt: str
    spans: tuple[tuple[int, int], ...]


def _pattern(query: str) -> re.Pattern[str] | None:
    words = _WORD.findall(query)
    if not words:
        return None
    parts = [rf"\b{re.escape(w)}\b" for w in words[:-1]] + [rf"\b{re.escape(words[-1])}\w*"]
    return re.compile("|".join(parts), re.IGNORECASE)


def _fields(note: Note) -> list[tuple[str, str, str]]:
    from store.crypto import is_sealed
    from store.inspection import UnknownTemplate, format_field, template_for

    try:
        template = template_for(note.kind, note.template)
    except UnknownTemplate:
        return [("title", "Title", note.title), ("body", "Notes", note.body)]
    out = [("title", "Title", note.title)]
    for spec in template.fields:
        value = note.fields.get(spec.name)
        if spec.type == "sealed" or (isinstance(value, str) and is_sealed(value)):
            continue
        out.append((spec.name, spec.label, format_field(spec, value)))
    out.append(("body", template.body_label, note.body))
    return out


def field_match(note: Note, query: str) -> FieldMatch | None:
    """The first field (in the template's order, the text last) holding a word of ``query``;
    the title is used only when nothing else matches."""
    pattern = _pattern(query)
    if pattern is None:
        return None
    fields = _fields(note)
    for name, label, text in [*fields[1:], fields[0]]:
        first = pattern.search(text)
        if first is None:
            continue
        start = max(0, first.start() - _CONTEXT)
        if start:
            start = text.find(" ", start) + 1 or start
        excerpt = ("…" if start else "") + text[start:]
        shift = len(excerpt) - len(text[start:]) - start
        spans = tuple((m.start() + shift, m.end() + shift) for m in pattern.finditer(text)
                      if m.start() >= start)
        return FieldMatch(name, label, excerpt, spans)
    return None


def _words_of(note: Note) -> set[str]:
    """The words the search index holds for ``note`` (title, text, kind, tags, the fields that
    are not sealed), lower-cased."""
    from store.crypto import is_sealed
    from store.inspection import UnknownTemplate, template_for

    try:
        sealed = {s.name for s in template_for(note.kind, note.template).fields
                  if s.type == "sealed"}
    except UnknownTemplate:
        sealed = set()
    parts = [note.title, note.body, note.kind, *note.tags]
    for name, value in note.fields.items():
        if isinstance(value, str) and name not in sealed and not is_sealed(value):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(str(v) for v in value)
    return {w.casefold() for w in _WORD.findall(" ".join(parts))}


def seen_match(session: Session, note: Note, query: str) -> bool:
    """Whether a note the search index found for ``query`` matches it as this device shows
    the note: a concern on an inspection this device does not lead must match by its
    raiser's part alone (finding it by the lead's words would tell what the lead decided).
    Every word as a whole word, the last as a prefix, as the index matches."""
    from store.inspection import as_seen, leads_part

    if not leads_part(session, note):
        return True
    words = [w.casefold() for w in _WORD.findall(query)]
    if not words:
        return True
    held = _words_of(as_seen(session, note))
    return all(w in held for w in words[:-1]) and any(h.startswith(words[-1]) for h in held)
