"""Keys on widgets that take no text (boxes, choices, the grade grid): a printable key that
means nothing there is never swallowed silently; the terminal bell rings and a short note says
what the key does here and where text goes."""

from __future__ import annotations

from textual import events
from textual.widget import Widget

#: seconds between two notes about a stray key, so a word typed in the wrong place says it once
_QUIET = 2.0


def unbound_printable(widget: Widget, event: events.Key) -> bool:
    """A printable key that no binding of the screen or the app takes (``?`` is help, say)."""
    return bool(event.is_printable and event.character
                and event.key not in widget.screen.active_bindings)


def digit_choice(widget: Widget, event: events.Key, choices: int, what: str) -> int | None:
    """The choice (0-based) a digit key 1–9 names, or None for any other key. A digit past
    the last choice is said (``what`` a digit does there), stopped, and None."""
    char = event.character or ""
    if not (char.isdigit() and char != "0"):
        return None
    event.stop()
    if int(char) > choices:
        say_not_here(widget, f"{getattr(widget, 'label', '') or 'This field'}: 1–{choices} "
                             f"{what}.")
        return None
    return int(char) - 1


def say_not_here(widget: Widget, what: str) -> None:
    """Ring the bell and say ``what`` the keys of ``widget`` do, at most once in a while."""
    app = widget.app
    widget.app.bell()
    clock = getattr(app, "monotonic", None)
    now = clock() if callable(clock) else 0.0
    last = getattr(app, "_stray_key_said", None)
    if last is not None and now - last < _QUIET:
        return
    app._stray_key_said = now  # type: ignore[attr-defined]
    widget.notify(f"{what} Text goes in a text field: tab moves to the next one.",
                  title="That key does nothing here", timeout=4)
