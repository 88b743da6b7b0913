"""Form fields by type: the one place that knows how each template field type is edited.

``FIELD_TYPES`` holds one entry per field type of ``store`` templates: how to *build* its
widget, how to *write* a stored value into it and how to *read* the value back. The editor
walks a template's fields through this table and has no per-type branches of its own.

Every widget made here has the id ``f-<field name>``.
A long text field is a :class:`LongText`: ``long_text`` is true and ``selected_span()`` gives
the selection as ``str`` offsets, so a screen can tag a passage in any long text field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from textual.widget import Widget
from textual.widgets import Input, TextArea

from store import FieldSpec

from .._notes import offset_of
from .checklist import ChecklistField
from .choice import ChoiceField
from .note_pick import NoteChoice, NotePickField
from .pick import PickField
from .tickbox import TickBox

FieldValue = str | int | bool | list[str] | None


def field_id(name: str) -> str:
    """The widget id of the field called ``name``."""
    return f"f-{name}"


@dataclass(frozen=True)
class FieldContext:
    """What writing a value may need besides the widget: opening a sealed value
    (``open_sealed(name, blob)`` gives the plaintext, or None when this device cannot), and the
    notes a link to a note may name (``notes()``)."""

    open_sealed: Callable[[str, str], str | None] = lambda name, blob: None
    notes: Callable[[], Sequence[NoteChoice]] = lambda: ()


class LongText(TextArea):
    """A long text field (a template's ``longtext``, or the note's own text)."""

    long_text: ClassVar[bool] = True

    def __init__(self, *, id: str, classes: str = "longtext") -> None:
        super().__init__(id=id, classes=classes, compact=True, tab_behavior="focus",
                         soft_wrap=True, highlight_cursor_line=False)

    def selected_span(self) -> tuple[int, int]:
        """The selection as ``(start, end)`` offsets into ``self.text`` (equal: no selection)."""
        text = self.text
        start, end = sorted((self.selection.start, self.selection.end))
        return offset_of(text, *start), offset_of(text, *end)


# -- the entries -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldType:
    """How fields of one type are edited. ``long``: the label goes above a full-width widget;
    ``after_save(widget, stored, sent)`` tells the widget what the store made of its value."""

    build: Callable[[FieldSpec, str], Widget]
    write: Callable[[Any, FieldValue, FieldContext], None]
    read: Callable[[Any], FieldValue]
    long: bool = False
    after_save: Callable[[Any, FieldValue, FieldValue], None] | None = None


def _text_input(spec: FieldSpec, wid: str) -> Widget:
    placeholder = ("YYYY-MM-DDTHH:MM, e.g. 2026-03-14T09:30" if spec.type == "datetime"
                   else spec.help or "")
    return Input(id=wid, compact=True, max_length=spec.max_length or 0, placeholder=placeholder)


def _write_text(widget: Input, value: FieldValue, ctx: FieldContext) -> None:
    widget.value = "" if value is None else str(value)


def _read_text(widget: Input) -> FieldValue:
    return widget.value.strip() or None


def _int_input(spec: FieldSpec, wid: str) -> Widget:
    return Input(id=wid, compact=True, type="integer", placeholder=spec.help or "a number")


def _read_int(widget: Input) -> FieldValue:
    raw = widget.value.strip()
    try:
        return int(raw) if raw else None
    except ValueError:  # "-" alone, say: not a number yet
        return None


def _choice(spec: FieldSpec, wid: str) -> Widget:
    return ChoiceField(spec.choices, id=wid, label=spec.label,
                       prompt="not graded" if spec.type == "grade" else "choose")


def _write_pick(widget: PickField, value: FieldValue, ctx: FieldContext) -> None:
    # the field itself refuses what it cannot hold (a choice it lacks, a blank note id): None
    widget.value = value if isinstance(value, str) else None


def _read_pick(widget: PickField) -> FieldValue:
    return widget.value


def _bool(spec: FieldSpec, wid: str) -> Widget:
    return TickBox("yes", id=wid)


def _write_bool(widget: TickBox, value: FieldValue, ctx: FieldContext) -> None:
    widget.value = bool(value)


def _checklist(spec: FieldSpec, wid: str) -> Widget:
    return ChecklistField(spec.choices, label=spec.label, id=wid)


def _write_list(widget: ChecklistField, value: FieldValue, ctx: FieldContext) -> None:
    widget.value = value if isinstance(value, list) else []


def _long(spec: FieldSpec, wid: str) -> Widget:
    return LongText(id=wid)


def _write_long(widget: LongText, value: FieldValue, ctx: FieldContext) -> None:
    widget.load_text("" if value is None else str(value))


def _read_long(widget: LongText) -> FieldValue:
    return widget.text or None


def _sealed(spec: FieldSpec, wid: str) -> Widget:
    from .sealed_input import SealedInput

    return SealedInput(spec.name, id=wid, max_length=spec.max_length or 0)


def _write_sealed(widget: Any, value: FieldValue, ctx: FieldContext) -> None:
    widget.show(value, ctx.open_sealed)


def _read_sealed(widget: Any) -> FieldValue:
    return widget.stored_value()


def _sealed_saved(widget: Any, stored: FieldValue, sent: FieldValue) -> None:
    widget.remember(stored, sent)


def _note_pick(spec: FieldSpec, wid: str) -> Widget:
    return NotePickField(label=spec.label, id=wid)


def _write_note_pick(widget: NotePickField, value: FieldValue, ctx: FieldContext) -> None:
    widget.set_choices(ctx.notes())  # first: the value is shown as one of them
    _write_pick(widget, value, ctx)


_TEXT = FieldType(_text_input, _write_text, _read_text)

#: One entry per field type of ``store`` templates (``store.FIELD_TYPES``).
FIELD_TYPES: Mapping[str, FieldType] = MappingProxyType({
    "text": _TEXT,
    "datetime": _TEXT,
    "int": FieldType(_int_input, _write_text, _read_int),
    "choice": FieldType(_choice, _write_pick, _read_pick),
    "grade": FieldType(_choice, _write_pick, _read_pick),
    "bool": FieldType(_bool, _write_bool, lambda w: w.value),
    "multichoice": FieldType(_checklist, _write_list, lambda w: w.value or None),
    "longtext": FieldType(_long, _write_long, _read_long, long=True),
    "sealed": FieldType(_sealed, _write_sealed, _read_sealed, after_save=_sealed_saved),
})

#: Fields edited by a widget of their own whatever their type, by field name: a link to a note
#: (stored as the note's id, a text field) is picked by the note's title.
FIELD_OVERRIDES: Mapping[str, FieldType] = MappingProxyType({
    "linked_note": FieldType(_note_pick, _write_note_pick, _read_pick),
})


def field_type(spec: FieldSpec) -> FieldType:
    """How the field ``spec`` is edited: its own entry in ``FIELD_OVERRIDES``, else its type's."""
    return FIELD_OVERRIDES.get(spec.name) or FIELD_TYPES[spec.type]
