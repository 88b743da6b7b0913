"""The one-line bar at the top of every screen: what this is on the left, state on the right."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from .._printable import printable


class TitleBar(Horizontal):
    """``TitleBar("Northshire 2026", "3 unsynced")``; update either side with :meth:`set`."""

    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; background: $panel; color: $foreground; }
    TitleBar > #title-left { width: 1fr; text-style: bold; padding: 0 1; }
    TitleBar > #title-right { width: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, left: str = "", right: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._left, self._right = left, right

    def compose(self) -> ComposeResult:
        yield Label(printable(self._left, one_line=True), id="title-left", markup=False)
        yield Label(printable(self._right, one_line=True), id="title-right", markup=False)

    def set(self, left: str | None = None, right: str | None = None) -> None:
        if left is not None:
            self._show("#title-left", self._left, left)
            self._left = left
        if right is not None:
            self._show("#title-right", self._right, right)
            self._right = right

    def _show(self, selector: str, before: str, text: str) -> None:
        if not self.is_mounted:
            return
        shown = printable(text, one_line=True)
        # Textual lays out the whole screen for a label's new text; one as wide as the last
        # keeps its place (the editor's status on the first key after each autosave: a layout
        # and repaint of its whole form, ~50 ms)
        same_width = cell_len(shown) == cell_len(printable(before, one_line=True))
        self.query_one(selector, Label).update(shown, layout=not same_width)
