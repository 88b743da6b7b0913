"""The one-line bar at the top of every screen: what this is on the left, state on the right."""

from __future__ import annotations

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
            self._left = left
            if self.is_mounted:
                self.query_one("#title-left", Label).update(printable(left, one_line=True))
        if right is not None:
            self._right = right
            if self.is_mounted:
                self.query_one("#title-right", Label).update(printable(right, one_line=True))
