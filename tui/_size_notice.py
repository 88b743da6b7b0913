"""The app's part in the too-small notice: below 80×24 the notice (``screens/too_small.py``)
comes up over every screen and goes once the terminal is large enough.

The app checks the size at start and on every tick; the notice's module is imported only when
a terminal is too small (start-up time).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from textual import events

from ._size import too_small

if TYPE_CHECKING:
    from textual.app import App

    from .screens.too_small import TooSmallNotice

    _App = App[Any]
else:
    _App = object


class SizeNotice(_App):
    """The app's side of the too-small notice (``FieldpadApp`` is one)."""

    #: set once the app has started: no notice before
    _started = False
    #: the size at which the notice was dismissed (it stays away at that size)
    _small_dismissed: tuple[int, int] | None = None

    def on_resize(self, event: events.Resize) -> None:
        if self._started:
            self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int | None = None, height: int | None = None) -> None:
        """Below 80×24 a notice says so over every screen; it goes once the terminal is large
        enough. Escape dismisses it: then it comes back only when the size changes again."""
        width = self.size.width if width is None else width
        height = self.size.height if height is None else height
        if not self._started:
            return
        notice = self._size_notice()
        if not too_small(width, height):
            self._small_dismissed = None
            if notice is not None and notice is self.screen:
                notice.dismiss(None)
            return
        if notice is not None:
            notice.show_size(width, height)
        elif self._small_dismissed != (width, height):
            from .screens.too_small import TooSmallNotice

            def dismissed(_: object) -> None:
                self._small_dismissed = (self.size.width, self.size.height)

            self.push_screen(TooSmallNotice(width, height), dismissed)

    def _size_notice(self) -> TooSmallNotice | None:
        """The notice on the stack, if any: none if its module was never imported."""
        module = sys.modules.get(f"{__package__}.screens.too_small")
        if module is None:
            return None
        return next((s for s in self.screen_stack if isinstance(s, module.TooSmallNotice)), None)

    def _drop_size_notice(self) -> None:
        if self.screen is self._size_notice():
            self.pop_screen()
