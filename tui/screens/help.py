"""Every key binding of every screen, read from the classes themselves so it cannot go stale:
the keys of the screen the help was opened from (and of the field that had the focus) first,
then the keys that work everywhere, then every other screen's."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen


def binding_groups() -> list[tuple[str, list[Binding]]]:
    """(where, bindings) for the app and every screen and widget with bindings of its own."""
    return [(where, class_bindings(cls)) for where, cls in binding_classes()]


def binding_classes() -> list[tuple[str, type]]:
    """(where, class) for the app and every screen and widget with bindings of its own."""
    from .._keys import Everywhere
    from ..widgets.checklist import ChecklistField
    from ..widgets.choice import ChoiceField, ChoicePicker
    from ..widgets.grade_grid import GradeGrid, RationaleText
    from ..widgets.multipick import MultiPicker, MultiPickField
    from ..widgets.note_list import NoteList
    from ..widgets.tickbox import TickBox
    from ._table import TableScreen
    from .concern_step import StepModal
    from .concerns import ConcernsScreen
    from .confirm import ConfirmModal
    from .conflict import ConflictScreen, EditConflictModal
    from .editor import EditorScreen, KindModal, TagModal
    from .export import ExportModal, TimelineModal
    from .first_run import CreateVaultScreen
    from .history import HistoryScreen
    from .inspections import InspectionsScreen, NewInspectionModal
    from .matrix import MatrixScreen
    from .retention import CloseInspectionModal, PurgeInspectionModal
    from .reviews import ModerateModal, ReviewsScreen
    from .settings import SettingsScreen
    from .sync import SyncScreen
    from .team import InviteCodeModal, InviteModal, JoinModal, TeamScreen
    from .uncertainty import AssignModal, ResolveModal, UncertaintyScreen
    from .unlock import UnlockScreen
    from .workspace import WorkspaceScreen

    groups = [
        ("Everywhere", Everywhere),
        ("Unlock", UnlockScreen),
        ("First run", CreateVaultScreen),
        ("Inspections", InspectionsScreen),
        ("Workspace", WorkspaceScreen),
        ("Note list", NoteList),
        ("Editor", EditorScreen),
        ("Choice fields", ChoiceField),
        ("Choosing", ChoicePicker),
        ("Checklists", ChecklistField),
        ("Boxes", TickBox),
        ("Grades of a review", GradeGrid),
        ("A rationale", RationaleText),
        ("Lists to pick from", MultiPickField),
        ("Picking from a list", MultiPicker),
        ("Tags", TagModal),
        ("New note", KindModal),
        ("History", HistoryScreen),
        ("Evidence matrix", MatrixScreen),
        ("Uncertainty areas", UncertaintyScreen),
        ("Assigning an area", AssignModal),
        ("Resolving an area", ResolveModal),
        ("Tables", TableScreen),
        ("Concerns queue", ConcernsScreen),
        ("Concern step", StepModal),
        ("Record reviews", ReviewsScreen),
        ("Moderating a review", ModerateModal),
        ("Sync", SyncScreen),
        ("Team", TeamScreen),
        ("Inviting", InviteModal),
        ("Invitation code", InviteCodeModal),
        ("Joining", JoinModal),
        ("Conflict", ConflictScreen),
        ("Editing a conflict", EditConflictModal),
        ("Settings", SettingsScreen),
        ("Help", HelpScreen),
        ("Questions", ConfirmModal),
        ("New inspection", NewInspectionModal),
        ("Close inspection", CloseInspectionModal),
        ("Purge inspection", PurgeInspectionModal),
        ("Export", ExportModal),
        ("Timeline", TimelineModal),
    ]
    return groups


def class_bindings(cls: type) -> list[Binding]:
    """The bindings ``cls`` declares itself (a base's, such as the tables' j and k, are listed
    under the base, once)."""
    out: list[Binding] = []
    for item in cls.__dict__.get("BINDINGS", ()):
        out.extend([item] if isinstance(item, Binding) else Binding.make_bindings([item]))
    return out


class HelpScreen(BaseScreen):
    NAME = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="help.back"),
        Binding("j", "scroll_down", "Down", show=False, id="help.down"),
        Binding("k", "scroll_up", "Up", show=False, id="help.up"),
    ]

    def __init__(self, origin: Screen | None = None) -> None:
        super().__init__()
        #: the screen the help was opened from, and the widget that had the focus there
        self.origin = origin
        self.origin_focus = origin.focused if origin is not None else None

    def compose(self) -> ComposeResult:
        yield TitleBar("Help · keys", "ctrl+p: every action by name")
        with VerticalScroll(id="help-body"):
            yield Static(self._table(), id="help-text")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def _key(self, binding: Binding) -> str:
        keys = self.fp.keymap.get(binding.id or "")  # the user's own keys (the keymap)
        if keys is None and binding.key_display:
            return binding.key_display
        return ", ".join(self.app.get_key_display(Binding(k.strip(), binding.action))
                         for k in (keys or binding.key).split(","))

    def _here(self) -> list[tuple[str, type]]:
        """The groups of the screen the help came from: its own, its bases', the focused
        widget's and that widget's containers' (a grade grid's rationale and the grid)."""
        if self.origin is None:
            return []
        wanted: list[type] = list(type(self.origin).__mro__)
        node = self.origin_focus
        while node is not None and node is not self.origin:
            wanted.extend(type(node).__mro__)
            node = node.parent
        found = [(where, cls) for where, cls in binding_classes() if cls in wanted]
        return sorted(found, key=lambda group: wanted.index(group[1]))

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column()
        here = self._here()
        everywhere = [(w, c) for w, c in binding_classes() if w == "Everywhere"]
        rest = [g for g in binding_classes() if g not in here and g not in everywhere]
        sections = [("Keys here", here), ("Everywhere", everywhere), ("Other screens", rest)]
        intro = Text("This screen's keys come first. Every action is also in the command "
                     "palette (ctrl+p); tab and shift+tab move between fields; j and k move "
                     "down and up in lists.", style="dim")
        table.add_row(Text("About", style="bold"), intro)
        for title, groups in sections:
            if not any(class_bindings(cls) for _, cls in groups):
                continue
            table.add_row("", "")
            table.add_row(Text(f" {title} ", style="bold reverse"), "")
            for where, cls in groups:
                bindings = class_bindings(cls)
                if not bindings:
                    continue
                if title != "Everywhere":
                    table.add_row(Text(where, style="bold underline"), "")
                for b in bindings:
                    table.add_row(Text(self._key(b)), Text(b.description or b.action))
        table.add_row("", "")
        table.add_row(Text("Also", style="bold underline"), "")
        table.add_row("ctrl+p", "command palette: every action by name")
        table.add_row("tab, shift+tab", "next / previous field")
        return table

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
