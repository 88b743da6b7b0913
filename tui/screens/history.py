"""A note's revisions, newest first; below, what changed from the highlighted revision to the
current one, word by word (v shows the revision itself instead). Restore makes one current
again."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from store import Revision
from store.inspection import as_seen

from .._preview import preview_text
from .._printable import printable
from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen


class HistoryScreen(BaseScreen):
    NAME = "History"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "restore", "Restore this revision", id="history.restore"),
        Binding("v", "toggle_view", "Diff / revision", id="history.view"),
        Binding("j", "cursor_down", "Down", show=False, id="history.down"),
        Binding("k", "cursor_up", "Up", show=False, id="history.up"),
        Binding("escape", "back", "Back", id="history.back"),
    ]

    def __init__(self, note_id: str) -> None:
        super().__init__()
        self.note_id = note_id
        self.revisions: list[Revision] = []
        self.show_diff = True

    def compose(self) -> ComposeResult:
        yield TitleBar("History", "")
        yield DataTable(id="revisions", cursor_type="row")
        with VerticalScroll(id="rev-preview"):
            yield Static("", id="rev-preview-text", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("#", "n"), ("When", "when"), ("By", "by"), ("State", "state"),
                           ("Title", "title")):
            table.add_column(label, key=key)
        self.load()
        table.focus()

    def load(self) -> None:
        note = self.session.get(self.note_id)
        self.revisions = self.session.history(self.note_id)
        self.query_one(TitleBar).set(
            left=f"History · {note.title[:50] or '(untitled)'}",
            right=f"{len(self.revisions)} revision{'s' if len(self.revisions) != 1 else ''}")
        table = self.query_one(DataTable)
        table.clear()
        tz = self.fp.now().tzinfo
        for n, rev in reversed(list(enumerate(self.revisions, 1))):
            when = rev.updated.astimezone(tz).strftime("%d %b %H:%M")
            local = self.session.inspections.get(note.inspection_id)
            unsynced = not rev.pushed and local is not None and local.scope != "local"
            state = rev.state + (" · unsynced" if unsynced else "")
            if rev.rev == note.rev:
                state += " · current"
            table.add_row(str(n), when, printable(rev.author, one_line=True) or "?", state,
                          printable(rev.title, one_line=True)[:40], key=rev.rev)
        if self.revisions:
            table.move_cursor(row=0)
            self._show(self.revisions[-1])

    def _selected(self) -> Revision | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.revisions if r.rev == key), None)

    def _show(self, rev: Revision) -> None:
        current = self.session.get(self.note_id)
        if self.show_diff and rev.rev != current.rev:
            now = next((r for r in self.revisions if r.rev == current.rev), None)
            if now is not None:
                self.query_one("#rev-preview-text", Static).update(self._diff(rev, now))
                return
        ins = self.session.inspections.get(rev.note.inspection_id)
        text = Text()
        text.append(self._who(rev) + "\n", style="dim")
        text.append_text(preview_text(as_seen(self.session, rev.note), self.fp.now(),
                                      show_unsynced=bool(ins and ins.scope != "local")))
        self.query_one("#rev-preview-text", Static).update(text)

    def _who(self, rev: Revision) -> str:
        """Revision n · who signed it · its device (the fingerprint is on the team screen)."""
        author = self.session.author_of(rev.note.collection_id, rev.signer)
        who = f"{author.name} (this device)" if rev.signer == self.session.device_id \
            else author.label(device=True)
        return f"Revision {self.revisions.index(rev) + 1} · {who}"

    def _diff(self, old: Revision, new: Revision) -> Text:
        from store.diff import DELETED, INSERTED, diff_notes

        theme = self.app.current_theme
        gone = Style(color=theme.error, strike=True)
        added = Style(color=theme.success, underline=True)
        text = Text()
        text.append(f"{self._who(old)}  →  the current revision "
                    f"{self.revisions.index(new) + 1}\n", style="dim")
        # a concern on an inspection this device does not lead: the raiser's part only
        changes = diff_notes(as_seen(self.session, old.note), as_seen(self.session, new.note))
        if not changes:
            text.append("No differences.")
        for change in changes:
            text.append(f"\n{change.label}\n", style="bold")
            for op, piece in change.pieces:
                text.append(piece, style=gone if op == DELETED else added if op == INSERTED
                            else "")
            text.append("\n")
        return text

    def action_toggle_view(self) -> None:
        self.show_diff = not self.show_diff
        rev = self._selected()
        if rev is not None:
            self._show(rev)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        rev = self._selected()
        if rev is not None:
            self._show(rev)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    @on(DataTable.RowSelected)
    def action_restore(self) -> None:
        from .confirm import ConfirmModal

        rev = self._selected()
        if rev is None:
            return
        number = self.revisions.index(rev) + 1
        if rev.rev == self.session.get(self.note_id).rev:
            self.notify("That is the current revision already.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.session.restore(self.note_id, rev.rev)
                self.notify(f"Revision {number} restored as a new revision; "
                            "nothing was removed from the history.")
                self.app.pop_screen()

        self.app.push_screen(ConfirmModal(
            f"Restore revision {number}?",
            "It becomes the current version; the history keeps every other revision.",
            yes="Restore"), confirmed)

    def action_back(self) -> None:
        self.app.pop_screen()
