"""A one-line choice (an age band, a participant type, a grade...): one widget, not four.

Textual's ``Select`` is four widgets with an overlay each; a record review has thirteen of them,
which makes every re-layout (each focus change) slow. ``ChoiceField`` shows every choice on its
line when they fit (``○ child  ● young person  ○ staff``), else the value with a ``▾``. A digit
picks that choice and moves on to the next field; a letter picks the next choice starting with
it; enter or space opens the list in a small dialog, left/right step through the choices,
delete clears. Any other printable key says what the keys are (it never vanishes silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from .glyphs import radio
from .keys import digit_choice, say_not_here, unbound_printable
from .pick import NONE, PickField


class ChoiceField(PickField):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "pick", "Choose", show=False, id="choice.pick"),
        Binding("right", "step(1)", "Next choice", show=False, id="choice.next"),
        Binding("left", "step(-1)", "Previous choice", show=False, id="choice.previous"),
        Binding("delete,backspace", "clear", "Clear", show=False, id="choice.clear"),
    ]

    class Changed(PickField.Changed):
        """The choice changed (None: cleared)."""

    def __init__(self, choices: Sequence[str], *, label: str = "", prompt: str = "choose",
                 value: str | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices = tuple(choices)
        self.label = label
        self.prompt = prompt
        self.set_reactive(ChoiceField.value, value)
        self.set_class(value is None, "-empty")

    def validate_value(self, value: str | None) -> str | None:
        return value if value in self.choices else None

    def inline(self, width: int) -> Text | None:
        """Every choice on one line with the chosen one marked, or None if they do not fit
        (two spaces between them, or one where that is what makes them fit)."""
        for gap in ("  ", " "):
            out = Text(no_wrap=True)
            for i, choice in enumerate(self.choices):
                style = "bold" if choice == self.value else ""
                out.append((gap if i else "") + f"{radio(choice == self.value)} ")
                out.append(choice, style=style)
            if out.cell_len <= width:
                return out
        return None

    def render(self) -> Text:
        width = max(1, self.size.width - 2)
        inline = self.inline(self.size.width)
        if inline is not None:
            return inline
        shown = self.value if self.value is not None else self.prompt
        return Text(f"{shown[:width]:<{width}} ▾", no_wrap=True)

    def on_key(self, event: events.Key) -> None:
        """A digit picks that choice and moves on; a letter picks the next choice starting
        with it; other printable keys say so instead of vanishing."""
        char = event.character or ""
        if char.isdigit() and char != "0":  # a choice by its number (said if there is none)
            index = digit_choice(self, event, len(self.choices), "picks a choice")
            if index is not None:
                self.value = self.choices[index]
                self.screen.focus_next()
            return
        if char.isalpha() and self.pick_initial(char):
            event.stop()
            return
        if char != " " and unbound_printable(self, event):
            event.stop()
            last = min(9, len(self.choices))
            say_not_here(self, f"{self.label or 'This field'}: 1–{last} or a first letter "
                               "picks; enter lists the choices.")

    def pick_initial(self, letter: str) -> bool:
        """Pick the next choice (after the current one) that starts with ``letter``."""
        start = self.choices.index(self.value) + 1 if self.value in self.choices else 0
        ordered = self.choices[start:] + self.choices[:start]
        for choice in ordered:
            if choice[:1].casefold() == letter.casefold():
                self.value = choice
                return True
        return False

    def action_step(self, delta: int) -> None:
        if not self.choices:
            return
        if self.value is None:
            index = 0 if delta > 0 else len(self.choices) - 1
        else:
            index = (self.choices.index(self.value) + delta) % len(self.choices)
        self.value = self.choices[index]

    def picker(self, typed: str) -> ChoicePicker:
        return ChoicePicker(self.label or self.prompt, self.choices, self.value, self.prompt)


class ChoicePicker(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice_picker.cancel"),
    ]
    DEFAULT_CSS = """
    ChoicePicker { align: center middle; }
    ChoicePicker > Vertical { width: 44; height: auto; max-height: 90%; padding: 0 1;
                              border: round $primary; background: $surface; }
    ChoicePicker Label { text-style: bold; margin-bottom: 1; }
    ChoicePicker OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, title: str, choices: Sequence[str], current: str | None,
                 prompt: str) -> None:
        super().__init__()
        self.heading, self.choices, self.current, self.prompt = title, choices, current, prompt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading, markup=False)
            yield OptionList(*[Option(Text(f"{i} {c}" if i <= 9 else f"  {c}"), id=c)
                               for i, c in enumerate(self.choices, 1)],
                             Option(Text(f"({self.prompt})", style="dim"), id=NONE),
                             compact=True)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = (self.choices.index(self.current)
                               if self.current in self.choices else 0)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event: events.Key) -> None:
        char = event.character or ""
        if char.isdigit() and 0 < int(char) <= min(9, len(self.choices)):
            event.stop()
            self.dismiss(self.choices[int(char) - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)
