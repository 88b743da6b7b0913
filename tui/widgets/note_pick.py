"""Pick a note by its title: a concern's "Linked note".

The field shows the linked note as its title, kind and author; the value it holds (and the store
keeps) is the note's id. Enter or space opens a dialog that lists the inspection's notes; typing
filters them by title, kind or author (every word must match), up and down move, enter picks.
Typing a letter on the field opens the dialog with that letter already typed. Delete clears.

An id that names no note here (purged, not synced yet, or typed on the command line as a prefix
that no longer matches) is shown as "(unknown note 1a2b3c4d)" and kept as it is until another
note is picked: nothing is lost by opening the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from .pick import NONE, PickField


@dataclass(frozen=True)
class NoteChoice:
    """A note the field can link to: its id, title, kind (as words) and author."""

    note_id: str
    title: str
    kind: str
    author: str

    def words(self) -> str:
        return f"{self.title} {self.kind} {self.author}".casefold()

    def line(self, width: int = 200) -> Text:
        title = self.title.strip() or f"(untitled {self.note_id[:8]})"
        tail = f" · {self.kind} · {self.author or '?'}"
        room = max(8, width - len(tail))
        if len(title) > room:
            title = title[:room - 1] + "…"
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        out.append(title, style="bold")
        out.append(tail, style="dim")
        return out


def find_choice(choices: Sequence[NoteChoice], value: str | None) -> NoteChoice | None:
    """The note ``value`` names: its id, or a prefix of exactly one id (the command line and
    older forms stored short ids)."""
    if not value:
        return None
    hits = [c for c in choices if c.note_id == value]
    if not hits and len(value) >= 4:
        hits = [c for c in choices if c.note_id.startswith(value)]
    return hits[0] if len(hits) == 1 else None


def matching(choices: Sequence[NoteChoice], query: str) -> list[NoteChoice]:
    """The choices whose title, kind or author hold every word of ``query`` (any case)."""
    words = query.casefold().split()
    return [c for c in choices if all(w in c.words() for w in words)]


class NotePickField(PickField):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "pick", "Choose note", show=False, id="note_pick.pick"),
        Binding("delete,backspace", "clear", "Clear", show=False, id="note_pick.clear"),
    ]

    class Changed(PickField.Changed):
        """The linked note changed: its id (None: cleared)."""

    def __init__(self, *, label: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.choices: tuple[NoteChoice, ...] = ()
        self.add_class("-empty")

    def set_choices(self, choices: Sequence[NoteChoice]) -> None:
        self.choices = tuple(choices)
        self.refresh()

    def validate_value(self, value: str | None) -> str | None:
        return value.strip() or None if isinstance(value, str) else None

    def describe(self, width: int = 200) -> Text:
        if self.value is None:
            return Text("none · enter or type to pick a note", no_wrap=True, end="")
        found = find_choice(self.choices, self.value)
        if found is None:
            return Text(f"(unknown note {self.value[:8]})", style="italic", no_wrap=True,
                        end="")
        return found.line(width)

    def render(self) -> Text:
        return self.describe(max(10, self.size.width - 1))

    def on_key(self, event: events.Key) -> None:
        """A letter or digit opens the list with it typed, to filter at once."""
        char = event.character or ""
        if event.is_printable and char.strip() and event.key not in self.screen.active_bindings:
            event.stop()
            event.prevent_default()
            self.action_pick(char)

    def picker(self, typed: str) -> NotePickModal:
        current = find_choice(self.choices, self.value)
        return NotePickModal(self.label or "Linked note", self.choices,
                             current.note_id if current else None, typed)


class NotePickModal(ModalScreen[str | None]):
    """The notes to link to, filtered as you type; enter picks the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="note_pick_modal.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="note_pick_modal.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="note_pick_modal.up"),
    ]
    DEFAULT_CSS = """
    NotePickModal { align: center middle; }
    NotePickModal > Vertical { width: 72; max-width: 96%; height: auto; max-height: 90%;
                               padding: 0 1; border: round $primary; background: $surface; }
    NotePickModal #note-pick-title { text-style: bold; }
    NotePickModal #note-pick-hint { color: $text-muted; }
    NotePickModal OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, title: str, choices: Sequence[NoteChoice], current: str | None,
                 typed: str = "") -> None:
        super().__init__()
        self.heading, self.choices, self.current, self.typed = title, tuple(choices), current, \
            typed
        self.shown: list[NoteChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading, id="note-pick-title", markup=False)
            yield Input(self.typed, placeholder="type part of a title, kind or author",
                        id="note-pick-filter", compact=True, select_on_focus=False)
            yield OptionList(id="note-pick-list", compact=True)
            yield Label("↑↓ move · ⏎ pick · esc cancel", id="note-pick-hint")

    def on_mount(self) -> None:
        field = self.query_one("#note-pick-filter", Input)
        if not getattr(self.app, "cursor_blink", True):  # steady, as the app asks (snapshots)
            field.cursor_blink = False
        self._fill(field.value)
        field.focus()
        field.action_end()

    def on_key(self, event: events.Key) -> None:
        """A letter typed before the filter had the focus (fast typing right after the first
        letter opened this list) still goes into the filter, never lost."""
        if not (event.is_printable and event.character):
            return
        found = self.query("#note-pick-filter")
        if not found:  # not built yet: it starts with what was typed
            event.stop()
            self.typed += event.character
            return
        field = found.first(Input)
        if not field.has_focus:
            event.stop()
            field.focus()
            field.action_end()
            field.insert_text_at_cursor(event.character)

    def _fill(self, query: str) -> None:
        self.shown = matching(self.choices, query)
        options = self.query_one("#note-pick-list", OptionList)
        options.clear_options()
        options.add_options([Option(c.line(66), id=c.note_id) for c in self.shown])
        if not query.strip():
            options.add_option(Option(Text("(no linked note)", style="dim"), id=NONE))
        if not self.shown and query.strip():
            options.add_option(Option(Text(f"no note matches “{query.strip()}”", style="dim"),
                                      disabled=True))
        ids = [c.note_id for c in self.shown]
        options.highlighted = (ids.index(self.current) if not query.strip()
                               and self.current in ids else 0)

    @on(Input.Changed, "#note-pick-filter")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#note-pick-filter")
    def _submitted(self) -> None:
        options = self.query_one("#note-pick-list", OptionList)
        index = options.highlighted
        if index is None:
            return
        option = options.get_option_at_index(index)
        if option.id is not None and not option.disabled:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#note-pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#note-pick-list", OptionList)
        if delta > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
