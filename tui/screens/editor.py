"""Editors for every record kind, built from the templates, with autosave and evidence tags.

The form is made from the note's template, one widget per field from the field registry
(``tui/widgets/fields.py``). About a second after the last change (on the app's clock) the note
is autosaved as a draft (the store replaces the unpushed draft in place); Ctrl+S validates and
saves a revision, and any problem is shown under its field. A concern form wears the theme's
error colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, TextArea

from store import Inspection, Note, PassageTag, Session, ValidationFailed
from store.inspection import (
    ITEM_SHORT_LABELS,
    FieldSpec,
    Template,
    template_for,
    validate_note,
)

from .._notes import clock, create_draft
from ..widgets.checklist import ChecklistField
from ..widgets.choice import ChoiceField
from ..widgets.fields import FieldContext, LongText, field_id, field_type
from ..widgets.grade_grid import GradeGrid, GradeRow, GridItem, group_grades
from ..widgets.key_footer import KeyFooter
from ..widgets.note_pick import NotePickField
from ..widgets.title_bar import TitleBar
from ._base import BaseScreen
from ._editor_concern import EditorConcern
from ._editor_tags import EditorTags
from .bookmark import Bookmark, cursor_of
from .new_note import KindModal as KindModal  # where they used to live
from .tags import TagModal as TagModal


class Form(VerticalScroll, can_focus=False):
    """The scrolling form; its fields take the focus, not the form itself."""

AUTOSAVE_DELAY = 1.0
STATUS_WIDTH = len("new · not saved yet")  # the editor's statuses, right-aligned to one width


@dataclass(frozen=True)
class Content:
    """What the form holds, comparable with what was last saved."""

    title: str
    body: str
    fields: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    passages: tuple[PassageTag, ...] = ()

    def blank(self) -> bool:
        return not (self.title.strip() or self.body.strip() or self.tags or self.passages
                    or any(v not in (None, "", [], False) for v in self.fields.values()))


_wid = field_id


def _words(exc: BaseException) -> str:
    """An error for the user: the store's own message, or what kind of failure it was."""
    from store import FieldpadError

    if isinstance(exc, FieldpadError):
        return str(exc)
    if "full" in str(exc).lower():
        return "the disk is full"
    return type(exc).__name__


class EditorScreen(EditorConcern, EditorTags, BaseScreen):
    NAME = "Editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save revision", priority=True, id="editor.save"),
        Binding("ctrl+g", "tags", "Tags", priority=True, id="editor.tags"),
        Binding("ctrl+t", "tag_passage", "Tag passage", priority=True, id="editor.tag_passage"),
        Binding("ctrl+o", "history", "History", priority=True, id="editor.history"),
        Binding("ctrl+n", "warnings", "Warnings", tooltip="Every minimisation warning",
                priority=True, id="editor.warnings"),
        Binding("ctrl+r", "raise_concern", "Concern", tooltip="Raise a concern about this note",
                priority=True, id="editor.concern"),
        Binding("escape", "back", "Back", id="editor.back"),
        # reached only from a box or a checklist: inputs, choices and text take enter first
        Binding("enter", "app.focus_next", "Next field", show=False, id="editor.next"),
    ]

    def __init__(self, inspection: Inspection, kind: str, note_id: str | None = None, *,
                 initial_fields: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.inspection = inspection
        self.kind = kind
        self.note_id = note_id
        self._initial_fields = dict(initial_fields or {})
        self.template: Template = template_for(kind)
        self.tags: tuple[str, ...] = ()
        self.passages: tuple[PassageTag, ...] = ()
        self._saved: Content | None = None
        self._texts_before: dict[str, str] = {}
        self._due: float | None = None
        self._loaded_rev = ""
        self.status = "new"
        self.issues: dict[str, str] = {}
        self.warnings: list[str] = []  # minimisation warnings of the note as last saved
        self._validate_live = False
        if kind == "concern":
            self.add_class("concern")

    # -- building the form -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TitleBar(self._heading(""), "")
        with Form(id="form") as form:
            form.border_title = self.template.label
            yield from self._row("title", "Title", Input(id=_wid("title"), compact=True,
                                                         max_length=200,
                                                         placeholder="a short title"))
            if self.kind == "concern":  # each recorded step: its time, who signed it and when
                steps = Label("", id="form-steps", classes="hint", markup=False)
                steps.display = False  # until a saved form has steps to show
                yield steps
            for part in group_grades(self._form_specs(), ITEM_SHORT_LABELS):
                if isinstance(part, FieldSpec):
                    yield from self._field(part)
                else:
                    yield from self._grid(part)
            yield Label(self.template.body_label, classes="long-label")
            yield LongText(id=_wid("body"), classes="body")
            with Horizontal(classes="form-row", id="row-tags"):
                yield Label("Tags", classes="form-label")
                yield Label("", id="tags-line", markup=False)
            yield Label("", id="passages-line", markup=False)
        yield Label("", id="minimise-line", markup=False)
        yield KeyFooter(compact=True)

    def _row(self, name: str, label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="form-row", id=f"row-{name}"):
            yield Label(label, classes="form-label", markup=False)
            yield widget

    def _field(self, spec: FieldSpec) -> ComposeResult:
        kind = field_type(spec)
        label = spec.label + (" *" if spec.required else "")
        widget = kind.build(spec, _wid(spec.name))
        if kind.long:  # the label above: the row shows the focus (:focus-within) all the same
            with Vertical(classes="form-long", id=f"row-{spec.name}"):
                yield Label(label, classes="long-label", markup=False)
                yield widget
        else:
            yield from self._row(spec.name, label, widget)

    def _grid(self, items: tuple[GridItem, ...]) -> ComposeResult:
        grades = {self.template.spec(item.grade).type for item in items}
        assert grades == {"grade"}
        yield GradeGrid(items, self.template.spec(items[0].grade).choices,
                        id=f"grid-{items[0].grade}")

    def _heading(self, title: str) -> str:
        what = title.strip() or "new"
        return f"{self.template.label} · {what[:40]} · template v{self.template.version}"

    def on_mount(self) -> None:
        self._w = {w.id: w for w in self.query("*") if w.id and w.id.startswith("f-")}
        note = self._note()
        if note is not None:
            self.template = template_for(note.kind, note.template)
            self._populate(note)
        else:
            self._populate_new()
        self.query_one(f"#{_wid('title')}", Input).focus()

    def _note(self) -> Note | None:
        return self.session.get(self.note_id) if self.note_id else None

    def _populate_new(self) -> None:
        fields = dict(self._initial_fields)
        if self.kind == "concern":
            fields.setdefault("raised_at", self.fp.now().strftime("%Y-%m-%dT%H:%M"))
            fields.setdefault("raised_by", self.session.author)
        self._set_values("", "", fields)
        self.tags, self.passages = (), ()
        self._saved = Content("", "", {}, (), ())
        self._show_tags()
        self._set_status("new · not saved yet")

    def _populate(self, note: Note) -> None:
        self.tags, self.passages = tuple(note.tags), tuple(note.passages)
        self._set_values(note.title, note.body, note.fields)
        self._saved = self._collect()
        self._loaded_rev = note.rev
        self._show_tags()
        self._set_status(self._saved_text(note))
        self._check_minimisation(note)
        self.query_one(TitleBar).set(left=self._heading(note.title))
        self._show_steps(note)

    def _set_values(self, title: str, body: str, fields: dict[str, Any]) -> None:
        self._extra_fields = {k: v for k, v in fields.items() if self.template.get(k) is None}
        self._get(f"#{_wid('title')}").value = title
        self._get(f"#{_wid('body')}").load_text(body)
        context = FieldContext(open_sealed=self._open_sealed, notes=self._note_choices)
        for spec in self._form_specs():
            field_type(spec).write(self._get(_wid(spec.name)), fields.get(spec.name), context)
        self._remember_texts()

    def _open_sealed(self, name: str, blob: str) -> str | None:
        return self.session.open_sealed(self.note_id or "", name, blob)

    def _remember_saved(self, note: Note, content: Content) -> Content:
        """After a save: tell the fields what the store made of their values (a sealed field's
        blob); the form as it now compares to the store."""
        for spec in self._form_specs():
            after_save = field_type(spec).after_save
            if after_save is not None:
                after_save(self._get(_wid(spec.name)), note.fields.get(spec.name),
                           content.fields.get(spec.name))
        return self._collect()

    # -- reading the form --------------------------------------------------------------------
    def _get(self, wid: str) -> Any:
        return self._w[wid.lstrip("#")]

    def _collect(self) -> Content:
        fields: dict[str, Any] = dict(getattr(self, "_extra_fields", {}))
        for spec in self._form_specs():
            value = field_type(spec).read(self._get(_wid(spec.name)))
            if value is not None:
                fields[spec.name] = value
        title = self._get(f"#{_wid('title')}").value
        body = self._get(f"#{_wid('body')}").text
        return Content(title, body, fields, self.tags, self.passages)

    @property
    def dirty(self) -> bool:
        return self._saved is None or self._collect() != self._saved

    # -- change tracking and autosave ----------------------------------------------------------
    @on(Input.Changed)
    @on(ChoiceField.Changed)
    @on(ChecklistField.Changed)
    @on(GradeRow.Changed)
    @on(NotePickField.Changed)
    @on(Checkbox.Changed)
    @on(TextArea.Changed)
    def _changed(self, event: Any) -> None:
        if isinstance(event, TextArea.Changed) and isinstance(event.text_area, LongText):
            self._text_changed(event.text_area)
        if self._saved is None:
            return
        # cheap on every key: compare the whole form only until it is known to differ
        self._due = self.fp.monotonic() + self.fp.autosave_delay
        if not self.status.startswith("●") and self.dirty:
            self._set_status("● unsaved")

    def clock_tick(self) -> None:
        """The app's clock ticked (``FieldpadApp.tick``): autosave once the form is quiet."""
        if self._due is not None and self.fp.monotonic() >= self._due:
            self._due = None
            try:
                self.flush_autosave()
            except Exception as exc:  # noqa: BLE001 - said in words; tried again shortly
                self._due = self.fp.monotonic() + 5 * self.fp.autosave_delay
                self._set_status("● not saved")
                self.notify(f"Could not autosave: {_words(exc)}. Your text is still here; "
                            "fieldpad tries again in a few seconds.", severity="error",
                            timeout=8)

    def flush_autosave(self) -> Note | None:
        """Autosave now if anything changed (also called before lock, sync and leaving)."""
        self._due = None
        if self.fp.session is None or self._saved is None:
            return None
        content = self._collect()
        if content == self._saved:
            return None
        if self.note_id is None:
            if content.blank():
                return None
            note = create_draft(self.session, self.inspection, self.kind, content.title,
                                content.body, self._with_left_out(content.fields),
                                content.tags, content.passages)
            self.note_id = note.note_id
        else:
            note = self.session.save(self.note_id, autosave=True, title=content.title,
                                     body=content.body,
                                     fields=self._with_left_out(content.fields),
                                     tags=content.tags, passages=content.passages)
        self._saved = self._remember_saved(note, content)
        self._loaded_rev = note.rev
        self._after_save(note, content, revision=False)
        return note

    def _after_save(self, note: Note, content: Content, *, revision: bool) -> None:
        self.query_one(TitleBar).set(left=self._heading(content.title))
        self._set_status(self._saved_text(note, revision=revision))
        self._check_minimisation(note)
        if self._validate_live:
            self._show_issues(validate_note(note.kind, note.template, content.title,
                                            content.body, content.fields, content.tags,
                                            content.passages))

    def _saved_text(self, note: Note, *, revision: bool | None = None) -> str:
        at = clock(note.updated.astimezone(self.fp.now().tzinfo))
        if revision is None:
            return f"saved {at}"
        return f"saved {at}" + ("" if revision else " · draft")

    def _set_status(self, text: str) -> None:
        if text == self.status:
            return
        self.status = text
        bar = self.query_one(TitleBar)
        # all as wide as the widest ("saved 10:00 · draft"): a new status keeps the bar's layout
        bar.set(right=text.rjust(STATUS_WIDTH))
        bar.set_class(text.startswith("●"), "unsaved")

    def _check_minimisation(self, note: Note) -> None:
        had = bool(self.warnings)
        self.warnings = [w.message for w in self.session.minimisation_warnings(note)]
        line = self.query_one("#minimise-line", Label)
        if self.warnings:
            n = len(self.warnings)
            more = f" (+{n - 1} more: ctrl+n)" if n > 1 else ""
            line.update("⚠ " + self.warnings[0] + more)
        line.display = bool(self.warnings)
        if bool(self.warnings) != had:  # the footer's keys are laid out again: only if they change
            self.refresh_bindings()

    @on(events.Click, "#minimise-line")
    def action_warnings(self) -> None:
        """Every minimisation warning of this note, in a dialog."""
        from .warnings_modal import WarningsModal

        if self.warnings:
            self.app.push_screen(WarningsModal(self.warnings))

    # -- saving a revision -------------------------------------------------------------------
    def action_save(self) -> None:
        content = self._collect()
        try:
            if self.note_id is None:
                note = self.session.create(self.inspection, self.kind, content.title,
                                           content.body, self._with_left_out(content.fields),
                                           content.tags, content.passages)
                self.note_id = note.note_id
            else:
                note = self.session.save(self.note_id, autosave=False, title=content.title,
                                         body=content.body,
                                         fields=self._with_left_out(content.fields),
                                         tags=content.tags, passages=content.passages)
        except ValidationFailed as exc:
            self._validate_live = True
            self._show_issues(exc.issues)
            self.flush_autosave()  # keep what was typed as a draft
            n = len(exc.issues)
            self.notify(f"Not saved as a revision: {n} problem{'s' if n != 1 else ''} to fix "
                        "(your text is kept as a draft).", severity="warning")
            return
        self._saved = self._remember_saved(note, content)
        self._loaded_rev = note.rev
        self._due = None
        self._show_issues([])
        self._after_save(note, content, revision=True)
        self._show_steps(note)
        self.notify("Saved as a revision.")

    def _show_issues(self, issues: list) -> None:
        messages: dict[str, list[str]] = {}
        for issue in issues:
            messages.setdefault(issue.field, []).append(issue.message)
        names = ["title", *(s.name for s in self._form_specs()), "body", "tags"]
        leftover = [m for name, ms in messages.items() if name not in names for m in ms]
        if leftover:  # anything without a field of its own goes under the title
            messages.setdefault("title", []).extend(leftover)
        first: str | None = None
        for name in names:
            text = "; ".join(messages.get(name, []))
            self._error_label(name, text)
            if text and first is None:
                first = name
        self.issues = {i.field: i.message for i in issues}
        if first is not None and self._validate_live and issues and not self._focus_in_error():
            self._focus_field(first)

    def _error_label(self, name: str, text: str) -> None:
        """Show ``text`` under field ``name``; the label is made the first time it is needed."""
        found = self.query(f"#err-{name}")
        if found:
            label = found.first(Label)
            label.update(text)
            label.display = bool(text)
            return
        if not text:
            return
        label = Label(text, id=f"err-{name}", classes="field-error", markup=False)
        rows = self.query(f"#row-{name}")
        anchor = rows.first() if rows else self._w.get(_wid(name))
        if anchor is not None and anchor.parent is not None:
            anchor.parent.mount(label, after=anchor)

    def _focus_in_error(self) -> bool:
        focused = self.focused
        return focused is not None and any(
            (focused.id or "").startswith(_wid(name)) for name in self.issues)

    def _focus_field(self, name: str) -> None:
        target = self.query(f"#{_wid(name)}")
        if not target:
            return
        widget = target.first()
        grid = next((a for a in widget.ancestors if isinstance(a, GradeGrid)), None)
        if grid is not None:
            grid.focus_field(widget)
            return
        widget.focus()

    # -- leaving -----------------------------------------------------------------------------
    def action_raise_concern(self) -> None:
        """A concern form linked to this note (saved first, so that it has an id)."""
        if self.kind == "concern":
            self.notify("This is a concern form already.")
            return
        self.flush_autosave()
        if self.note_id is None:
            self.notify("Write something first: a concern is linked to a saved note.")
            return
        self.app.push_screen(EditorScreen(self.inspection, "concern",
                                          initial_fields={"linked_note": self.note_id}))

    def action_history(self) -> None:
        from .history import HistoryScreen

        self.flush_autosave()
        if self.note_id is None:
            self.notify("Nothing saved yet, so there is no history.")
            return
        self.app.push_screen(HistoryScreen(self.note_id))

    def bookmark(self) -> Bookmark | None:
        """The note, the focused field and its cursor: to come back here after unlocking."""
        if self.note_id is None:
            return None  # nothing saved, nothing to come back to
        ins_id, kind, note_id = self.inspection.inspection_id, self.kind, self.note_id

        def reopen(session: Session) -> EditorScreen | None:
            ins = session.inspections.get(ins_id)
            if ins is None or session.notes.get(note_id) is None:
                return None
            return EditorScreen(ins, kind, note_id)

        focused = self.focused
        return Bookmark(reopen, focused.id if focused is not None else None,
                        cursor_of(focused))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A concern form raises no concern of its own, and the warnings key is offered only
        when there are warnings."""
        if action == "warnings":
            return bool(self.warnings)
        return not (action == "raise_concern" and self.kind == "concern")

    def on_screen_suspend(self) -> None:
        """Another screen on top (a dialog, help, history): save what is here first."""
        if self.fp.session is None or not self.is_mounted:
            return
        try:
            self.flush_autosave()
        except Exception as exc:  # noqa: BLE001 - said in words; tried again on the clock
            self._due = self.fp.monotonic()
            self._set_status("● not saved")
            self.notify(f"Could not autosave: {_words(exc)}. Your text is still here.",
                        severity="error", timeout=8)

    def on_screen_resume(self) -> None:
        if self.fp.session is None or self.note_id is None or not self.is_mounted:
            return
        note = self._note()
        if note is not None and note.rev != self._loaded_rev and not self.dirty:
            self._populate(note)  # restored from history, or changed by a sync

    def action_back(self) -> None:
        try:
            self.flush_autosave()
        except Exception as exc:  # noqa: BLE001 - stay, with the text, and say why
            self._set_status("● not saved")
            self.notify(f"Could not save: {_words(exc)}. Stay here and try again (ctrl+s).",
                        severity="error", timeout=8)
            return
        self.app.pop_screen()
