"""The notice that the terminal is smaller than fieldpad's 80×24: shown over whatever screen is
open, gone by itself once the terminal is large enough again (escape carries on regardless)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label

from .._size import MIN_HEIGHT, MIN_WIDTH, too_small
from ._base import BaseModal

__all__ = ["MIN_HEIGHT", "MIN_WIDTH", "TooSmallNotice", "too_small"]


class TooSmallNotice(BaseModal):
    NAME = "Terminal too small"
    CSS_PATH = None  # its own CSS below: it may come up before the prompt (see BaseScreen)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "carry_on", "Carry on anyway", id="too_small.carry_on"),
    ]
    CSS = """
    TooSmallNotice { align: center middle; }
    TooSmallNotice > #too-small-box { width: 100%; max-width: 60; height: auto;
                                      border: heavy $warning; background: $surface;
                                      padding: 0 1; }
    TooSmallNotice #too-small-title { text-style: bold; color: $text-warning; width: 100%; }
    TooSmallNotice Label { width: 100%; }
    """

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.width, self.height = width, height

    def compose(self) -> ComposeResult:
        with Vertical(id="too-small-box"):
            yield Label(f"fieldpad needs at least {MIN_WIDTH}×{MIN_HEIGHT}", id="too-small-title")
            yield Label(self._size_text(), id="too-small-size", markup=False)
            yield Label("Make the window larger or the font smaller: this notice goes away "
                        "by itself. Escape carries on at this size.", markup=False)

    def _size_text(self) -> str:
        return f"This terminal is {self.width}×{self.height}."

    def on_mount(self) -> None:
        self.show_size(self.width, self.height)  # a size given before the label was there

    def show_size(self, width: int, height: int) -> None:
        """The terminal's size now. The app's clock may call it between pushing the notice and
        its first drawing: then the label is not there yet, and mounting shows the size."""
        self.width, self.height = width, height
        for label in self.query("#too-small-size").results(Label):
            label.update(self._size_text())

    def action_carry_on(self) -> None:
        self.dismiss(None)
