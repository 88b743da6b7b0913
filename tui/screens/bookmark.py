"""Where the user was when the app locked, so that unlocking returns there, cursor included.

A screen that can be opened again says how in a :class:`Bookmark`: ids only (the inspection,
the note, the focused field, the cursor's position), never a word of note text, so nothing of
the notes stays in memory while the app is locked. Unlocking rebuilds the screens in order;
one whose inspection or note is gone meanwhile is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.screen import Screen

    from store import Session


@dataclass(frozen=True)
class Bookmark:
    """``reopen(session)`` makes the screen again (None: it cannot be, now); ``focus`` and
    ``cursor`` put the focus and the cursor back once it is shown."""

    reopen: Callable[[Session], Screen | None]
    focus: str | None = None
    cursor: Any = None


def cursor_of(widget: Widget | None) -> Any:
    """A widget's cursor: a text area's selection, an input's position, a grid's row."""
    if isinstance(widget, TextArea):
        return (tuple(widget.selection.start), tuple(widget.selection.end))
    if isinstance(widget, Input):
        return widget.cursor_position
    return getattr(widget, "cursor", None)


def put_back(screen: Screen, bookmark: Bookmark) -> None:
    """Focus the bookmarked widget of ``screen`` and put its cursor where it was."""
    from textual.widgets.text_area import Selection

    if bookmark.focus is None:
        return
    found = screen.query(f"#{bookmark.focus}")
    if not found:
        return
    widget = found.first()
    widget.focus()
    cursor = bookmark.cursor
    if isinstance(widget, TextArea) and cursor is not None:
        widget.selection = Selection(*cursor)
    elif isinstance(widget, Input) and isinstance(cursor, int):
        widget.cursor_position = cursor
    elif isinstance(cursor, int) and hasattr(widget, "cursor"):
        widget.cursor = cursor  # type: ignore[attr-defined]
