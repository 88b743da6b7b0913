"""The concerns queue: open concern forms, oldest first, with how long since each was raised,
decided and referred; below, the highlighted concern's steps, each with its time and the
device that signed it. Counting is the store's (``store._concerns``), as for the CLI.

On a device that does not lead a concern's inspection the row is the raiser's view (issue 12):
"with the lead", only the raising in its steps, and no lead's keys (decision, referral,
close); the rule is the form's (``store.inspection.may_decide``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label, Static

from store import Inspection
from store.inspection import concern_steps, concerns_queue

from .._printable import printable
from ._table import TableScreen

HINT = "Oldest first. Closed concerns leave the queue; their history stays."


class ConcernsScreen(TableScreen[Any]):  # rows: store QueuedConcern
    NAME = "Concerns"
    TABLE_ID = "concerns-table"
    ZEBRA = False
    COLUMNS = (("Raised", "age", None), ("Immediacy", "immediacy", None),
               ("Decided", "dec", None), ("Referred", "ref", None), ("Title", "title", None))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="concerns.open"),
        Binding("d", "decision", "Decision", id="concerns.decision"),
        Binding("r", "referral", "Referral", id="concerns.referral"),
        Binding("x", "close", "Close", id="concerns.close"),
        Binding("escape", "back", "Back", id="concerns.back"),
    ]
    DEFAULT_CSS = """
    ConcernsScreen #concerns-table { height: 1fr; }
    ConcernsScreen #concern-steps { height: 5; width: 100%; padding: 0 1;
                                    border-top: hkey $border-blurred; background: $surface; }
    ConcernsScreen #concerns-hint { padding: 0 1; }
    """

    def __init__(self, inspection: Inspection | None = None) -> None:
        super().__init__()
        self.inspection = inspection

    def heading(self) -> str:
        where = self.inspection.name if self.inspection else "all inspections"
        return f"Concerns queue · {where}"

    def compose_below(self) -> ComposeResult:
        yield Static("", id="concern-steps", markup=False)
        yield Label(HINT, classes="hint", id="concerns-hint")

    @property
    def queue(self) -> list[Any]:
        return self.rows

    def fetch(self) -> list[Any]:
        notes = self.session.list_notes(self.inspection, kind="concern")
        return concerns_queue(notes, self.fp.now(), seen_by=self.session)

    def row_key(self, row: Any) -> str:
        return row.note.note_id

    def cells(self, row: Any) -> Sequence[object]:
        ins = self.session.inspections.get(row.note.inspection_id)
        urgent = row.immediacy == "immediate" and not row.decided
        title = printable(row.note.title, one_line=True) or "(untitled)"
        if self.inspection is None and ins is not None:
            title += f" · {printable(ins.name, one_line=True)}"
        decided, referred = (row.decision or "not yet", "yes" if row.referred else "no") \
            if row.for_lead else (row.status, "–")  # a member: the raiser's part only
        return (Text(f"{row.age_label} ago", style="bold" if urgent else ""),
                Text(row.immediacy or "–", style="bold" if urgent else ""),
                decided, referred, Text(title))

    def loaded(self) -> None:
        from ..widgets.title_bar import TitleBar

        n = len(self.rows)
        self.query_one(TitleBar).set(right=f"{n} open")
        self.query_one("#concerns-hint", Label).update(HINT if n else "No open concerns.")
        self._show_steps()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The lead's steps show (and work) only on a concern this device may decide on."""
        if action not in ("decision", "referral", "close"):
            return True
        q = self.current() if self.is_mounted else None
        return q is not None and q.for_lead

    @on(DataTable.RowHighlighted)
    def _show_steps(self) -> None:
        from .concern_step import step_line

        self.refresh_bindings()
        q = self.current()
        panel = self.query_one("#concern-steps", Static)
        if q is None:
            panel.update("")
            return
        # a member's row holds the raiser's view: its steps are the raising alone
        steps = concern_steps(q.note, self.session.history(q.note.note_id))
        width = max(20, panel.size.width - 2 if panel.size.width else 76)
        tz = self.fp.now().tzinfo
        own = self.session.device_id
        panel.update(Text("\n").join(step_line(s, tz, width, own) for s in steps))

    def _step(self, step: str) -> None:
        from .concern_step import StepModal

        q = self.current()
        if q is None or not q.for_lead:
            return

        def done(note: Any) -> None:  # a store Note, or None
            if note is not None:
                self.load()
                self.notify(f"{step.capitalize()} recorded, signed by this device.")

        self.app.push_screen(StepModal(q.note, step), done)

    def action_decision(self) -> None:
        self._step("decision")

    def action_referral(self) -> None:
        self._step("referral")

    def action_close(self) -> None:
        from store import ValidationFailed
        from store.inspection import record_step
        from store.team import NotALead

        from .confirm import ConfirmModal

        q = self.current()
        if q is None or not q.for_lead:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                record_step(self.session, q.note.note_id, "closed", {}, now=self.fp.now())
            except ValidationFailed as exc:
                self.notify(exc.issues[0].message, severity="warning")
                return
            except NotALead as exc:  # the roster changed since the row was read
                self.notify(str(exc), severity="warning")
                return
            self.load()
            self.notify("Concern closed. It leaves the queue; its history stays.")

        self.app.push_screen(ConfirmModal(
            f"Close “{q.note.title[:50]}”?",
            "It leaves the queue. The closing is a revision signed by this device."),
            confirmed)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from .editor import EditorScreen

        q = self.current()
        if q is None:
            return
        ins = self.session.inspections.get(q.note.inspection_id)
        if ins is not None:
            self.app.push_screen(EditorScreen(ins, "concern", q.note.note_id))
