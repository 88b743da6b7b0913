"""An inspection's timeline from the app (the palette): the notification date and the holiday
weeks, as ``fieldpad inspection timeline`` sets them; a lead's change on a team inspection."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from store import FieldpadError, Inspection

from ._base import BaseModal


class TimelineModal(BaseModal):
    NAME = "Timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="timeline.save"),
        Binding("escape", "cancel", "Cancel", id="timeline.cancel"),
    ]
    CSS = """
    TimelineModal #timeline-box { width: 76; height: auto; }
    TimelineModal #timeline-message { width: 100%; }
    """

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection

    def compose(self) -> ComposeResult:
        data = self.inspection.extra.get("timeline") or {}
        with Vertical(classes="dialog modal-box", id="timeline-box"):
            yield Label(f"Timeline · {self.inspection.name}", classes="dialog-title",
                        markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Notification date", classes="form-label")
                yield Input(str(data.get("notification", "")), id="timeline-notification",
                            compact=True, placeholder="YYYY-MM-DD, e.g. 2026-01-12")
            with Horizontal(classes="form-row"):
                yield Label("Holiday weeks", classes="form-label")
                yield Input(" ".join(data.get("holidays", [])), id="timeline-holidays",
                            compact=True, placeholder="a day in each, e.g. 2026-02-16")
            yield Label("Weeks with a holiday are left out of the week count.", classes="hint")
            yield Label("", id="timeline-message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#timeline-notification", Input).focus()
        if self.fp.session is not None and not self.session.may_change(self.inspection):
            self._say("Only the inspection's lead can change its timeline.")
            for widget in self.query(Input):
                widget.disabled = True

    def _say(self, text: str) -> None:
        label = self.query_one("#timeline-message", Label)
        label.add_class("error")
        label.update(text)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from store.inspection import TimelineError, make_timeline, where_is

        if not self.session.may_change(self.inspection):
            self._say("Only the inspection's lead can change its timeline.")
            return
        raw = self.query_one("#timeline-notification", Input).value.strip()
        days = self.query_one("#timeline-holidays", Input).value.replace(",", " ").split()
        try:
            timeline = make_timeline(date.fromisoformat(raw),
                                     holidays=[date.fromisoformat(d) for d in days])
        except (ValueError, TimelineError) as exc:
            self._say(f"Not saved: {exc}. Dates are written like 2026-01-12.")
            return
        ins = self.inspection
        ins.extra = {**ins.extra, "timeline": timeline.to_dict()}
        try:
            self.session.publish_inspection(ins, self.session.collection_for(ins, "note"))
        except FieldpadError as exc:
            self._say(f"Not saved: {exc}")
            return
        self.notify(f"Timeline saved: {where_is(timeline, self.fp.now().date()).label}.")
        self.dismiss(timeline)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
