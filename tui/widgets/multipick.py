"""Several choices from a long list (the framework's quality indicators), as one line.

The line shows what is picked (``QI2.1, QI5.2 ▾``); enter or space opens the list with each
choice's words, where space ticks and enter closes; delete clears. Other printable keys say
what the keys are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, SelectionList

from .key_footer import KeyFooter
from .keys import say_not_here, unbound_printable


class MultiPickField(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "pick", "Choose", id="multipick.pick"),
        Binding("delete,backspace", "clear", "Clear", show=False, id="multipick.clear"),
    ]
    DEFAULT_CSS = """
    MultiPickField { height: 1; width: 1fr; background: $boost; }
    MultiPickField.-empty { color: $text-muted; }
    MultiPickField:focus { text-style: reverse bold; color: $foreground; }
    """

    class Changed(Message):
        def __init__(self, field: MultiPickField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> MultiPickField:
            return self.field

    def __init__(self, choices: Mapping[str, str], value: Sequence[str] = (), *,
                 label: str = "", prompt: str = "none", id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices = dict(choices)
        self.label = label
        self.prompt = prompt
        self._value = [v for v in self.choices if v in set(value)]
        self.set_class(not self._value, "-empty")

    @property
    def value(self) -> list[str]:
        return list(self._value)

    @value.setter
    def value(self, picked: Sequence[str]) -> None:
        value = [v for v in self.choices if v in set(picked)]
        if value != self._value:
            self._value = value
            self.set_class(not value, "-empty")
            self.refresh()
            self.post_message(self.Changed(self))

    def render(self) -> Text:
        width = max(1, self.size.width - 2)
        shown = ", ".join(self._value) or self.prompt
        if len(shown) > width:
            shown = shown[:width - 1] + "…"
        return Text(f"{shown:<{width}} ▾", no_wrap=True)

    def action_clear(self) -> None:
        self.value = []

    def action_pick(self) -> None:
        def picked(result: list[str] | None) -> None:
            if result is not None:
                self.value = result

        self.app.push_screen(MultiPicker(self.label, self.choices, self._value), picked)

    def on_click(self) -> None:
        self.focus()
        self.action_pick()

    def on_key(self, event: events.Key) -> None:
        if event.key != "space" and unbound_printable(self, event):
            event.stop()
            say_not_here(self, f"{self.label or 'This field'}: enter or space opens the list.")


class MultiPicker(ModalScreen[list[str] | None]):
    """The list: space ticks, enter (or ctrl+s) keeps what is ticked, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,ctrl+s", "done", "Done", priority=True, id="multipicker.done"),
        Binding("escape", "cancel", "Cancel", id="multipicker.cancel"),
    ]
    DEFAULT_CSS = """
    MultiPicker { align: center middle; }
    MultiPicker > Vertical { width: 76; max-width: 100%; height: auto; max-height: 90%;
                             padding: 0 1; border: round $primary; background: $surface; }
    MultiPicker Label { text-style: bold; margin-bottom: 1; }
    MultiPicker SelectionList { height: auto; max-height: 16; }
    """

    def __init__(self, title: str, choices: Mapping[str, str], current: Sequence[str]) -> None:
        super().__init__()
        self.heading, self.choices, self.current = title, choices, set(current)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.heading} (space ticks, enter keeps them)", markup=False)
            yield SelectionList[str](
                *[(Text.assemble((f"{value:<7}", "bold"), words), value, value in self.current)
                  for value, words in self.choices.items()], compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(SelectionList.SelectedChanged)
    def _keep(self) -> None:
        self.current = set(self.query_one(SelectionList).selected)

    def action_done(self) -> None:
        self.dismiss([v for v in self.choices if v in self.current])

    def action_cancel(self) -> None:
        self.dismiss(None)
