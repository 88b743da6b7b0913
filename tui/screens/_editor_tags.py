"""The editor's evidence tags: the note's own (ctrl+g) and its tagged passages (ctrl+t), shown
under the form, and passages that follow their text as it is edited around them.

A passage can be tagged in any long text field (the notes, key quotes, views, themes, a grade's
rationale): ctrl+t tags the selection of the long text that has the focus, and the tag names
that field (an empty ``field`` is the note's own text, as in older versions).

A mixin of :class:`tui.screens.editor.EditorScreen`, which holds ``tags`` and ``passages`` and
calls ``_changed`` when they change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Label

from store import PassageTag
from store.inspection import Template, relocate_passages

from .._notes import passages_at
from ..widgets.fields import LongText, field_id
from .tags import TagModal

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen
else:
    _Base = object

_wid = field_id
BODY = "body"  # the widget name of the note's own text; its passages have field ""


def passage_field(widget: object) -> str | None:
    """The ``PassageTag.field`` of a long text widget ("" for the note's own text), or None
    for any other widget."""
    if not isinstance(widget, LongText) or not (widget.id or "").startswith(_wid("")):
        return None
    name = (widget.id or "")[len(_wid("")):]
    return "" if name == BODY else name


def _update(label: Label, text: str) -> None:
    """``label.update(text)`` unless it shows ``text`` already: Textual lays out the whole
    screen for any update, and a passage moved by each key typed before it shows the same words
    (``_text_changed`` runs on every key)."""
    if label.content != text:
        label.update(text)


class EditorTags(_Base):
    tags: tuple[str, ...]
    passages: tuple[PassageTag, ...]
    template: Template
    # each long text as the passages last saw it, by passage field ("" the body)
    _texts_before: dict[str, str]

    def _changed(self, event: Any) -> None:
        raise NotImplementedError

    def _area(self, field: str) -> LongText:
        return self.query_one(f"#{_wid(field or BODY)}", LongText)

    def _remember_texts(self) -> None:
        """After the form was filled: every long text as the passages now point into it."""
        self._texts_before = {}
        for area in self.query(LongText):
            name = passage_field(area)
            if name is not None:
                self._texts_before[name] = area.text

    def _text_changed(self, area: LongText) -> None:
        """A long text changed: move its passages along with their words."""
        name = passage_field(area)
        if name is None:
            return
        text, before = area.text, self._texts_before.get(name, "")
        mine = [p for p in self.passages if p.field == name]
        if mine and text != before:
            kept, lost = relocate_passages(before, text, mine)
            self.passages = tuple(p for p in self.passages if p.field != name) + tuple(kept)
            self._show_tags()
            if lost:
                self.notify("Passage tag " + ", ".join(p.tag for p in lost)
                            + " removed: its text was changed.", severity="warning")
        self._texts_before[name] = text

    def _field_label(self, field: str) -> str:
        spec = self.template.get(field) if field else None
        return spec.label if spec is not None else (field or self.template.body_label)

    # -- tags --------------------------------------------------------------------------------
    def _show_tags(self) -> None:
        _update(self.query_one("#tags-line", Label),
                " · ".join(self.tags) + "   (ctrl+g to change)" if self.tags
                else "none yet (ctrl+g; ctrl+t tags selected text)")
        line = self.query_one("#passages-line", Label)
        if self.passages:
            texts: dict[str, str] = {}
            parts = []
            for p in sorted(self.passages, key=lambda p: (p.field, p.start, p.tag)):
                if p.field not in texts:
                    found = self.query(f"#{_wid(p.field or BODY)}")
                    texts[p.field] = found.first(LongText).text if found else ""
                piece = " ".join(texts[p.field][p.start:p.end].split())
                piece = piece if len(piece) <= 24 else piece[:23] + "…"
                where = f"{self._field_label(p.field)}: " if p.field else ""
                parts.append(f"{p.tag} {where}“{piece}”")
            _update(line, "Passages: " + " · ".join(parts))
        line.display = bool(self.passages)

    def action_tags(self) -> None:
        def chosen(tags: list[str] | None) -> None:
            if tags is not None and tuple(tags) != self.tags:
                self.tags = tuple(tags)
                self._show_tags()
                self._changed(None)

        self.app.push_screen(TagModal("Tags for this note", self.tags), chosen)

    def action_tag_passage(self) -> None:
        focused = self.focused
        name = passage_field(focused)
        area = focused if isinstance(focused, LongText) and name is not None else None
        if area is None or name is None:  # not in a long text: the note's own text
            name, area = "", self._area("")
        text = area.text
        start, end = area.selected_span()
        mine = [p for p in self.passages if p.field == name]
        around = passages_at(mine, start, end)
        if start == end:
            if not around:
                self.notify("Select a passage of a long text first (shift+arrows), then "
                            "ctrl+t.", severity="warning")
                area.focus()
                return
            start, end = around[0].start, around[0].end
            around = passages_at(mine, start, end)
        piece = " ".join(text[start:end].split())
        title = f"Tags for “{piece[:40] + ('…' if len(piece) > 40 else '')}”"
        field = name

        def chosen(tags: list[str] | None) -> None:
            if tags is None:
                return
            others = [p for p in self.passages if (p.field, p.start, p.end) != (field, start, end)]
            self.passages = tuple(others + [PassageTag(start, end, t, field) for t in tags])
            self._show_tags()
            self._changed(None)

        self.app.push_screen(TagModal(title, tuple(p.tag for p in around)), chosen)
