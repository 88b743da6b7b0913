"""A soft-wrapping ``TextArea`` whose keystrokes cost in proportion to the screen, not the
paragraph.

Textual 8.2's ``TextArea`` does three things per keystroke in time proportional to the length of
the edited *document line*, which for prose is a paragraph (the bench's 20 KB note is one):

* ``_render_line`` draws one screen row by dividing the whole line into its wrapped sections
  (``Text.divide``: one ``Text`` per section, ~280 for 20 KB) and keeping one (its own comment
  says "TODO cache result with edit count"); with 10-24 rows on screen that was ~0.1-0.2 s a
  repaint. Here the line handed to ``_render_line`` divides lazily: the section drawn is cut out
  with its styles, the sections before it are plain strings read only to count tabs.
* ``WrappedDocument.wrap_range`` rewraps the edited line from its first character;
  ``_rewrap.rewrap_line`` rewraps from the last break before the edit until the wrap joins up
  with the old one.
* ``WrappedDocument.get_sections`` (cursor moves, ``location_to_offset``) splits the line by way
  of ``Text.divide`` too; plain slicing gives the same strings.

And a new wrapped row no longer lays out the whole screen again (``_refresh_size``).

Everything else is Textual's own code, so the rows drawn are the same: ``tests/tui/
test_wrapped_area.py`` compares them with a stock ``TextArea`` and the wrap with a full rewrap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.control import strip_control_codes
from rich.text import Text
from textual.document._document import Location
from textual.document._edit import Edit
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult

from ._rewrap import rewrap_line


class _PlainSection:
    """A section before the one drawn: ``_render_line`` reads only its ``plain`` (tabs)."""

    __slots__ = ("plain",)

    def __init__(self, plain: str) -> None:
        self.plain = plain


_NO_TABS = _PlainSection("")  # stands for every section of a line without tabs: none to count


class _DrawnLine(Text):
    """A document line being drawn as section ``drawn`` of its soft wrap."""

    __slots__ = ("drawn",)

    def divide(self, offsets: Iterable[int]) -> list[Text]:  # type: ignore[override]
        """``Text.divide`` as ``_render_line`` uses it: it takes section ``drawn`` and reads
        the ``plain`` of the sections before it (to count their tabs), nothing else."""
        bounds = [0, *offsets, len(self.plain)]
        n = len(bounds) - 1
        if "\t" in self.plain:
            sections: list[Any] = [_PlainSection(self.plain[a:b])
                                   for a, b in zip(bounds, bounds[1:], strict=False)]
        else:
            sections = [_NO_TABS] * n
        if 0 <= self.drawn < n:  # rich's own divide at two offsets: the same spans and styles
            sections[self.drawn] = Text.divide(self, bounds[self.drawn:self.drawn + 2])[1]
        return sections


class _FastWrappedDocument(WrappedDocument):
    """``WrappedDocument`` with a keystroke's rewrap and a line's sections in O(edit)."""

    _single_edit = False  # set by WrappedTextArea.edit: wrap_range describes one edit

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        line = start[0]
        if (not self._single_edit or not self._width or not start[0] == old_end[0] == new_end[0]
                or not 0 <= line < min(len(self._wrap_offsets), self.document.line_count)):
            super().wrap_range(start, old_end, new_end)  # several lines, or undo/redo batches
            return
        text = self.document[line]
        old = self._wrap_offsets[line]
        new = rewrap_line(old, text, self._width, self._tab_width, start[1], old_end[1],
                          new_end[1])
        self._wrap_offsets[line] = new
        self._tab_width_cache[line] = [w for _, w in get_tab_widths(text, self._tab_width)]
        shift = len(new) - len(old)
        if shift:  # the line has more or fewer rows: the rows below move by as many
            top = self._line_index_to_offsets[line][0]
            self._offset_to_line_info[top:top + len(old) + 1] = [
                (line, section) for section in range(len(new) + 1)]
            self._line_index_to_offsets[line] = list(range(top, top + len(new) + 1))
            below = self._line_index_to_offsets
            for index in range(line + 1, len(below)):
                below[index] = [y + shift for y in below[index]]

    def get_sections(self, line_index: int) -> list[str]:
        line = self.document[line_index]
        if strip_control_codes(line) != line:  # rich's Text drops these: its sections differ
            return super().get_sections(line_index)
        offsets = self._wrap_offsets[line_index]
        bounds = [0, *offsets, len(line)]
        return [line[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


class WrappedTextArea(TextArea):
    """``TextArea`` whose keystrokes in a long soft-wrapped paragraph cost O(screen + edit)."""

    _drawing: tuple[int, int] | None = None  # (line index, section) inside _render_line

    @property  # type: ignore[override]
    def wrapped_document(self) -> WrappedDocument:
        return self._wrapped

    @wrapped_document.setter
    def wrapped_document(self, value: WrappedDocument) -> None:
        # TextArea makes a WrappedDocument in __init__ and on every load_text; ours has the
        # same state and only faster methods, so the one made is given our class
        if type(value) is WrappedDocument:
            value.__class__ = _FastWrappedDocument
        self._wrapped = value

    def edit(self, edit: Edit) -> EditResult:
        document = self.wrapped_document
        document._single_edit = True  # wrap_range may trust that one range changed
        try:
            return super().edit(edit)
        finally:
            document._single_edit = False

    def _refresh_size(self) -> None:
        """A paragraph's new row changes the virtual height; Textual's ``virtual_size`` is a
        reactive that lays out the whole *screen* again (a full repaint of the editor's form,
        ~50 ms) although an area of fixed height keeps its place and size. Then only the
        scrollbars need to know, as in Textual's own ``_size_updated(layout=False)``."""
        height = self.styles.height
        size = Size(0, self.wrapped_document.height)
        if (not self.soft_wrap or not self.is_mounted or height is None or height.is_auto
                or size.width != self.virtual_size.width):
            super()._refresh_size()
            return
        if size != self.virtual_size:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)  # shows or hides a scrollbar with a layout, if need be
            self.refresh()
        else:
            self._refresh_scrollbars()  # as TextArea._refresh_size does every time

    def _render_line(self, y: int) -> Strip:
        info = self.wrapped_document._offset_to_line_info
        row = y + self.scroll_offset.y
        self._drawing = info[row] if self.soft_wrap and 0 <= row < len(info) else None
        try:
            return super()._render_line(y)
        finally:
            self._drawing = None

    def get_line(self, line_index: int) -> Text:
        drawing = self._drawing
        if drawing is None or drawing[0] != line_index or type(self).get_line is not _GET_LINE:
            return super().get_line(line_index)
        # TextArea.get_line's own Text, of the class that divides lazily
        line = _DrawnLine(self.document.get_line(line_index), end="", no_wrap=True)
        line.drawn = drawing[1]
        return line


_GET_LINE = WrappedTextArea.get_line
