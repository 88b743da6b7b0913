"""A note edited on two devices whose changes could not be combined: both versions side by side.

Each marked passage of the text and each short field kept from the other version is one
decision: take left, take right, keep both (one after the other) or edit. Nothing is changed
until every decision is made and the user confirms; the old versions stay in the history.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static, TextArea

from store import ValidationFailed, conflict_sides
from store.inspection import format_field, template_for

from .._notes import BOTH, EDITED, LEFT, RIGHT, ConflictItem, conflict_items, resolve_conflicts
from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseModal, BaseScreen

CHOICE_WORDS = {None: "not decided yet", LEFT: "take the left version",
                RIGHT: "take the right version", BOTH: "keep both, one after the other",
                EDITED: "your edited text"}


class ConflictScreen(BaseScreen):
    NAME = "Conflict"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "take_left", "Take left", id="conflict.left"),
        Binding("right,l", "take_right", "Take right", id="conflict.right"),
        Binding("b", "both", "Keep both", id="conflict.both"),
        Binding("e", "edit", "Edit", id="conflict.edit"),
        Binding("down,j,n", "next", "Next", show=False, id="conflict.next"),
        Binding("up,k,p", "previous", "Previous", show=False, id="conflict.previous"),
        Binding("ctrl+s", "apply", "Apply", priority=True, id="conflict.apply"),
        Binding("escape", "back", "Back", id="conflict.back"),
    ]

    def __init__(self, note_id: str) -> None:
        super().__init__()
        self.note_id = note_id
        self.items: list[ConflictItem] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        yield TitleBar("Conflict", "")
        yield Label("", id="conflict-what", markup=False)
        with Horizontal(id="sides"):
            with VerticalScroll(id="left-side", classes="side"):
                yield Static("", id="left-text", markup=False)
            with VerticalScroll(id="right-side", classes="side"):
                yield Static("", id="right-text", markup=False)
        yield Label("", id="choice-line", markup=False)
        yield Label("Nothing changes until you apply; both versions stay in the history.",
                    classes="hint", id="conflict-hint")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        note = self.session.get(self.note_id)
        try:
            labels = {s.name: s.label for s in template_for(note.kind, note.template).fields}
        except Exception:  # noqa: BLE001 - an unknown template: show raw names
            labels = {}
        self._labels = labels
        sides = conflict_sides(self.session, note)
        tz = self.fp.now().tzinfo
        self.items = conflict_items(
            note, labels, tuple((s.label(tz), s.device_label) for s in sides) if sides else None,
            mine_second=bool(sides) and sides[1].mine and not sides[0].mine)
        self.query_one(TitleBar).set(left=f"Conflict · {note.title[:50] or '(untitled)'}")
        self._show()

    def _fmt(self, item: ConflictItem, value: Any) -> str:
        if item.key.startswith("fields."):
            name = item.key[len("fields."):]
            try:
                note = self.session.get(self.note_id)
                spec = template_for(note.kind, note.template).get(name)
            except Exception:  # noqa: BLE001
                spec = None
            if spec is not None:
                return format_field(spec, value) or "(empty)"
        if value in (None, ""):
            return "(empty)"
        return str(value)

    def _show(self) -> None:
        decided = sum(1 for i in self.items if i.choice is not None)
        self.query_one(TitleBar).set(right=f"{decided} of {len(self.items)} decided")
        if not self.items:
            self.query_one("#conflict-what", Label).update(
                "Nothing left to decide: apply (ctrl+s) to mark the note resolved.")
            self.query_one("#left-text", Static).update("")
            self.query_one("#right-text", Static).update("")
            self.query_one("#choice-line", Label).update("")
            return
        item = self.items[self.index]
        self.query_one("#conflict-what", Label).update(
            f"{self.index + 1} of {len(self.items)}: {item.label} differs between the versions")
        left, right = self._fmt(item, item.left), self._fmt(item, item.right)
        self.query_one("#left-text", Static).update(_marked(left, right))
        self.query_one("#right-text", Static).update(_marked(right, left))
        self.query_one("#left-side").border_title = f"← {item.left_label}"
        self.query_one("#right-side").border_title = f"{item.right_label} →"
        self.query_one("#left-side").border_subtitle = item.left_device
        self.query_one("#right-side").border_subtitle = item.right_device
        self.query_one("#left-side").set_class(item.choice in (LEFT, BOTH), "chosen")
        self.query_one("#right-side").set_class(item.choice in (RIGHT, BOTH), "chosen")
        line = f"Decision: {CHOICE_WORDS[item.choice]}"
        if item.choice == EDITED:
            line += f" ({len(str(item.edited))} characters)"
        self.query_one("#choice-line", Label).update(line)

    def _decide(self, choice: str) -> None:
        if not self.items:
            return
        self.items[self.index].choice = choice
        if self.index < len(self.items) - 1:
            self.index += 1
        self._show()

    def action_take_left(self) -> None:
        self._decide(LEFT)

    def action_take_right(self) -> None:
        self._decide(RIGHT)

    def action_both(self) -> None:
        if self.items and not self.items[self.index].textual:
            self.notify("Only text can keep both versions; take one or edit.",
                        severity="warning")
            return
        self._decide(BOTH)

    def action_edit(self) -> None:
        if not self.items:
            return
        item = self.items[self.index]
        if not item.textual:
            self.notify("Pick one of the two values for this field.", severity="warning")
            return
        start = item.edited if item.choice == EDITED else (
            item.value() if item.choice else replace(item, choice=BOTH).value())

        def edited(text: str | None) -> None:
            if text is not None:
                item.edited = text
                self._decide(EDITED)

        self.app.push_screen(EditConflictModal(item.label, start), edited)

    def action_next(self) -> None:
        if self.index < len(self.items) - 1:
            self.index += 1
            self._show()

    def action_previous(self) -> None:
        if self.index > 0:
            self.index -= 1
            self._show()

    def action_apply(self) -> None:
        from .confirm import ConfirmModal

        open_items = [i for i, item in enumerate(self.items) if item.choice is None]
        if open_items:
            self.index = open_items[0]
            self._show()
            self.notify(f"{len(open_items)} still to decide.", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            note = self.session.get(self.note_id)
            try:
                self.session.save(self.note_id, autosave=False,
                                  **resolve_conflicts(note, self.items))
            except ValidationFailed as exc:
                self.notify("Cannot apply: " + "; ".join(i.message for i in exc.issues),
                            severity="error")
                return
            self.notify("Conflict resolved. Both earlier versions stay in the history.")
            self.app.pop_screen()

        self.app.push_screen(ConfirmModal(
            "Apply these decisions?",
            "The note becomes one version again; the history keeps both earlier ones.",
            yes="Apply"), confirmed)

    def action_back(self) -> None:
        self.app.pop_screen()


def _marked(text: str, other: str) -> Text:
    """``text`` with the lines that the other side does not have highlighted."""
    theirs = set(other.splitlines())
    out = Text()
    for line in text.splitlines() or [""]:
        out.append(line + "\n", style="bold" if line not in theirs else "dim")
    out.rstrip()
    return out


class EditConflictModal(BaseModal):
    NAME = "Edit"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "done", "Done", priority=True, id="edit_conflict.done"),
        Binding("escape", "cancel", "Cancel", id="edit_conflict.cancel"),
    ]

    def __init__(self, label: str, text: str) -> None:
        super().__init__()
        self.label, self.text = label, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="edit-conflict-box"):
            yield Label(f"Edit: {self.label}", classes="dialog-title", markup=False)
            yield TextArea(self.text, id="edit-conflict-text", soft_wrap=True,
                           tab_behavior="focus")
            with Horizontal(classes="buttons"):
                yield Button("Done (ctrl+s)", id="done", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
