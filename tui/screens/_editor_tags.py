"""The editor's evidence tags: the note's own (ctrl+g) and its tagged passages (ctrl+t), shown
under the form, and passages that follow their text as it is edited around them.

A mixin of :class:`tui.screens.editor.EditorScreen`, which holds ``tags`` and ``passages`` and
calls ``_changed`` when they change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Label, TextArea

from store import PassageTag

from .._notes import passages_at, relocate_passages
from ..widgets.fields import LongText, field_id
from .tags import TagModal

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen
else:
    _Base = object

_wid = field_id


class EditorTags(_Base):
    tags: tuple[str, ...]
    passages: tuple[PassageTag, ...]
    _body_before: str

    def _changed(self, event: Any) -> None:
        raise NotImplementedError

    def _body_changed(self, body: str) -> None:
        if self.passages and body != self._body_before:
            kept, lost = relocate_passages(self._body_before, body, self.passages)
            self.passages = tuple(kept)
            self._show_tags()
            if lost:
                self.notify("Passage tag " + ", ".join(p.tag for p in lost)
                            + " removed: its text was changed.", severity="warning")
        self._body_before = body

    # -- tags --------------------------------------------------------------------------------
    def _show_tags(self) -> None:
        self.query_one("#tags-line", Label).update(
            " · ".join(self.tags) + "   (ctrl+g to change)" if self.tags
            else "none yet (ctrl+g; ctrl+t tags selected text)")
        body = self.query_one(f"#{_wid('body')}", TextArea).text
        line = self.query_one("#passages-line", Label)
        if self.passages:
            parts = []
            for p in sorted(self.passages, key=lambda p: (p.start, p.tag)):
                piece = " ".join(body[p.start:p.end].split())
                piece = piece if len(piece) <= 24 else piece[:23] + "…"
                parts.append(f"{p.tag} “{piece}”")
            line.update("Passages: " + " · ".join(parts))
        line.display = bool(self.passages)

    def action_tags(self) -> None:
        def chosen(tags: list[str] | None) -> None:
            if tags is not None and tuple(tags) != self.tags:
                self.tags = tuple(tags)
                self._show_tags()
                self._changed(None)

        self.app.push_screen(TagModal("Tags for this note", self.tags), chosen)

    def action_tag_passage(self) -> None:
        area = self.query_one(f"#{_wid('body')}", LongText)
        text = area.text
        start, end = area.selected_span()
        around = passages_at(self.passages, start, end)
        if start == end:
            if not around:
                self.notify("Select a passage of the text first (shift+arrows), then ctrl+t.",
                            severity="warning")
                area.focus()
                return
            start, end = around[0].start, around[0].end
            around = passages_at(self.passages, start, end)
        piece = " ".join(text[start:end].split())
        title = f"Tags for “{piece[:40] + ('…' if len(piece) > 40 else '')}”"

        def chosen(tags: list[str] | None) -> None:
            if tags is None:
                return
            others = [p for p in self.passages if (p.start, p.end) != (start, end)]
            self.passages = tuple(others + [PassageTag(start, end, t) for t in tags])
            self._show_tags()
            self._changed(None)

        self.app.push_screen(TagModal(title, tuple(p.tag for p in around)), chosen)
