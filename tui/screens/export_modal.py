"""Export an inspection from the app (the palette): the CLI's export, with its plaintext warning
and its audit event, in a small dialog. The files are written in a worker thread."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from store import FieldpadError, Inspection
from store.inspection import EXPORT_FORMATS, PLAINTEXT_WARNING

from ..widgets.choice import ChoiceField
from ._base import BaseModal


class ExportModal(BaseModal):
    NAME = "Export"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Export", priority=True, id="export.export"),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]
    CSS = """
    ExportModal #export-box { width: 76; height: auto; }
    ExportModal #export-warning { width: 100%; color: $text-warning; margin-top: 1; }
    ExportModal #export-message { width: 100%; }
    """

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection
        self.busy = False

    def compose(self) -> ComposeResult:
        folder = Path("~") / "fieldpad-export" / self.inspection.name
        with Vertical(classes="dialog modal-box", id="export-box"):
            yield Label(f"Export {self.inspection.name}", classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Format", classes="form-label")
                yield ChoiceField(EXPORT_FORMATS, id="export-format", label="Format", value="docx")
            with Horizontal(classes="form-row"):
                yield Label("Folder", classes="form-label")
                yield Input(str(folder), id="export-folder", compact=True)
            yield Label("⚠ " + PLAINTEXT_WARNING[:1].upper() + PLAINTEXT_WARNING[1:],
                        id="export-warning", markup=False)
            yield Label("", id="export-message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Export (ctrl+s)", id="export", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-format", ChoiceField).focus()

    def _say(self, text: str, error: bool = False) -> None:
        label = self.query_one("#export-message", Label)
        label.set_class(error, "error")
        label.update(text)

    @on(Input.Submitted, "#export-folder")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        if self.busy:
            return
        fmt = self.query_one("#export-format", ChoiceField).value
        folder = self.query_one("#export-folder", Input).value.strip()
        if fmt is None or not folder:
            self._say("Choose a format and a folder.", error=True)
            return
        self.busy = True
        self._say("Exporting…")
        self._export(fmt, Path(folder).expanduser())

    @work(thread=True, exclusive=True, group="export", name="export")
    def _export(self, fmt: str, folder: Path) -> None:
        from store.inspection import export_inspection

        try:
            paths = export_inspection(self.session, self.inspection, fmt, folder)
            self.session.record_audit(self.inspection, "export", format=fmt, files=len(paths))
        except (FieldpadError, OSError, ValueError) as exc:
            text = str(exc) if isinstance(exc, FieldpadError) else (
                f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}")
            self.app.call_from_thread(self._failed, text)
        else:
            self.app.call_from_thread(self._done, len(paths), folder)

    def _failed(self, text: str) -> None:
        self.busy = False
        self._say(f"Not exported: {text}", error=True)

    def _done(self, n: int, folder: Path) -> None:
        self.notify(f"Exported {n} file{'s' if n != 1 else ''} to {folder}. They are "
                    "plaintext: keep them on encrypted media.", timeout=10)
        self.dismiss(n)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
