"""A yes/no box drawn ☐/☑ (``[ ]``/``[x]`` in ASCII): ticked and unticked differ in shape, so
they read without colour; with the focus, box and label are in reverse video (the theme's
foreground and background swapped: reverse itself is lost on a component style).

Space ticks it. Enter is left to the screen (the editor moves to the next field; the first
run's "I have written it down" continues). Any other printable key says so instead of
vanishing.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Checkbox, RadioButton

from .glyphs import box, radio
from .keys import say_not_here, unbound_printable


class TickBox(Checkbox, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Tick", show=False, id="tickbox.toggle"),
    ]
    DEFAULT_CSS = """
    TickBox, TickBox.-textual-compact { border: none; padding: 0; background: transparent; }
    TickBox > .toggle--button, TickBox.-on > .toggle--button { background: transparent;
                                                              color: $foreground; }
    TickBox.-on > .toggle--button { text-style: bold; }
    TickBox:focus, TickBox.-textual-compact:focus { border: none; background-tint: initial; }
    TickBox:focus > .toggle--button, TickBox:focus > .toggle--label,
    TickBox.-textual-compact:focus > .toggle--label { text-style: bold; color: $background;
                                                      background: $foreground; }
    """

    def __init__(self, label: str = "", value: bool = False, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(label, value, id=id, classes=classes, compact=True)

    @property
    def _button(self) -> Content:
        return Content.assemble((box(self.value), self.get_visual_style("toggle--button")))

    def on_key(self, event: events.Key) -> None:
        if event.key != "space" and unbound_printable(self, event):
            event.stop()
            say_not_here(self, "On a box, space ticks it.")


class RadioMark(RadioButton):
    """A radio button drawn ●/○ (``(*)``/``( )`` in ASCII): chosen and not chosen differ in
    shape, not only in colour."""

    DEFAULT_CSS = """
    RadioMark > .toggle--button, RadioMark.-on > .toggle--button { background: transparent;
                                                                  color: $foreground; }
    RadioMark:focus > .toggle--label, RadioMark.-textual-compact:focus > .toggle--label {
        text-style: bold; color: $background; background: $foreground; }
    """

    @property
    def _button(self) -> Content:
        return Content.assemble((radio(self.value), self.get_visual_style("toggle--button")))
