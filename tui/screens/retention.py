"""Closing and purging an inspection (issue #6): the retention days, and a purge confirmation
that cannot be given by reflex: the inspection's name has to be typed."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from store import DEFAULT_RETENTION_DAYS, Inspection

from ._base import BaseModal

MAX_DAYS = 3650


class CloseInspectionModal(BaseModal):
    """Asks for the retention period; dismisses with the days, or None."""

    NAME = "Close inspection"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="close_inspection.cancel"),
    ]

    def __init__(self, inspection: Inspection, open_concerns: list[str] | None = None) -> None:
        super().__init__()
        self.inspection = inspection
        #: the open concerns, named, that closing leaves open: the dialog asks about them first
        self.open_concerns = list(open_concerns or [])

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="close-box"):
            yield Label(f"Close {self.inspection.name}", classes="dialog-title", markup=False)
            if self.open_concerns:
                n = len(self.open_concerns)
                yield Label(f"⚠ {n} open concern{'s' if n != 1 else ''}, still open after "
                            "closing:\n" + "\n".join(self.open_concerns[:5])
                            + (f"\n… and {n - 5} more" if n > 5 else ""),
                            classes="error", id="close-concerns", markup=False)
            yield Label("Its notes are kept for the retention period; after that it can be "
                        "purged: keys destroyed and notes deleted on every device. You can "
                        "reopen it until then.", classes="hint", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Keep for (days)", classes="form-label")
                yield Input(str(DEFAULT_RETENTION_DAYS), id="retention-days", type="integer",
                            max_length=4)
            yield Label("", id="close-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Close with open concerns" if self.open_concerns
                             else "Close inspection", id="close", variant="primary",
                             compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#retention-days", Input).focus()

    @on(Input.Submitted, "#retention-days")
    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        raw = self.query_one("#retention-days", Input).value.strip()
        days = int(raw) if raw.lstrip("-").isdigit() else 0
        if not 1 <= days <= MAX_DAYS:
            self.query_one("#close-message", Label).update(
                f"Give the days to keep its notes: 1 to {MAX_DAYS}.")
            self.query_one("#retention-days", Input).focus()
            return
        self.dismiss(days)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PurgeInspectionModal(BaseModal):
    """The purge confirmation: the Purge button stays disabled until the inspection's name is
    typed exactly. Dismisses with True only then."""

    NAME = "Purge inspection"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="purge_inspection.cancel"),
    ]
    # styles: #purge-box, #purge-warning and #purge-name in screens.tcss (theme variables only)

    def __init__(self, inspection: Inspection, notes: int) -> None:
        super().__init__()
        self.inspection = inspection
        self.notes = notes

    def compose(self) -> ComposeResult:
        ins = self.inspection
        where = ("on this device" if ins.scope == "local" else
                 "on the server and on every team member's device at its next sync")
        count = f"{self.notes} note{'s' if self.notes != 1 else ''}"
        with Vertical(classes="dialog modal-box", id="purge-box"):
            yield Label(f"Purge {ins.name}?", classes="dialog-title", markup=False)
            yield Label(f"This destroys the keys and all {count} of this inspection {where}. "
                        "It cannot be undone: no backup, no history, no recovery key brings "
                        "them back. A line in the purge log records that it happened.",
                        id="purge-warning", markup=False)
            yield Label(f"Type its name, {ins.name}, to confirm:", classes="hint",
                        markup=False)
            yield Input(id="purge-name", max_length=120)
            with Horizontal(classes="buttons"):
                yield Button("Purge", id="purge", variant="error", compact=True, disabled=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#purge-name", Input).focus()

    @property
    def confirmed(self) -> bool:
        return self.query_one("#purge-name", Input).value.strip() == self.inspection.name

    @on(Input.Changed, "#purge-name")
    def _typed(self) -> None:
        self.query_one("#purge", Button).disabled = not self.confirmed

    @on(Input.Submitted, "#purge-name")
    @on(Button.Pressed, "#purge")
    def _purge(self) -> None:
        if self.confirmed:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
