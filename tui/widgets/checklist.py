"""A multichoice (the agencies whose records were read) as one compact widget.

Every choice on one line when they fit, wrapped otherwise: ``☑ social work  ☐ health  ☐ SCRA``.
A digit ticks or unticks that choice; left/right move between the choices and space ticks the
one under the cursor; a letter moves to the next choice starting with it. Any other printable
key says what the keys are (it never vanishes silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from .glyphs import box
from .keys import digit_choice, say_not_here, unbound_printable

#: between choices: two spaces, or one where that keeps them all on one line
_GAPS = ("  ", " ")


class ChecklistField(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Tick", show=False, id="checklist.toggle"),
        Binding("right", "move(1)", "Next choice", show=False, id="checklist.next"),
        Binding("left", "move(-1)", "Previous choice", show=False, id="checklist.previous"),
    ]
    DEFAULT_CSS = """
    ChecklistField { height: auto; width: 1fr; }
    """

    cursor: reactive[int] = reactive(0)

    class Changed(Message):
        def __init__(self, field: ChecklistField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> ChecklistField:
            return self.field

    def __init__(self, choices: Sequence[str], *, label: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices = tuple(choices)
        self.label = label
        self._ticked: set[str] = set()

    @property
    def value(self) -> list[str]:
        """The ticked choices, in the order of the choices."""
        return [c for c in self.choices if c in self._ticked]

    @value.setter
    def value(self, chosen: Sequence[str] | None) -> None:
        ticked = {c for c in (chosen or ()) if c in self.choices}
        if ticked != self._ticked:
            self._ticked = ticked
            self.refresh(layout=True)
            self.post_message(self.Changed(self))

    def toggle(self, index: int) -> None:
        choice = self.choices[index]
        self.value = [c for c in self.choices if (c in self._ticked) != (c == choice)]

    # -- drawing ---------------------------------------------------------------------------------
    def _items(self) -> list[Text]:
        focused = self.is_mounted and self.screen.focused is self
        items = []
        for i, choice in enumerate(self.choices):
            ticked = choice in self._ticked
            item = Text(f"{box(ticked)} {choice}", style="bold" if ticked else "")
            if focused and i == self.cursor:
                item.stylize("reverse")
            items.append(item)
        return items

    def _layout(self, width: int) -> tuple[list[Text], list[tuple[int, int, int]]]:
        """The lines, and where each choice is on them: (line, first column, last + 1)."""
        items = self._items()
        one_line = [gap for gap in _GAPS
                    if sum(i.cell_len for i in items) + len(gap) * (len(items) - 1) <= width]
        gap = one_line[0] if one_line else _GAPS[0]
        lines: list[Text] = [Text()]
        where: list[tuple[int, int, int]] = []
        for item in items:
            line = lines[-1]
            if line.cell_len and line.cell_len + len(gap) + item.cell_len > width:
                lines.append(Text())
                line = lines[-1]
            if line.cell_len:
                line.append(gap)
            where.append((len(lines) - 1, line.cell_len, line.cell_len + item.cell_len))
            line.append_text(item)
        return lines, where

    def _lines(self, width: int) -> list[Text]:
        return self._layout(width)[0]

    def render(self) -> Text:
        return Text("\n").join(self._lines(max(1, self.size.width)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(max(1, width)))

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys ------------------------------------------------------------------------------------
    def action_toggle(self) -> None:
        self.toggle(self.cursor)

    def action_move(self, delta: int) -> None:
        self.cursor = (self.cursor + delta) % len(self.choices)

    def on_key(self, event: events.Key) -> None:
        char = event.character or ""
        if char.isdigit() and char != "0":  # a choice by its number (said if there is none)
            index = digit_choice(self, event, len(self.choices), "ticks a choice")
            if index is not None:
                self.cursor = index
                self.toggle(index)
            return
        if char.isalpha():
            order = list(range(self.cursor + 1, len(self.choices))) + list(
                range(self.cursor + 1))
            for i in order:
                if self.choices[i][:1].casefold() == char.casefold():
                    event.stop()
                    self.cursor = i
                    return
        if event.key != "space" and unbound_printable(self, event):
            event.stop()
            say_not_here(self, f"{self.label or 'This field'}: 1–{len(self.choices)} ticks a "
                               "choice; space ticks the one under the cursor.")

    def on_click(self, event: events.Click) -> None:
        """Tick the choice under the pointer."""
        self.focus()
        _, where = self._layout(max(1, self.size.width))
        for i, (row, begin, end) in enumerate(where):
            if row == event.y and begin <= event.x < end:
                self.cursor = i
                self.toggle(i)
                return
