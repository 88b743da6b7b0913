"""Every minimisation warning of the note being edited: the editor's line shows the first and
"(+N more)", this dialog shows them all. They are hints: nothing is blocked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from ..widgets.key_footer import KeyFooter
from ._base import BaseModal


class WarningsModal(BaseModal):
    NAME = "Warnings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="warnings.close"),
    ]
    CSS = """
    WarningsModal #warnings-box { width: 76; height: auto; max-height: 90%; }
    WarningsModal #warnings-list { height: auto; max-height: 14; }
    """

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__()
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        n = len(self.messages)
        with Vertical(classes="dialog modal-box", id="warnings-box"):
            yield Label(f"{n} thing{'s' if n != 1 else ''} that may identify someone",
                        classes="dialog-title", markup=False)
            with VerticalScroll(id="warnings-list"):
                yield Static(Text("\n").join(Text(f"⚠ {m}") for m in self.messages),
                             id="warnings-text", markup=False)
            yield Label("Children and families by pseudonym, staff by designation only. These "
                        "are hints: the note is saved as it is.", classes="hint")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#warnings-list").focus()

    def action_close(self) -> None:
        self.dismiss(None)
