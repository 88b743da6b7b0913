"""What every fieldpad screen shares: a name for the sub-title and typed access to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from . import SCREENS_CSS

if TYPE_CHECKING:
    from store import Session

    from .._host import Host



class _AppAccess:
    """The app as fieldpad's app (its face for screens, ``tui._host.Host``), and its session
    (LockedError when locked)."""

    @property
    def fp(self) -> Host:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        session = self.fp.session
        if session is None:
            from store import LockedError

            raise LockedError("the vault is locked")
        return session


class _FocusRows:
    """The form row holding the focused field wears the class ``-focus-row`` (its label is
    drawn in reverse video): Textual does not restyle a container's children when
    ``:focus-within`` changes, so the row is marked by hand."""

    _ROWS = ".form-row, .form-long"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_row(event.widget)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_row(None)

    def _mark_row(self, widget: Widget | None) -> None:
        row = None
        node = widget
        while node is not None and node is not self:
            if node.has_class("form-row") or node.has_class("form-long"):
                row = node
                break
            node = node.parent
        for marked in self.query(".-focus-row"):  # type: ignore[attr-defined]
            if marked is not row:
                marked.remove_class("-focus-row")
        if row is not None:
            row.add_class("-focus-row")


class BaseScreen(_FocusRows, _AppAccess, Screen):
    """A full screen. ``NAME`` is all the terminal title ever shows of it."""

    NAME: ClassVar[str] = "fieldpad"
    CSS_PATH = SCREENS_CSS

    def on_screen_resume(self) -> None:
        self.app.sub_title = self.NAME

    def on_mount(self) -> None:
        _no_blink(self)


def _no_blink(screen: Screen) -> None:
    """Steady cursors when the app asks for them (snapshot tests, screen readers)."""
    if not getattr(screen.app, "cursor_blink", True):
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]


class BaseModal(_FocusRows, _AppAccess, ModalScreen):
    NAME: ClassVar[str] = "fieldpad"
    CSS_PATH = SCREENS_CSS

    def on_mount(self) -> None:
        _no_blink(self)

