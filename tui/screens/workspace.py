"""One inspection's notes: filter by kind, state, tag and author, search as you type, preview."""

from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import attrgetter
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from store import CONFLICTED, DELETED, Inspection, Note, Session, StoreError
from store.inspection import KIND_PLURALS, KINDS, as_seen

from .._matches import seen_match
from .._notes import phase_text
from .._preview import preview_text
from ..widgets.key_footer import KeyFooter
from ..widgets.note_list import NoteList
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen
from ._status import sync_status
from .bookmark import Bookmark

SIDEBAR_KIND = KIND_PLURALS
STATES = (("conflicted", "Conflicted"), ("unsynced", "Unsynced"), ("deleted", "Deleted"))
SEARCH_LIMIT = 500
#: Seconds after the list's first paint before the search index starts building: the build
#: (a sort of every note here, then a thread holding the interpreter in turns) made the first
#: paint of a 50,000-note workspace wait ~50 ms and more; a search typed sooner builds it then
SEARCH_BUILD_DELAY = 0.3


def _entry(label: str, count: int, width: int = 15) -> Text:
    count_text = str(count)
    room = max(1, width - len(count_text) - 1)
    return Text(f"{label[:room]:<{room}} {count_text}")


def note_tags(note: Note) -> set[str]:
    """The note's own tags and the tags of its passages."""
    return set(note.tags) | {p.tag for p in note.passages}


def _tags_of(note: Note) -> tuple[str, ...] | set[str]:
    """``note_tags`` without building a set for a note with one tag or none and no passage
    tags (most notes): what the sidebar's count walks for every note of the workspace."""
    return note.tags if not note.passages and len(note.tags) < 2 else note_tags(note)


def _counts(everything: list[Note], live: list[Note]) -> tuple[
        Counter[str], Counter[str], Counter[str], dict[str, int]]:
    """The sidebar's counts (50,000 notes in a big profile): kinds, tags and authors of the
    notes not deleted, and the notes in each state. Counted by ``Counter`` over ``map`` (C
    loops), about three times quicker than one Python loop adding to each count in turn."""
    kinds = Counter(map(_KIND, live))
    authors = Counter(map(_AUTHOR, live))
    # a note's own tags (saved without duplicates), then the passages' tags its own lack
    tags = Counter(chain.from_iterable(map(_TAGS, live)))
    for n in filter(_PASSAGES, live):
        tags.update({p.tag for p in n.passages}.difference(n.tags))
    states = Counter(map(_STATE, everything))
    return kinds, tags, authors, {
        "conflicted": states[CONFLICTED], "deleted": states[DELETED],
        "unsynced": len(everything) - sum(map(_PUSHED, everything))}


_KIND, _AUTHOR, _STATE, _PUSHED, _TAGS, _PASSAGES = (
    attrgetter("kind"), attrgetter("author"), attrgetter("state"), attrgetter("pushed"),
    attrgetter("tags"), attrgetter("passages"))


class WorkspaceScreen(BaseScreen):
    #: False from mounting until the first resume (which Textual sends right after mounting)
    _resumed_once: bool = True
    #: the session and its connection's write count when the screen last read the notes
    _read_as: tuple[int, int] = (0, -1)
    NAME = "Workspace"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="workspace.search"),
        Binding("n", "new_note", "New", id="workspace.new"),
        Binding("e", "edit", "Edit", id="workspace.edit"),
        Binding("t", "tag", "Tag", id="workspace.tag"),
        Binding("c", "raise_concern", "Concern", id="workspace.concern"),
        Binding("s", "app.sync", "Sync", id="workspace.sync"),
        Binding("m", "matrix", "Matrix", tooltip="Evidence matrix", id="workspace.matrix"),
        Binding("R", "reviews", "Reviews", tooltip="Record reviews", id="workspace.reviews"),
        Binding("f", "filters", "Filters", id="workspace.filters"),
        Binding("h", "history", "History", id="workspace.history"),
        Binding("d", "delete", "Delete", id="workspace.delete"),
        Binding("E", "export", "Export…", tooltip="Export the inspection's evidence",
                id="workspace.export"),
        Binding("T", "team", "Team", tooltip="Team and fingerprints", id="workspace.team"),
        Binding("l", "notes", "List", tooltip="Back to the notes list", id="workspace.list"),
        Binding("escape", "back", "Back", id="workspace.back"),
    ]

    def __init__(self, inspection: Inspection, *, tags: tuple[str, ...] = (),
                 note_ids: tuple[str, ...] | None = None, caption: str = "",
                 keep: str | None = None) -> None:
        super().__init__()
        self.inspection = inspection
        self._keep = keep  # the note to highlight first
        #: only these notes (the notes behind a cell of the evidence matrix), with a caption
        self.note_ids = None if note_ids is None else frozenset(note_ids)
        self.caption = caption
        self.kind: str | None = None
        self.state: str | None = None
        #: every one of these tags, on the note or on one of its passages
        self.tags: tuple[str, ...] = tuple(tags)
        self.author: str | None = None
        self.query_text = ""

    def compose(self) -> ComposeResult:
        where = phase_text(self.inspection, self.fp.now().date())
        yield TitleBar(f"{self.inspection.name} · "
                       + (self.caption[:1].upper() + self.caption[1:] if self.caption
                          else (where if where != "–" else "Workspace")), "")
        with Horizontal(id="search-row"):
            yield Input(id="search", placeholder="/ search notes", compact=True)
            yield Label("", id="filter-line", markup=False)
        with Horizontal(id="ws-main"):
            yield OptionList(id="sidebar")
            with Vertical(id="ws-right"):
                yield NoteList(self.fp.now, id="notes")
                with VerticalScroll(id="preview"):
                    yield Static("", id="preview-text", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.refresh_notes(keep=self._keep)
        # Textual resumes a screen right after mounting it: the notes were just read
        self._resumed_once = False
        self.query_one(NoteList).focus()
        # the search index is built in the background once the list is on screen (a search
        # typed before it is done waits for it); locking cancels the build
        self.call_after_refresh(lambda: self.set_timer(SEARCH_BUILD_DELAY, self._prepare_search,
                                                       name="search build"))

    def _prepare_search(self) -> None:
        if self.fp.session is not None:
            self.fp.session.prepare_search()

    def bookmark(self) -> Bookmark | None:
        """The inspection and the highlighted note (a matrix cell's list is not kept)."""
        if self.note_ids is not None:
            return None
        ins_id = self.inspection.inspection_id
        note = self.query_one(NoteList).current
        keep = note.note_id if note is not None else None

        def reopen(session: Session) -> WorkspaceScreen | None:
            ins = session.inspections.get(ins_id)
            return WorkspaceScreen(ins, keep=keep) if ins is not None else None

        return Bookmark(reopen)

    def _read_key(self) -> tuple[int, int]:
        """What the screen read from: the session, and how many rows its connection had
        written (every save, pull and merge writes some)."""
        session = self.fp.session
        return id(session), session.db.conn.total_changes if session is not None else -1

    def on_screen_resume(self) -> None:
        if not self._resumed_once:
            self._resumed_once = True
            if self._read_as == self._read_key():
                return  # shown for the first time: on_mount has just listed, nothing since
        if self.fp.session is not None and self.is_mounted:
            self.refresh_notes()

    # -- data --------------------------------------------------------------------------------
    def _all(self) -> list[Note]:
        return self.session.list_notes(self.inspection, include_deleted=True)

    def refresh_notes(self, keep: str | None = None, *, recount: bool = True) -> None:
        """Re-read the notes (``recount``: also the sidebar's counts) and re-filter the list.
        Typing in the search box only re-filters: the counts do not depend on it."""
        notes_list = self.query_one(NoteList)
        if keep is None and notes_list.current is not None:
            keep = notes_list.current.note_id
        if recount or not hasattr(self, "_everything"):
            self._everything = self._all()
            self._live = [n for n in self._everything if n.state != DELETED]
            self._fill_sidebar(self._everything, self._live)
        shown = self._filtered(self._everything, self._live)
        notes_list.set_notes(shown, keep=keep)
        self._filter_line(len(shown), len(self._live))
        if recount:
            self.query_one(TitleBar).set(right=sync_status(self.fp))
            self._read_as = self._read_key()

    def _filtered(self, everything: list[Note], live: list[Note]) -> list[Note]:
        pool = everything if self.state == "deleted" else live
        if not self.query_text.strip() and self.note_ids is None and self._no_filter():
            return list(pool)  # the whole workspace, as opened: nothing to test per note
        if self.query_text.strip():
            # best match first; deleted notes are not in the search index
            pool = [n for n in self.session.search(self.query_text, self.inspection,
                                                   limit=SEARCH_LIMIT)
                    if seen_match(self.session, n, self.query_text)]
        out = []
        for n in pool:
            if self.note_ids is not None and n.note_id not in self.note_ids:
                continue
            if self.kind and n.kind != self.kind:
                continue
            if self.tags and not set(self.tags) <= set(_tags_of(n)):
                continue
            if self.author and n.author != self.author:
                continue
            if self.state == "conflicted" and n.state != CONFLICTED:
                continue
            if self.state == "unsynced" and n.pushed:
                continue
            if self.state == "deleted" and n.state != DELETED:
                continue
            out.append(n)
        return out

    def _fill_sidebar(self, everything: list[Note], live: list[Note]) -> None:
        sidebar = self.query_one("#sidebar", OptionList)
        highlighted = sidebar.highlighted
        kinds, tags, authors, states = _counts(everything, live)
        options: list[Option | None] = [Option(Text("Kinds", style="bold"), disabled=True,
                                               id="h:kinds")]
        options.append(Option(self._mark(_entry("All", len(live)), self._no_filter()),
                              id="all"))
        for kind in KINDS:
            options.append(Option(self._mark(_entry(SIDEBAR_KIND[kind], kinds.get(kind, 0)),
                                             self.kind == kind), id=f"kind:{kind}"))
        options.append(Option(Text("State", style="bold"), disabled=True, id="h:state"))
        for key, label in STATES:
            if key == "unsynced" and self.inspection.scope == "local":
                continue  # a local inspection never syncs
            options.append(Option(self._mark(_entry(label, states[key]), self.state == key),
                                  id=f"state:{key}"))
        if tags:
            options.append(Option(Text("Tags", style="bold"), disabled=True, id="h:tags"))
            for tag, count in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:30]:
                options.append(Option(self._mark(_entry(tag, count), tag in self.tags),
                                      id=f"tag:{tag}"))
        if len(authors) > 1:
            options.append(Option(Text("Authors", style="bold"), disabled=True, id="h:by"))
            for author, count in sorted(authors.items()):
                options.append(Option(self._mark(_entry(author or "?", count),
                                                 self.author == author), id=f"by:{author}"))
        sidebar.set_options(o for o in options if o is not None)
        if highlighted is not None and highlighted < sidebar.option_count:
            sidebar.highlighted = highlighted

    def _no_filter(self) -> bool:
        return not (self.kind or self.state or self.tags or self.author)

    @staticmethod
    def _mark(text: Text, on_: bool) -> Text:
        if on_:
            text.stylize("bold reverse")
        return text

    def _filter_line(self, shown: int, total: int) -> None:
        parts = [self._filter_words()] if self._filter_words() else []
        if self.query_text.strip():
            parts.append(f"“{self.query_text.strip()[:16]}”")
        what = " · ".join(parts) if parts else "all notes"
        more = "+" if self.query_text.strip() and shown >= SEARCH_LIMIT else ""
        self.query_one("#filter-line", Label).update(f"{what} · {shown}{more} of {total}")

    # -- events ------------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.refresh_notes(recount=False)

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(NoteList).focus()

    @on(OptionList.OptionSelected, "#sidebar")
    def _filter(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        what, _, value = key.partition(":")
        if what == "all":
            self.kind = self.state = self.author = None
            self.tags = ()
        elif what == "kind":
            self.kind = None if self.kind == value else value
        elif what == "state":
            self.state = None if self.state == value else value
        elif what == "tag":
            self.tags = tuple(t for t in self.tags if t != value) if value in self.tags \
                else (*self.tags, value)
        elif what == "by":
            self.author = None if self.author == value else value
        self.refresh_notes()

    @on(NoteList.Highlighted)
    def _highlighted(self, event: NoteList.Highlighted) -> None:
        preview = self.query_one("#preview-text", Static)
        if event.note is None:
            preview.update(Text(self.why_empty(), style="dim"))
        else:
            note = event.note
            try:  # the list holds no bodies: the highlighted note's is decrypted for its preview
                note = self.session.load_bodies([note])[0]
            except StoreError:
                pass  # its head no longer opens: the preview shows what the list holds
            # a concern on an inspection this device does not lead: the raiser's part only
            preview.update(preview_text(as_seen(self.session, note), self.fp.now(),
                                        show_unsynced=self.inspection.scope != "local",
                                        query=self.query_text))
        self.query_one("#preview", VerticalScroll).scroll_home(animate=False)

    def why_empty(self) -> str:
        """Why the list is empty: no notes yet, or which filter or search hides them."""
        live = getattr(self, "_live", [])
        searched = self.query_text.strip()
        hiding = self._filter_words()
        if not live and self.state != "deleted":
            return "No notes here yet: press n to write one."
        n = len(self._everything if self.state == "deleted" else live)
        what = f"all {n} note{'s' if n != 1 else ''}" if n > 1 else "the one note"
        if searched and not hiding:
            return (f"Nothing matches “{searched[:40]}” in {what}. Esc in the search box "
                    "clears it.")
        if hiding:
            also = f" with “{searched[:40]}”" if searched else ""
            return (f"No notes match: the filter {hiding}{also} hides {what}. f changes "
                    "the filters; All, at the top of them, clears them.")
        return "No notes to show."

    def _filter_words(self) -> str:
        """The filters in force, as words: "Reviews · S1 · by LR2"."""
        parts = [self.caption] if self.caption else []
        if self.note_ids is not None and not self.caption:
            parts.append("a cell of the matrix")
        if self.kind:
            parts.append(SIDEBAR_KIND[self.kind])
        if self.state:
            parts.append(self.state)
        parts.extend(self.tags)
        if self.author:
            parts.append(f"by {self.author}")
        return " · ".join(parts)

    @on(NoteList.Selected)
    def _selected(self, event: NoteList.Selected) -> None:
        self.open_note(event.note)

    # -- actions -----------------------------------------------------------------------------
    def _current(self) -> Note | None:
        return self.query_one(NoteList).current

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_filters(self) -> None:
        self.query_one("#sidebar", OptionList).focus()

    def action_matrix(self) -> None:
        from .matrix import MatrixScreen

        self.app.push_screen(MatrixScreen(self.inspection))

    def action_export(self) -> None:
        from .export import ExportModal

        self.app.push_screen(ExportModal(self.inspection))

    def action_team(self) -> None:
        from .team import TeamScreen

        self.app.push_screen(TeamScreen(self.inspection))

    def action_reviews(self) -> None:
        from .reviews import ReviewsScreen

        self.app.push_screen(ReviewsScreen(self.inspection))

    def action_notes(self) -> None:
        self.query_one(NoteList).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
            self.query_one(NoteList).focus()
            return
        if self.focused is not self.query_one(NoteList):
            self.query_one(NoteList).focus()
            return
        self.app.pop_screen()

    def open_note(self, note: Note) -> None:
        from .conflict import ConflictScreen
        from .editor import EditorScreen

        if note.state == DELETED:
            self.action_history()
            return
        if note.state == CONFLICTED:
            self.app.push_screen(ConflictScreen(note.note_id))
            return
        self.app.push_screen(EditorScreen(self.inspection, note.kind, note.note_id))

    def action_edit(self) -> None:
        note = self._current()
        if note is not None:
            self.open_note(note)

    def action_new_note(self) -> None:
        from .editor import EditorScreen, KindModal

        def chosen(kind: str | None) -> None:
            if kind:
                self.app.push_screen(EditorScreen(self.inspection, kind))

        self.app.push_screen(KindModal(), chosen)

    def new_note(self, kind: str, fields: dict | None = None) -> None:
        from .editor import EditorScreen

        self.app.push_screen(EditorScreen(self.inspection, kind, initial_fields=fields))

    def action_raise_concern(self) -> None:
        from .editor import EditorScreen

        note = self._current()
        fields = {"linked_note": note.note_id} if note is not None and note.kind != "concern" \
            else {}
        self.app.push_screen(EditorScreen(self.inspection, "concern", initial_fields=fields))

    def action_tag(self) -> None:
        from store import ValidationFailed

        from .editor import TagModal

        note = self._current()
        if note is None or note.state == DELETED:
            return

        def tagged(tags: list[str] | None) -> None:
            if tags is None:
                return
            try:
                self.session.save(note.note_id, autosave=False, tags=tags)
            except ValidationFailed as exc:
                # an incomplete draft cannot become a revision: keep the tags on the draft
                self.session.save(note.note_id, autosave=True, tags=tags)
                self.notify("Tags kept on the draft; " + exc.issues[0].message,
                            severity="warning")
            self.refresh_notes(keep=note.note_id)

        self.app.push_screen(TagModal(f"Tags for “{note.title[:40]}”", note.tags), tagged)

    def action_history(self) -> None:
        from .history import HistoryScreen

        note = self._current()
        if note is not None:
            self.app.push_screen(HistoryScreen(note.note_id))

    def action_delete(self) -> None:
        from .confirm import ConfirmModal

        note = self._current()
        if note is None or note.state == DELETED:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.session.delete(note.note_id)
                self.refresh_notes()
                self.notify("Deleted. It stays in the note's history (h) and can be restored.")

        self.app.push_screen(ConfirmModal(
            f"Delete “{note.title[:50]}”?",
            "It disappears from the lists; its history keeps every revision."), confirmed)
