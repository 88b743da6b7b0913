"""What the editor's sealed inputs (the concern form's child identifier) stand for.

A sealed field is stored as a blob only its recipient devices can open. The editor shows the
plaintext (masked) when this device can open it, else an empty input saying who it is sealed
for; typing replaces the value. What the form hands back to the store is the stored blob while
the input is unchanged, so autosave never seals it again, and the typed text once it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from store.crypto import is_sealed, sealed_recipients

if TYPE_CHECKING:
    from textual.widgets import Input

    from store import Note, Session

PLACEHOLDER = "sealed: readable by leads only"


class SealedInputs:
    def __init__(self) -> None:
        #: per field: (the stored blob, its plaintext if this device can open it)
        self._state: dict[str, tuple[str, str | None]] = {}

    def show(self, session: Session, note_id: str | None, name: str, widget: Input,
             value: Any) -> None:
        self._state.pop(name, None)
        widget.placeholder = PLACEHOLDER
        if not is_sealed(value):  # empty, or plaintext saved before sealing existed
            widget.value = "" if value is None else str(value)
            return
        plain = session.open_sealed(note_id or "", name, value)
        self._state[name] = (value, plain)
        widget.value = plain or ""
        if plain is None:
            n = len(sealed_recipients(value))
            widget.placeholder = f"sealed for {n} lead{'s' if n != 1 else ''} — type to replace"

    def value(self, name: str, typed: str) -> str | None:
        """What to save for ``name`` given what the input holds."""
        blob, plain = self._state.get(name, (None, None))
        if blob is not None and typed == (plain or ""):
            return blob  # unchanged: keep the blob
        return typed or None

    def remember(self, names: Iterable[str], note: Note, sent: Mapping[str, Any]) -> None:
        """After a save: the blobs the store made of what was sent (``sent``: the fields)."""
        for name in names:
            stored = note.fields.get(name)
            if not is_sealed(stored):
                self._state.pop(name, None)
                continue
            blob, plain = self._state.get(name, (None, None))
            value = sent.get(name)
            self._state[name] = (stored, plain if value == blob else value)
