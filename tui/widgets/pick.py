"""What every one-line pick-from-a-list field shares (:class:`~.choice.ChoiceField`, a choice
of words; :class:`~.note_pick.NotePickField`, a note by its title): a value that may be empty,
its ``Changed`` message, the ``-empty`` look, delete to clear, and enter, space or a click to
open a dialog whose answer becomes the value (:data:`NONE` clears it, None leaves it).

Each field keeps its own bindings (their ids are the keymap's, see docs/keys.md), its own
``Changed`` (a subclass of this one, so handlers stay ``on_choice_field_changed`` and the like),
how it validates and draws its value, and the dialog it opens (:meth:`PickField.picker`).
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget

#: What a field's dialog answers for "no value" (None is "cancelled: keep the value").
NONE = "\x00none"


class PickField(Widget, can_focus=True):
    DEFAULT_CSS = """
    PickField { height: 1; width: 1fr; background: $boost; padding: 0 1 0 0; }
    PickField.-empty { color: $text-muted; }
    PickField:focus { text-style: reverse bold; color: $foreground; }
    """

    value: reactive[str | None] = reactive(None, init=False)

    class Changed(Message):
        def __init__(self, field: PickField, value: str | None) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> PickField:
            return self.field

    def watch_value(self, value: str | None) -> None:
        self.set_class(value is None, "-empty")
        self.post_message(self.Changed(self, value))

    def picker(self, typed: str) -> ModalScreen[str | None]:
        """The dialog that picks a value; ``typed`` is what was typed on the field to open it."""
        raise NotImplementedError

    def action_clear(self) -> None:
        self.value = None

    def action_pick(self, typed: str = "") -> None:
        def chosen(result: str | None) -> None:
            if result == NONE:
                self.value = None
            elif result is not None:
                self.value = result

        self.app.push_screen(self.picker(typed), chosen)

    def on_click(self, event: events.Click) -> None:
        self.focus()
        self.action_pick()
