"""The lead's steps on a concern from the queue: the decision (with rationale and time), the
referral (partner lead contacted, time, method, reference), built from the concern template's
own fields; saving is ``store.inspection.record_step`` (one revision signed by this device)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from store import Note, ValidationFailed
from store.inspection import STEP_FIELDS, ConcernStep, FieldSpec, record_step, template_for
from store.team import NotALead

from ..widgets.fields import FIELD_TYPES, FieldContext
from ._base import BaseModal

STEP_TITLES = {"decision": "Lead's decision", "referral": "Referral", "closed": "Closed"}


def step_line(step: ConcernStep, tz: Any, width: int = 200, own_device: bytes = b"") -> Text:
    """One step as a line: what, the form's time, who signed the revision and when, details.

    The signing device is named by its id's first 8 hex digits, or "this device"."""
    def at(dt: datetime | None) -> str:
        return dt.astimezone(tz).strftime("%d %b %H:%M") if dt else "time not recorded"

    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append(f"{step.step:<9}", style="bold")
    line.append(f"{at(step.at)}  ")
    if step.recorded_at is not None:
        # who signed the revision that first recorded the step, and when (same day: the time)
        same_day = step.at is not None and \
            step.at.astimezone(tz).date() == step.recorded_at.astimezone(tz).date()
        when = step.recorded_at.astimezone(tz).strftime("%H:%M") if same_day \
            else at(step.recorded_at)
        device = "this device" if own_device and step.recorded_device == own_device \
            else f"device {step.recorded_device.hex()[:8]}"
        line.append(f"signed {step.recorded_by or '?'} ({device}) {when}", style="dim")
        line.append("  ")
    line.append(step.details)
    line.truncate(width, overflow="ellipsis")
    return line


class StepModal(BaseModal):
    """Record (or correct) a decision or a referral on one concern."""

    NAME = "Concern step"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save step", priority=True, id="step.save"),
        Binding("escape", "cancel", "Cancel", id="step.cancel"),
    ]
    CSS = """
    StepModal #step-box { height: auto; max-height: 95%; }
    StepModal .form-row > Input { width: 1fr; background: $boost; }
    StepModal .form-label { width: 24; }
    StepModal TextArea.longtext { height: 3; background: $boost; }
    StepModal #step-message { display: none; }
    """

    def __init__(self, note: Note, step: str) -> None:
        super().__init__()
        self.note = note
        self.step = step
        template = template_for(note.kind, note.template)
        self.specs: list[FieldSpec] = [template.spec(name) for name in STEP_FIELDS[step]]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog modal-box", id="step-box"):
            yield Label(f"{STEP_TITLES[self.step]} · {self.note.title[:40] or 'concern'}",
                        classes="dialog-title", markup=False)
            for spec in self.specs:
                yield from self._field(spec)
            yield Label("Signed by this device; an empty time means now.", classes="hint")
            yield Label("", id="step-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _field(self, spec: FieldSpec) -> ComposeResult:
        """The field's widget from the registry (its value is written once it is mounted)."""
        kind = FIELD_TYPES[spec.type]
        widget = kind.build(spec, f"step-{spec.name}")
        if spec.type == "datetime":
            widget.placeholder = "now, if left empty"  # type: ignore[attr-defined]
        if kind.long:
            yield Label(spec.label, classes="long-label", markup=False)
            yield widget
            return
        with Horizontal(classes="form-row"):
            yield Label(spec.label, classes="form-label", markup=False)
            yield widget

    def on_mount(self) -> None:
        for spec in self.specs:
            FIELD_TYPES[spec.type].write(self.query_one(f"#step-{spec.name}"),
                                         self.note.fields.get(spec.name), FieldContext())
        self.query_one(f"#step-{self.specs[0].name}").focus()

    def values(self) -> dict[str, Any]:
        """Every field of the step as typed ("" clears it; an empty time means now)."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = FIELD_TYPES[spec.type].read(self.query_one(f"#step-{spec.name}"))
            out[spec.name] = "" if value is None else value
        return out

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        try:
            note = record_step(self.session, self.note.note_id, self.step, self.values(),
                               now=self.fp.now())  # the app's clock, as the editor uses
        except (ValidationFailed, NotALead) as exc:  # NotALead: the roster changed meanwhile
            label = self.query_one("#step-message", Label)
            label.update("; ".join(i.message for i in exc.issues)
                         if isinstance(exc, ValidationFailed) else str(exc))
            label.display = True
            return
        self.dismiss(note)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
