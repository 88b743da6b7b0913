"""The keys that work on every screen: the app's own bindings, each with an id.

They live here rather than in ``tui.app`` so that the help screen can list them without
importing the app that opens it (issue 14: no import cycles).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType


class Everywhere:
    """The app's bindings (``FieldpadApp.BINDINGS`` is this list)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("ctrl+l", "lock", "Lock", show=False, priority=True, id="app.lock"),
        Binding("f1", "help", "Help", show=False, id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help_key"),
        Binding("f2", "settings", "Settings", show=False, id="app.settings"),
    ]
