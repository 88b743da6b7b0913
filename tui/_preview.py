"""What a note's preview shows (the workspace's preview pane and the history's revisions):
its header line, its filled fields and its text, with a search's matches marked."""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text

from store import Note
from store.inspection import KIND_LABELS, describe_tag, format_field, template_for

from ._matches import field_match
from ._notes import when
from ._printable import printable


def _highlighted(excerpt: str, spans: list[tuple[int, int]]) -> Text:
    """``excerpt`` with each match span highlighted, control characters escaped piece by piece
    (an escape is longer than the character, so the spans are applied before escaping)."""
    found, pos = Text(), 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(excerpt))
        if start >= end:
            continue
        found.append(printable(excerpt[pos:start]))
        found.append(printable(excerpt[start:end]), style=MATCH_STYLE)
        pos = end
    found.append(printable(excerpt[pos:]))
    return found


def preview_text(note: Note, now: datetime, show_unsynced: bool = True,
                 query: str = "") -> Text:
    """What the preview pane shows: the note's header line, its filled fields and its text;
    with a search ``query``, first the field that matched with the matches marked."""
    t = Text()
    if note.state == "conflicted":
        t.append("Edited on two devices: enter compares both versions.\n", style="bold")
    t.append(printable(note.title, one_line=True) or "(untitled)", style="bold")
    by = printable(note.author, one_line=True) or "?"
    if note.first_author and note.first_author != note.author:
        by += f" (first by {printable(note.first_author, one_line=True)})"
    meta = [KIND_LABELS.get(note.kind, note.kind), by, when(note.updated, now)]
    if note.state != "active":
        meta.append(note.state)
    if not note.pushed and show_unsynced:
        meta.append("unsynced")
    t.append("\n" + " · ".join(meta), style="dim")
    if note.tags:
        t.append("\nTags: " + ", ".join(_describe(tag) for tag in note.tags), style="dim")
    try:
        template = template_for(note.kind, note.template)
    except Exception:  # noqa: BLE001 - an unknown template still shows its text
        template = None
    if template is not None:
        shown = []
        for spec in template.fields:
            value = note.fields.get(spec.name)
            if spec.type == "sealed" or value in (None, "", []):
                continue
            if spec.type == "longtext":
                continue
            shown.append(f"{spec.label}: {printable(format_field(spec, value), one_line=True)}")
        if shown:
            t.append("\n" + " · ".join(shown[:8]))
    match = field_match(note, query) if query.strip() else None
    if match is not None:
        t.append(f"\n\nMatches in {match.label}:\n", style="bold")
        t.append_text(_highlighted(match.excerpt[:2000], match.spans))
        if match.name == "body":
            return t
    body = note.body.strip()
    if body:
        t.append("\n\n" + printable("\n".join(body.splitlines()[:60])))
    return t


#: How a search match is marked in the preview: reverse video takes the theme's own colours.
MATCH_STYLE = Style(reverse=True, bold=True)


def _describe(tag: str) -> str:
    try:
        return describe_tag(tag)
    except Exception:  # noqa: BLE001 - an odd tag from another device is shown as it is
        return tag
