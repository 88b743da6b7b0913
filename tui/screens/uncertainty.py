"""Areas of uncertainty (issue 6): every note tagged ``status:uncertainty`` under its statement,
who looks into it, and the notes whose evidence resolved it. The follow-up is the store's
(``store.inspection``): each step is a synced audit event signed by this device, so the
screen, ``fieldpad uncertainty`` and the export agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, SelectionList, Static

from store import Inspection, Note, StoreError, ValidationFailed
from store.inspection import (
    ASSIGNED,
    KIND_SHORT_LABELS,
    OPEN,
    RESOLVED,
    ROW_SHORT_LABELS,
    UNASSIGNED,
    AreaRow,
    FollowUp,
    area_rows,
    assign,
    reopen,
    resolve,
)

from .._printable import printable
from ..widgets.title_bar import TitleBar
from ._base import BaseModal
from ._table import TableScreen

HINT = "Tagged status:uncertainty. Each step is signed and synced with the team."
#: Column widths (cell padding adds 2 each): the table fits 80 columns with a scrollbar.
_WIDTHS = {"row": 17, "title": 20, "state": 8, "assigned": 9, "evidence": 12}


def _cut(text: str, width: int, style: str = "") -> Text:
    out = Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")
    out.truncate(width, overflow="ellipsis")
    return out


def _words(exc: BaseException) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(i.message for i in exc.issues) or "not valid"
    return str(exc) or type(exc).__name__


def row_label(row: str) -> str:
    return "not linked" if row == UNASSIGNED else ROW_SHORT_LABELS.get(row, row)


class UncertaintyScreen(TableScreen[AreaRow]):
    """The areas of uncertainty of one inspection and where their follow-up stands."""

    NAME = "Areas of uncertainty"
    TABLE_ID = "areas"
    COLUMNS = tuple((label, key, _WIDTHS[key]) for label, key in (
        ("Statement", "row"), ("Note", "title"), ("State", "state"), ("Assigned", "assigned"),
        ("Evidence", "evidence")))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open note", id="uncertainty.open"),
        Binding("a", "assign", "Assign", id="uncertainty.assign"),
        Binding("r", "resolve", "Resolve", id="uncertainty.resolve"),
        Binding("o", "reopen", "Reopen", id="uncertainty.reopen"),
        Binding("escape", "back", "Back", id="uncertainty.back"),
    ]
    CSS = """
    UncertaintyScreen #areas { height: 1fr; }
    UncertaintyScreen #area-detail { height: 4; width: 100%; padding: 0 1;
                                     border-top: hkey $border-blurred; background: $surface; }
    UncertaintyScreen #areas-hint { padding: 0 1; }
    """

    def __init__(self, inspection: Inspection) -> None:
        super().__init__()
        self.inspection = inspection

    def heading(self) -> str:
        return f"Areas of uncertainty · {self.inspection.name}"

    def compose_below(self) -> ComposeResult:
        yield Static("", id="area-detail", markup=False)
        yield Label(HINT, classes="hint", id="areas-hint", markup=False)

    def _title(self, note_id: str) -> str:
        note = self.session.notes.get(note_id)
        return (printable(note.title, one_line=True) or "(untitled)") if note is not None \
            else note_id[:8]

    def evidence_titles(self, follow: FollowUp) -> list[str]:
        return [self._title(i) for i in follow.evidence]

    def fetch(self) -> list[AreaRow]:
        return area_rows(self.session, self.inspection)

    def row_key(self, row: AreaRow) -> str:
        return f"{row.row}:{row.note_id}"  # a note in two rows is listed under each

    def cells(self, row: AreaRow) -> Sequence[object]:
        f = row.follow_up
        resolved = f.state == RESOLVED
        return (_cut(row_label(row.row), _WIDTHS["row"]),
                _cut(printable(row.title, one_line=True) or "(untitled)", _WIDTHS["title"]),
                _cut(f.state, _WIDTHS["state"], "bold" if f.state == OPEN else "dim"
                     if resolved else ""),
                _cut(f.assigned_to or "–", _WIDTHS["assigned"]),
                _cut("; ".join(self.evidence_titles(f)) if resolved else "",
                     _WIDTHS["evidence"]))

    def loaded(self) -> None:
        notes = {a.note_id: a.follow_up.state for a in self.rows}
        counts = {s: sum(1 for v in notes.values() if v == s) for s in (OPEN, ASSIGNED, RESOLVED)}
        self.query_one(TitleBar).set(right=f"{counts[OPEN]} open · {counts[ASSIGNED]} assigned"
                                           f" · {counts[RESOLVED]} resolved")
        self.query_one("#areas-hint", Label).update(
            HINT if self.rows else "No areas of uncertainty: tag a note or a passage "
                                   "status:uncertainty.")
        self._detail()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        area = self.current()
        panel = self.query_one("#area-detail", Static)
        if area is None:
            panel.update("")
            return
        f = area.follow_up
        width = max(20, panel.size.width - 2 if panel.size.width else 76)
        lines = [Text.assemble((f"{row_label(area.row)}: ", "bold"),
                               printable(area.title, one_line=True) or "(untitled)")]
        if f.state == RESOLVED:
            lines.append(Text.assemble(("Resolved by ", "bold"),
                                       "; ".join(self.evidence_titles(f)),
                                       (f"  (recorded by {f.by or '?'})", "dim")))
            lines.append(Text(f"Comment: {f.comment}" if f.comment else "No comment.",
                              style="" if f.comment else "dim"))
        elif f.state == ASSIGNED:
            lines.append(Text.assemble(("Assigned to ", "bold"), f.assigned_to,
                                       (f"  (recorded by {f.by or '?'})", "dim")))
            lines.append(Text("r marks it resolved with the notes whose evidence resolved it.",
                              style="dim"))
        else:
            lines.append(Text("Open: nobody looks into it yet.", style="bold"))
            lines.append(Text("a assigns it; r marks it resolved.", style="dim"))
        for line in lines:
            line.no_wrap = True
            line.truncate(width, overflow="ellipsis")
        panel.update(Text("\n").join(lines))

    def _done(self, message: str) -> None:
        self.load()
        self.notify(message)

    def action_assign(self) -> None:
        area = self.current()
        if area is None:
            self.notify("No area of uncertainty to assign.")
            return

        def done(follow: FollowUp | None) -> None:
            if follow is not None:
                self._done(f"Assigned to {follow.assigned_to}, signed by this device.")

        self.app.push_screen(AssignModal(self.inspection, area), done)

    def action_resolve(self) -> None:
        area = self.current()
        if area is None:
            self.notify("No area of uncertainty to resolve.")
            return

        def done(follow: FollowUp | None) -> None:
            if follow is not None:
                n = len(follow.evidence)
                self._done(f"Resolved by {n} note{'s' if n != 1 else ''}, signed by this "
                           "device.")

        self.app.push_screen(ResolveModal(self.inspection, area), done)

    def action_reopen(self) -> None:
        area = self.current()
        if area is None:
            self.notify("No area of uncertainty to reopen.")
            return
        if area.follow_up.state != RESOLVED:
            self.notify(f"“{area.title[:40]}” is not resolved: nothing to reopen.")
            return
        try:
            follow = reopen(self.session, self.inspection, area.note_id)
        except (ValidationFailed, StoreError) as exc:
            self.notify(_words(exc), severity="warning")
            return
        self._done(f"Reopened: {follow.state}" + (f" (with {follow.assigned_to})"
                                                  if follow.assigned_to else "") + ".")

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from .editor import EditorScreen

        area = self.current()
        note = self.session.notes.get(area.note_id) if area is not None else None
        if note is not None:
            self.app.push_screen(EditorScreen(self.inspection, note.kind, note.note_id))


class _AreaModal(BaseModal):
    """What the two dialogs share: the area, a message line for what the store refused."""

    def __init__(self, inspection: Inspection, area: AreaRow) -> None:
        super().__init__()
        self.inspection = inspection
        self.area = area

    def _say(self, text: str) -> None:
        label = self.query_one(".area-message", Label)
        label.update(text)
        label.display = bool(text)

    def _buttons(self, save: str) -> ComposeResult:
        yield Label("", classes="error area-message", markup=False)
        with Horizontal(classes="buttons"):
            yield Button(f"{save} (ctrl+s)", id="save", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AssignModal(_AreaModal):
    """Who looks into an area of uncertainty."""

    NAME = "Assign an area"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Assign", priority=True, id="assign.save"),
        Binding("escape", "cancel", "Cancel", id="assign.cancel"),
    ]
    CSS = """
    AssignModal #assign-box { height: auto; }
    AssignModal .form-label { width: 19; }
    AssignModal .area-message { display: none; }
    """

    def compose(self) -> ComposeResult:
        follow = self.area.follow_up
        with Vertical(classes="dialog modal-box", id="assign-box"):
            yield Label(f"Assign · {self.area.title[:48] or 'area of uncertainty'}",
                        classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Who looks into it", classes="form-label")
                yield Input(follow.assigned_to, id="assignee", compact=True, max_length=64,
                            placeholder="a name or initials")
            yield Label("Assigning a resolved area reopens it." if follow.state == RESOLVED
                        else "Signed by this device; syncs with the team.", classes="hint")
            yield from self._buttons("Assign")

    def on_mount(self) -> None:
        self.query_one("#assignee", Input).focus()

    @on(Input.Submitted, "#assignee")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        name = self.query_one("#assignee", Input).value
        try:
            follow = assign(self.session, self.inspection, self.area.note_id, name)
        except (ValidationFailed, StoreError) as exc:
            self._say(_words(exc))
            return
        self.dismiss(follow)


class ResolveModal(_AreaModal):
    """Mark an area of uncertainty resolved: the notes whose evidence resolved it, a comment."""

    NAME = "Resolve an area"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Resolve", priority=True, id="resolve.save"),
        Binding("escape", "cancel", "Cancel", id="resolve.cancel"),
    ]
    CSS = """
    ResolveModal #resolve-box { height: auto; max-height: 95%; }
    ResolveModal #resolve-evidence { height: auto; max-height: 10; }
    ResolveModal .form-label { width: 10; }
    ResolveModal .area-message { display: none; }
    """

    def compose(self) -> ComposeResult:
        follow = self.area.follow_up
        notes = [n for n in self.session.list_notes(self.inspection)  # newest first
                 if n.note_id != self.area.note_id]
        with Vertical(classes="dialog modal-box", id="resolve-box"):
            yield Label(f"Resolve · {self.area.title[:47] or 'area of uncertainty'}",
                        classes="dialog-title", markup=False)
            yield Label("Which notes' evidence resolved it (space ticks):", classes="hint")
            yield SelectionList[str](
                *[(self._prompt(n), n.note_id, n.note_id in follow.evidence) for n in notes],
                id="resolve-evidence", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Comment", classes="form-label")
                yield Input(follow.comment, id="resolve-comment", compact=True,
                            placeholder="what the evidence showed (optional)")
            yield from self._buttons("Resolve")

    @staticmethod
    def _prompt(note: Note) -> Text:
        """The title in a column of its own, then the kind: "Record review R-017   review"."""
        title = _cut(printable(note.title, one_line=True) or "(untitled)", 40)
        title.pad_right(41 - title.cell_len)
        title.append(KIND_SHORT_LABELS.get(note.kind, note.kind), style="dim")
        return title

    def on_mount(self) -> None:
        self.query_one("#resolve-evidence", SelectionList).focus()

    def evidence(self) -> list[str]:
        return list(self.query_one("#resolve-evidence", SelectionList).selected)

    @on(SelectionList.SelectedChanged)
    def _changed(self) -> None:
        self._say("")

    @on(Input.Submitted, "#resolve-comment")
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        comment = self.query_one("#resolve-comment", Input).value
        try:
            follow = resolve(self.session, self.inspection, self.area.note_id,
                             self.evidence(), comment)
        except (ValidationFailed, StoreError) as exc:
            self._say(_words(exc))
            return
        self.dismiss(follow)
