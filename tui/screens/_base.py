"""What every fieldpad screen shares: a name for the sub-title and typed access to the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from store import Session

    from ..app import FieldpadApp


class _AppAccess:
    """The app as fieldpad's app, and its session (LockedError when locked)."""

    @property
    def fp(self) -> FieldpadApp:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        session = self.fp.session
        if session is None:
            from store import LockedError

            raise LockedError("the vault is locked")
        return session


class BaseScreen(_AppAccess, Screen):
    """A full screen. ``NAME`` is all the terminal title ever shows of it."""

    NAME: ClassVar[str] = "fieldpad"

    def on_screen_resume(self) -> None:
        self.app.sub_title = self.NAME

    def on_mount(self) -> None:
        _no_blink(self)


def _no_blink(screen: Screen) -> None:
    """Steady cursors when the app asks for them (snapshot tests, screen readers)."""
    if not getattr(screen.app, "cursor_blink", True):
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]


class BaseModal(_AppAccess, ModalScreen):
    NAME: ClassVar[str] = "fieldpad"

    def on_mount(self) -> None:
        _no_blink(self)

