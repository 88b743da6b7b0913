"""Which kind of record to write: the new-note dialog (a digit picks the kind at once)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from store.inspection import KIND_LABELS, KINDS

from ._base import BaseModal


class KindModal(BaseModal):
    """Which kind of record to write."""

    NAME = "New note"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="kind.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="kind-box"):
            yield Label("New note: which kind?", classes="dialog-title")
            yield OptionList(*[Option(f"{i}  {KIND_LABELS[k]}", id=k)
                               for i, k in enumerate(KINDS, 1)], id="kinds", compact=True)

    def on_mount(self) -> None:
        self.query_one("#kinds", OptionList).focus()

    def on_key(self, event: Any) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character)
            if 1 <= n <= len(KINDS):
                event.stop()
                self.dismiss(KINDS[n - 1])

    @on(OptionList.OptionSelected, "#kinds")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
