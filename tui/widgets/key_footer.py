"""The footer: every key of the screen that fits on the line, then one key for the rest.

Textual's footer lays every shown binding out in a row and cuts off what does not fit, so at
80 columns a screen's later keys are simply not there. This one shows the keys in order while
they fit and ends with ``? more`` (``f1 more`` while a text field has the focus, where ``?``
types a question mark), which opens the help with this screen's keys first.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

#: what the palette key takes on the right: "▏^p palette", with the margin before it
_PALETTE_WIDTH = 12


def _typing_in(widget: Widget | None) -> bool:
    """Whether ``widget`` takes typed text (an input or a text area). ``TextArea`` is not
    imported for this: until its module is loaded no text area can have the focus (and the
    unlock prompt has none: start-up time)."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)


def _width(key_display: str, description: str) -> int:
    """Columns a compact footer key takes, with its margin."""
    return len(key_display) + (1 + len(description) if description else 0) + 1


class KeyFooter(Footer):
    def _shown(self) -> list[tuple[Binding, bool, str]]:
        """The bindings to show, one per action, in the screen's order."""
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        return [entries[0] for entries in by_action.values()]

    def _more_key(self) -> tuple[str, str]:
        """(key, what it shows): ``?`` types itself in a text field, f1 never does; the
        user's own help keys when the keymap moved them."""
        typing = _typing_in(self.app.focused)
        binding_id, key = ("app.help", "f1") if typing else ("app.help_key", "question_mark")
        own = getattr(self.app, "keymap", {}).get(binding_id)
        if own:
            key = own.split(",")[0].strip()
        return key, self.app.get_key_display(Binding(key, "app.help"))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown = self._shown()
        room = max(0, self.app.size.width - _PALETTE_WIDTH)
        widths = [_width(self.app.get_key_display(b), b.description) for b, _, _ in shown]
        if sum(widths) > room:
            key, display = self._more_key()
            room -= _width(display, "more")
        else:
            key = display = ""
        used = 0
        for (binding, enabled, tooltip), width in zip(shown, widths, strict=True):
            if used + width > room:
                break
            used += width
            yield FooterKey(binding.key, self.app.get_key_display(binding),
                            binding.description, binding.action, disabled=not enabled,
                            tooltip=tooltip).data_bind(compact=Footer.compact)
        if key:
            yield FooterKey(key, display, "more", "app.help", classes="-more",
                            tooltip="Every key: this screen's first").data_bind(
                compact=Footer.compact)
        yield from self._palette_key()

    def _palette_key(self) -> ComposeResult:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return
        _node, binding, enabled, tooltip = found
        yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                        binding.action, classes="-command-palette", disabled=not enabled,
                        tooltip=binding.tooltip or binding.description)

    # -- one recompose for many reasons ------------------------------------------------------
    _recompose_pending = False

    def _recompose_soon(self) -> None:
        """Recompose after the next refresh, once however many ask meanwhile: as a screen
        starts, its bindings and its first size each ask (start-up time)."""
        if not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_now)

    async def _recompose_now(self) -> None:
        self._recompose_pending = False  # a request from now on may see a change: honour it
        await self.recompose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._recompose_soon()

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.is_attached:
            self._recompose_soon()
