"""Why a note matched a search: the field that holds the words, and where they are.

The search index matches every word of the query as a whole word, the last one as a prefix
(``store._search``); this finds the same words in the note's fields, so the preview can show
the matching field, with the matches marked, even when it is a long field the preview never
shows otherwise. Sealed fields are never searched or shown. No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store import Note

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
