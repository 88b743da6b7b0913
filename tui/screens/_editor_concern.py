"""The editor's concern form by role, and its link to a note.

A concern form is the raiser's part (who, when, the nature and immediacy, the linked note, the
sealed child identifier) and the lead's (decision, referral, closed: ``LEAD_FIELDS``). A device
that does not lead the inspection (``may_decide``) gets a form without the lead's part: those
fields are not built at all, and every save takes their values from the note as the store has
it at that moment, so a member's save never wipes a decision, not even one that arrived by a
sync after the form was opened.

A mixin of :class:`tui.screens.editor.EditorScreen`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Label

from store import Inspection, Note, Session
from store.inspection import KIND_LABELS, LEAD_FIELDS, FieldSpec, Template, may_decide

from ..widgets.note_pick import NoteChoice

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen
else:
    _Base = object


class EditorConcern(_Base):
    kind: str
    inspection: Inspection
    template: Template
    note_id: str | None
    _initial_fields: dict[str, Any]
    _lead_part: frozenset[str] | None = None  # the lead's fields, when this form leaves them out

    if TYPE_CHECKING:
        @property
        def session(self) -> Session: ...

        @property
        def fp(self) -> Any: ...

    def _note(self) -> Note | None:
        raise NotImplementedError

    def _left_out(self) -> frozenset[str]:
        """The fields this form does not show: the lead's part of a concern, for a member."""
        if self._lead_part is None:
            self._lead_part = frozenset(LEAD_FIELDS) if self.kind == "concern" and \
                not may_decide(self.session, self.inspection) else frozenset()
        return self._lead_part

    def _form_specs(self) -> tuple[FieldSpec, ...]:
        """The template's fields this form shows, in the template's order."""
        left_out = self._left_out()
        return tuple(s for s in self.template.fields if s.name not in left_out)

    def _with_left_out(self, fields: dict[str, Any]) -> dict[str, Any]:
        """``fields`` as the form has them, plus the values of the fields it leaves out as the
        store has them now (for a new form: as it was opened with)."""
        left_out = self._left_out()
        if not left_out:
            return fields
        note = self._note() if self.note_id else None
        source = note.fields if note is not None else self._initial_fields
        kept = {k: v for k, v in source.items() if k in left_out}
        return {**{k: v for k, v in fields.items() if k not in left_out}, **kept}

    def _note_choices(self) -> list[NoteChoice]:
        """The inspection's notes a concern can be linked to (newest first): not this one,
        not another concern."""
        notes = self.session.list_notes(self.inspection)
        notes.sort(key=lambda n: n.hlc, reverse=True)
        return [NoteChoice(n.note_id, n.title, KIND_LABELS.get(n.kind, n.kind),
                           n.first_author or n.author)
                for n in notes if n.note_id != self.note_id and n.kind != "concern"]

    def _show_steps(self, note: Note) -> None:
        """Each recorded step of a concern: who signed it and when (a member: only the
        raising, the rest is the lead's part)."""
        if note.kind != "concern" or not self.query("#form-steps"):
            return
        from rich.text import Text

        from store.inspection import concern_steps

        from .concern_step import step_line

        steps = concern_steps(note, self.session.history(note.note_id))
        if self._left_out():
            steps = [s for s in steps if s.step == "raised"]
        tz, own = self.fp.now().tzinfo, self.session.device_id
        label = self.query_one("#form-steps", Label)
        label.update(Text("\n").join(step_line(s, tz, 74, own) for s in steps))
        label.display = bool(steps)
