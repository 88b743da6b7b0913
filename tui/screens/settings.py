"""Settings: idle lock minutes, theme, clipboard permission, author initials."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select

from store import ValidationFailed

from .._settings import MAX_IDLE_LOCK_MINUTES, MIN_IDLE_LOCK_MINUTES, Settings
from ..widgets.key_footer import KeyFooter
from ..widgets.tickbox import TickBox
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen


class SettingsScreen(BaseScreen):
    NAME = "Settings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="settings.save"),
        Binding("escape", "back", "Back", id="settings.back"),
    ]

    def compose(self) -> ComposeResult:
        s = self.fp.settings or Settings()
        themes = sorted(self.app.available_themes)
        yield TitleBar("Settings", "")
        with VerticalScroll(id="settings-form"):
            with Horizontal(classes="form-row"):
                yield Label("Lock after (minutes)", classes="form-label")
                yield Input(str(s.idle_lock_minutes), id="idle", type="integer", compact=True,
                            max_length=3)
            yield Label(f"Locks the app after this many minutes without a key press "
                        f"({MIN_IDLE_LOCK_MINUTES}–{MAX_IDLE_LOCK_MINUTES}).", classes="hint")
            with Horizontal(classes="form-row"):
                yield Label("Theme", classes="form-label")
                yield Select([(t, t) for t in themes], id="theme", compact=True,
                             value=s.theme if s.theme in themes else Select.NULL,
                             allow_blank=False)
            with Horizontal(classes="form-row"):
                yield Label("Clipboard", classes="form-label")
                yield TickBox("let copy put note text on the system clipboard", id="clipboard",
                              value=s.allow_clipboard)
            yield Label("Off: copy and paste work inside fieldpad only, so note text never "
                        "reaches other programs.", classes="hint")
            with Horizontal(classes="form-row"):
                yield Label("Author initials", classes="form-label")
                yield Input(self.session.author, id="author", compact=True, max_length=32)
            with Horizontal(classes="form-row"):
                yield Label("Server", classes="form-label")
                yield Input(s.server, id="server", compact=True,
                            placeholder="https://sync.example.org (empty: work offline)")
            yield Label("Enrol this device once (the code comes from your lead): the Enrol "
                        "button, or `fieldpad enrol URL CODE`.", classes="hint")
            yield Label("", id="settings-message", classes="error", markup=False)
            with Horizontal(classes="form-row", id="settings-more"):
                yield Label("Also", classes="form-label")
                yield Button("Enrol…", id="enrol", compact=True)
                yield Button("Timeline…", id="timeline", compact=True)
                yield Button("Export…", id="export", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#idle", Input).focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        message = self.query_one("#settings-message", Label)
        raw = self.query_one("#idle", Input).value.strip()
        try:
            minutes = int(raw)
        except ValueError:
            minutes = -1
        if not MIN_IDLE_LOCK_MINUTES <= minutes <= MAX_IDLE_LOCK_MINUTES:
            message.update(f"Lock after: a whole number of minutes from "
                           f"{MIN_IDLE_LOCK_MINUTES} to {MAX_IDLE_LOCK_MINUTES}.")
            self.query_one("#idle", Input).focus()
            return
        theme = self.query_one("#theme", Select).value
        settings = (self.fp.settings or Settings()).with_changes(
            idle_lock_minutes=minutes,
            theme=str(theme) if theme is not Select.NULL else self.app.theme,
            allow_clipboard=self.query_one("#clipboard", Checkbox).value,
        )
        settings = settings.with_changes(server=self.query_one("#server", Input).value.strip())
        try:
            self.fp.apply_settings(settings)
        except ValidationFailed as exc:
            message.update("; ".join(f"{i.field}: {i.message}" for i in exc.issues))
            return
        author = self.query_one("#author", Input).value.strip()
        if author and author != self.session.author:
            self.fp.profile.set_author(author)
        self.notify("Settings saved.")
        self.app.pop_screen()

    @on(Button.Pressed, "#enrol")
    def _enrol(self) -> None:
        self.fp.action_enrol()

    @on(Button.Pressed, "#timeline")
    @on(Button.Pressed, "#export")
    def _inspection_step(self, event: Button.Pressed) -> None:
        """The timeline or the export of the inspection the user came from."""
        from .export import ExportModal, TimelineModal

        inspection = self.fp.current_inspection()
        if inspection is None:
            self.notify("No inspection yet: add one first.", severity="warning")
            return
        modal = TimelineModal if event.button.id == "timeline" else ExportModal
        self.app.push_screen(modal(inspection))

    @on(Button.Pressed, "#cancel")
    def action_back(self) -> None:
        self.app.pop_screen()
