"""A list of notes that stays fast with 10,000 of them: it renders only the rows on screen.

No widget per row (the Toolong way): the notes live in a plain list and ``render_line`` draws
the visible lines, so filtering or searching replaces a list and repaints a screenful.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.inspection import KIND_SHORT_LABELS

from .._notes import when
from .._printable import printable

if TYPE_CHECKING:
    from store import Note

KIND_SHORT = KIND_SHORT_LABELS


def tag_summary(tags: Sequence[str]) -> str:
    short = {"status:nsc": "✓", "status:uncertainty": "?", "status:concern": "!"}
    return " ".join(short.get(t, t) for t in tags)


_KIND, _AUTHOR = attrgetter("kind"), attrgetter("author")
SIZED_BY = 1000  # notes measured for column widths: enough for a screen, cheap per keystroke


def _content_widths(notes: Sequence[Note]) -> tuple[int, int, int, int]:
    """The widest title and tag summary among the first notes, and the widest kind and
    author among all of them (a few distinct values, gathered in a C loop: an observation
    past the first thousand notes is not cut to "obse"); no narrower than the headers,
    authors at most 8."""
    sample = notes[:SIZED_BY]
    title = max((len(n.title or "(untitled)") for n in sample), default=0)
    kind = max((len(KIND_SHORT.get(k, k)) for k in set(map(_KIND, notes))), default=0)
    by = max(map(len, set(map(_AUTHOR, notes))), default=0)
    tags = max((len(tag_summary(n.tags)) for n in sample), default=0)
    return max(title, 5), max(kind, 4), min(max(by, 2), 8), max(tags, 4)


def marker(note: Note) -> str:
    if note.state == "conflicted":
        return "≠"
    if note.kind == "concern" and not note.fields.get("closed"):
        return "⚠"
    if note.state == "deleted":
        return "×"
    return " "


class NoteList(ScrollView, can_focus=True):
    """Notes, one a line, under a fixed header line; a cursor row; enter opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "note-list--header", "note-list--cursor", "note-list--cursor-blurred",
        "note-list--concern", "note-list--conflict", "note-list--dim",
    }

    DEFAULT_CSS = """
    NoteList { background: $surface; overflow-x: hidden; }
    NoteList > .note-list--header { text-style: bold; color: $text-muted; }
    NoteList > .note-list--cursor { background: $block-cursor-background;
                                    color: $block-cursor-foreground; text-style: bold; }
    NoteList > .note-list--cursor-blurred { background: $block-cursor-blurred-background; }
    NoteList > .note-list--concern { color: $text-error; }
    NoteList > .note-list--conflict { color: $text-warning; }
    NoteList > .note-list--dim { color: $text-muted; }
    """

    class Highlighted(Message):
        def __init__(self, note: Note | None) -> None:
            super().__init__()
            self.note = note

    class Selected(Message):
        def __init__(self, note: Note) -> None:
            super().__init__()
            self.note = note

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.notes: list[Note] = []
        self.cursor = 0
        self._widths = _content_widths([])

    # -- data --------------------------------------------------------------------------------
    def set_notes(self, notes: list[Note], keep: str | None = None) -> None:
        """Show ``notes``; keep the cursor on note ``keep`` if it is still there."""
        self.notes = notes
        self._widths = _content_widths(notes)
        index = 0
        if keep is not None:
            index = next((i for i, n in enumerate(notes) if n.note_id == keep), 0)
        self.virtual_size = Size(self.size.width, len(notes) + 1)
        self._move(index, force=True)
        self.refresh()

    @property
    def current(self) -> Note | None:
        return self.notes[self.cursor] if 0 <= self.cursor < len(self.notes) else None

    def _move(self, index: int, force: bool = False) -> None:
        index = max(0, min(index, len(self.notes) - 1)) if self.notes else 0
        changed = index != self.cursor
        self.cursor = index
        self._keep_visible()
        self.refresh()
        if changed or force:
            self.post_message(self.Highlighted(self.current))

    def _keep_visible(self) -> None:
        rows = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    # -- actions -----------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.notes) - 1)

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1 + int(self.scroll_y)
        if event.y >= 1 and 0 <= row < len(self.notes):
            self._move(row)
            if event.chain > 1:
                self.action_select()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.notes) + 1)
        self._keep_visible()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def _columns(self, width: int) -> tuple[int, int, int, int, int]:
        """Widths of (title, kind, by, updated, tags), sized by what the notes hold: kind and
        author as wide as their widest value; title and tags share the rest, the title taking
        any slack, and keeping at least three fifths when both cannot fit."""
        title_need, kind, by, tags_need = self._widths
        upd = 7
        rest = max(0, width - 2 - 4 - kind - by - upd)  # the marker and five separators
        if title_need + tags_need <= rest:
            return rest - tags_need, kind, by, upd, tags_need
        title = max(8, min(rest, max(rest - tags_need, rest * 3 // 5)))
        return title, kind, by, upd, max(0, rest - title)

    def _cells(self, width: int, mark: str, title: str, kind: str, by: str, upd: str,
               tags: str) -> str:
        t, k, b, u, g = self._columns(width)
        parts = [set_cell_size(mark, 1), " ", set_cell_size(title, t), " ",
                 set_cell_size(kind, k), " ", set_cell_size(by, b), " ",
                 set_cell_size(upd, u), " ", set_cell_size(tags, g)]
        return set_cell_size("".join(parts), width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("note-list--header")
            text = self._cells(width, " ", "Title", "Kind", "By", "Updated", "Tags")
            return Strip([Segment(text, style)], width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self.notes):
            return Strip.blank(width, base)
        note = self.notes[index]
        now = self._now()
        text = self._cells(width, marker(note), printable(note.title, one_line=True)
                           or "(untitled)", KIND_SHORT.get(note.kind, note.kind),
                           printable(note.author, one_line=True),
                           when(note.updated, now), tag_summary(note.tags))
        style: Style = base
        if note.state == "conflicted":
            style += self.get_component_rich_style("note-list--conflict")
        elif note.kind == "concern":
            style += self.get_component_rich_style("note-list--concern")
        elif note.state == "deleted":
            style += self.get_component_rich_style("note-list--dim")
        if index == self.cursor:
            style += self.get_component_rich_style(
                "note-list--cursor" if self.has_focus else "note-list--cursor-blurred")
        return Strip([Segment(text, style)], width)
