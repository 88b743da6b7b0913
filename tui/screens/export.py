"""Dialogs about a whole inspection's evidence: export it (the same files, plaintext warning
and audit event as ``fieldpad export``: the palette, and E on the inspections and workspace
screens) and set its timeline (w on the inspections screen)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from store import FieldpadError, Inspection
from store.inspection import PLAINTEXT_WARNING

from ._base import BaseModal

FORMATS = [("DOCX evidence summary", "docx"), ("CSV tables", "csv"),
           ("Markdown, a file per note", "md")]


def default_folder(inspection: Inspection, fmt: str) -> Path:
    from store.inspection import safe_filename

    stem = safe_filename(inspection.name, set(), suffix="")
    return Path.home() / "fieldpad-exports" / f"{stem}-{fmt}"


class ExportModal(BaseModal):
    """Choose a format and an empty folder; the export runs in a worker. Dismisses with the
    paths written (or None when cancelled)."""

    NAME = "Export"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection

    def compose(self) -> ComposeResult:
        from store.inspection import may_export_sealed

        with Vertical(classes="dialog modal-box", id="export-box"):
            yield Label(f"Export {self.inspection.name}", classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Format", classes="form-label")
                yield Select(FORMATS, value="docx", allow_blank=False, id="export-format",
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Folder", classes="form-label")
                yield Input(str(default_folder(self.inspection, "docx")), id="export-folder")
            sealed = Checkbox("Include sealed fields (child identifiers)", id="export-sealed",
                              compact=True)
            sealed.display = may_export_sealed(self.session, self.inspection) \
                and self.inspection.scope != "local"
            yield sealed
            yield Label(PLAINTEXT_WARNING,
                        classes="hint", id="export-warning", markup=False)
            yield Label("", id="export-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#export-folder", Input).focus()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        folder = self.query_one("#export-folder", Input)
        defaults = {str(default_folder(self.inspection, f)) for _, f in FORMATS}
        if folder.value in defaults:  # the user has not typed their own folder
            folder.value = str(default_folder(self.inspection, str(event.value)))

    @on(Input.Submitted, "#export-folder")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        if not folder:
            self.query_one("#export-message", Label).update("Name a folder to write into.")
            return
        fmt = str(self.query_one("#export-format", Select).value)
        sealed = self.query_one("#export-sealed", Checkbox)
        self.query_one("#export", Button).disabled = True
        self.query_one("#export-message", Label).update("Exporting…")
        self._run(fmt, Path(folder).expanduser(), sealed.display and sealed.value)

    @work(thread=True, exclusive=True, group="export", name="export")
    def _run(self, fmt: str, folder: Path, include_sealed: bool) -> None:
        from store.inspection import export_inspection

        try:
            paths = export_inspection(self.session, self.inspection, fmt, folder,
                                      include_sealed=include_sealed)
            self.session.record_audit(self.inspection, "export", format=fmt, files=len(paths),
                                      **({"sealed": True} if include_sealed else {}))
        except (FieldpadError, OSError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._done, paths)

    def _failed(self, message: str) -> None:
        self.query_one("#export", Button).disabled = False
        self.query_one("#export-message", Label).update(f"Not exported: {message}")

    def _done(self, paths: list[Path]) -> None:
        self.notify(f"Exported {len(paths)} file{'s' if len(paths) != 1 else ''} to "
                    f"{paths[0].parent if paths else 'the folder'}. They are plaintext: keep "
                    "them on encrypted media only.", timeout=10)
        self.dismiss(paths)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class TimelineModal(BaseModal):
    """Set an inspection's timeline: the notification date and the holiday weeks left out of
    the count (a lead's change on a team inspection). Dismisses with the changed inspection."""

    NAME = "Timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="timeline.cancel"),
    ]

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection

    def compose(self) -> ComposeResult:
        from store.inspection import Timeline, TimelineError

        notified, holidays = "", ""
        try:
            current = Timeline.from_dict(self.inspection.extra.get("timeline") or {})
            notified = current.notification.isoformat()
            holidays = ", ".join(sorted(d.isoformat() for d in current.holidays))
        except TimelineError:
            pass  # none yet (or unreadable): start empty
        with Vertical(classes="dialog modal-box", id="timeline-box"):
            yield Label(f"Timeline of {self.inspection.name}", classes="dialog-title",
                        markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Notified on", classes="form-label")
                yield Input(notified, placeholder="YYYY-MM-DD", id="timeline-notified")
            with Horizontal(classes="form-row"):
                yield Label("Holiday weeks", classes="form-label")
                yield Input(holidays, placeholder="a day in each week, e.g. 2026-02-16",
                            id="timeline-holidays")
            yield Label("Holiday weeks are left out of the week count; later steps move on.",
                        classes="hint")
            yield Label("", id="timeline-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#timeline-notified", Input).focus()

    @on(Input.Submitted, "#timeline-notified")
    def _next(self) -> None:
        self.query_one("#timeline-holidays", Input).focus()

    @on(Input.Submitted, "#timeline-holidays")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        import re
        from datetime import date

        from store.inspection import TimelineError, make_timeline, set_timeline

        message = self.query_one("#timeline-message", Label)
        raw = self.query_one("#timeline-notified", Input).value.strip()
        days = [d for d in re.split(r"[\s,;]+",
                                    self.query_one("#timeline-holidays", Input).value) if d]
        try:
            notified = date.fromisoformat(raw)
        except ValueError:
            message.update(f"{raw!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-05")
            return
        try:
            holidays = [date.fromisoformat(d) for d in days]
        except ValueError:
            message.update("Holiday weeks: write a day of each week as YYYY-MM-DD, separated "
                           "by commas")
            return
        try:
            changed = set_timeline(self.session, self.inspection,
                                   make_timeline(notified, holidays=holidays))
        except (TimelineError, FieldpadError) as exc:
            message.update(str(exc))
            return
        self.dismiss(changed)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
