"""A screen around one table of rows (record reviews, areas of uncertainty, concerns).

What such a screen shares: a title bar, the table (one row per item, the highlighted row kept
across reloads by its key), whatever the screen shows below it, the footer; j/k to move and a
``back`` action (each screen binds escape to it after its own keys, so its footer ends with
it); the rows are read again when the screen is shown again (back from a note or a dialog).
A subclass names its columns and says how to fetch its rows, key them and draw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen
from .bookmark import Bookmark

if TYPE_CHECKING:
    from store import Session

Row = TypeVar("Row")


class TableScreen(BaseScreen, Generic[Row]):
    #: the table's id (tests and styles find it by this)
    TABLE_ID: ClassVar[str] = "table"
    #: (heading, column key, width or None for automatic)
    COLUMNS: ClassVar[Sequence[tuple[str, str, int | None]]] = ()
    ZEBRA: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
    ]  # and each screen's own escape, last in its footer

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._shown = False
        self._keep: str | None = None  # the row to highlight on the first load

    # -- what a subclass says ------------------------------------------------------------------
    def heading(self) -> str:
        raise NotImplementedError

    def fetch(self) -> list[Row]:
        """The rows, in the order shown."""
        raise NotImplementedError

    def row_key(self, row: Row) -> str:
        raise NotImplementedError

    def cells(self, row: Row) -> Sequence[object]:
        raise NotImplementedError

    def compose_below(self) -> ComposeResult:
        """What the screen shows under the table (a detail panel, a hint...)."""
        yield from ()

    def loaded(self) -> None:
        """After every load: the title bar's counts, hints, the detail of the highlighted row."""

    # -- the plumbing ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar(self.heading(), "")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=self.ZEBRA)
        yield from self.compose_below()
        yield KeyFooter(compact=True)

    @property
    def table(self) -> DataTable:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    # (Textual runs every class's on_mount and on_screen_resume: BaseScreen's too, no super())
    def on_mount(self) -> None:
        table = self.table
        for label, key, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)
        self.load(keep=self._keep)
        table.focus()

    def on_screen_resume(self) -> None:
        # back from a note or a dialog: read again (the first showing was loaded by on_mount;
        # a second fill before the first paint loses the row labels)
        if self._shown and self.fp.session is not None and self.is_mounted:
            self.load()
        self._shown = True

    def load(self, keep: str | None = None) -> None:
        """Fetch and show the rows; the row keyed ``keep`` (else the highlighted one) stays
        highlighted."""
        current = self.current()
        keep = keep or (self.row_key(current) if current is not None else None)
        self.rows = self.fetch()
        table = self.table
        table.clear()
        keys = [self.row_key(row) for row in self.rows]
        for row, key in zip(self.rows, keys, strict=True):
            table.add_row(*self.cells(row), key=key)
        if keep is not None and keep in keys:
            table.move_cursor(row=keys.index(keep))
        self.loaded()

    def bookmark(self) -> Bookmark | None:
        """The same screen on the same inspection (every table screen has one, or all of
        them: ``inspection`` None), the highlighted row kept by its key."""
        ins = getattr(self, "inspection", None)
        ins_id = ins.inspection_id if ins is not None else None
        current = self.current()
        keep = self.row_key(current) if current is not None else None
        cls = type(self)

        def reopen(session: Session) -> TableScreen | None:
            found = session.inspections.get(ins_id) if ins_id is not None else None
            if ins_id is not None and found is None:
                return None
            screen = cls(found) if ins_id is not None else cls()  # type: ignore[call-arg]
            screen._keep = keep
            return screen

        return Bookmark(reopen)

    def current(self) -> Row | None:
        """The highlighted row, or None when there are none."""
        if not self.rows or not self.is_mounted:
            return None
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()
