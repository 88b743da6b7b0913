"""The tags dialog: evidence tags of a note, or of a passage of its text.

One box per standard tag, walked by tab and by the arrows alike: the four inspection statements
with their words (the focused one's in full under them), evidence status, strength, area for
development and Covid-19 impact. Quality indicators are picked from the framework's list; free
codes (and any other ``QI<n>.<m>``) are typed. The dialog has its own footer.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from store.inspection import (
    FRAMEWORK_INDICATORS,
    ROW_LABELS,
    STATEMENT_TAGS,
    STATUS_TAGS,
    InvalidTag,
    describe_tag,
    parse_tags,
)

from ..widgets.key_footer import KeyFooter
from ..widgets.multipick import MultiPickField
from ..widgets.tickbox import TickBox
from ._base import BaseModal

#: the standard tags, in the order the dialog shows them (and a note keeps them)
STANDARD_TAGS: tuple[str, ...] = (*STATEMENT_TAGS, *STATUS_TAGS, "strength", "afd", "covid")
#: the boxes of each line under the statements
_LINES = (("Status", STATUS_TAGS), ("Findings", ("strength", "afd", "covid")))


def _box_id(tag: str) -> str:
    return "tag-" + tag.replace(":", "-")


def _short(tag: str) -> str:
    """A box's label: "no significant concern", "area for development", "Covid-19 impact"."""
    words = describe_tag(tag)
    return words.split(": ", 1)[1] if tag.startswith("status:") else words.lower() \
        if tag != "covid" else words


class TagModal(BaseModal):
    """Pick evidence tags: the standard ones by ticking, indicators from the framework's
    list, others (#code) by typing. Dismisses with the tags, or None when cancelled."""

    NAME = "Tags"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "done", "Done", priority=True, id="tags.done"),
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
        Binding("down", "app.focus_next", "Next", show=False, id="tags.next"),
        Binding("up", "app.focus_previous", "Previous", show=False, id="tags.previous"),
    ]
    CSS = """
    TagModal #tag-box { width: 78; height: auto; max-height: 100%; padding: 0 1; }
    TagModal .dialog-title { margin-bottom: 0; }
    TagModal .statement { width: 100%; }
    TagModal #statement-words { width: 100%; height: 2; color: $text-muted; padding-left: 4; }
    TagModal .tag-line { height: 1; width: 100%; }
    TagModal .tag-line TickBox { margin-right: 2; }
    TagModal .form-label { width: 12; }
    TagModal #tag-message { display: none; }
    TagModal .buttons { margin-top: 0; }
    """

    def __init__(self, title: str, current: tuple[str, ...] | list[str]) -> None:
        super().__init__()
        self.heading = title
        self.current = list(current)

    def compose(self) -> ComposeResult:
        framework = [t for t in self.current if t in FRAMEWORK_INDICATORS]
        others = [t for t in self.current if t not in STANDARD_TAGS and t not in framework]
        with Vertical(classes="dialog modal-box", id="tag-box"):
            yield Label(self.heading, classes="dialog-title", markup=False)
            for tag in STATEMENT_TAGS:
                yield TickBox(f"{tag}  {ROW_LABELS[tag]}", tag in self.current,
                              id=_box_id(tag), classes="statement")
            yield Label("", id="statement-words", markup=False)
            for label, tags in _LINES:
                with Horizontal(classes="tag-line"):
                    yield Label(label, classes="form-label")
                    for tag in tags:
                        yield TickBox(_short(tag), tag in self.current, id=_box_id(tag))
            with Horizontal(classes="form-row"):
                yield Label("Indicators", classes="form-label")
                yield MultiPickField(FRAMEWORK_INDICATORS, framework, id="tag-qi",
                                     label="Quality indicators of the framework")
            with Horizontal(classes="form-row"):
                yield Label("Other tags", classes="form-label")
                yield Input(" ".join(others), id="tag-other", compact=True,
                            placeholder="#waits QI8.3 (space between)")
            yield Label("", id="tag-message", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Done", id="done", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#{_box_id(STATEMENT_TAGS[0])}", TickBox).focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Under the statements: the words of the focused one, in full."""
        words = ""
        for tag in STATEMENT_TAGS:
            if event.widget.id == _box_id(tag):
                words = f"Statement {tag[1]}: {ROW_LABELS[tag]}"
        self.query_one("#statement-words", Label).update(words)

    def picked(self) -> list[str]:
        return [t for t in STANDARD_TAGS if self.query_one(f"#{_box_id(t)}", TickBox).value]

    @on(Input.Submitted, "#tag-other")
    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        try:
            others = parse_tags(self.query_one("#tag-other", Input).value)
        except InvalidTag as exc:
            message = self.query_one("#tag-message", Label)
            message.update(str(exc))
            message.display = True
            self.query_one("#tag-other", Input).focus()
            return
        framework = self.query_one("#tag-qi", MultiPickField).value
        self.dismiss(list(dict.fromkeys(self.picked() + framework + others)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
