"""The input of a sealed field (the concern form's child identifier) and what it stands for.

A sealed field is stored as a blob only its recipient devices can open. The input shows the
plaintext (masked) when this device can open it, else nothing and a placeholder saying who it
is sealed for; typing replaces the value. What it hands back to the store is the stored blob
while the input is unchanged, so autosave never seals it again, and the typed text once it
changed.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from store.crypto import is_sealed, sealed_recipients

PLACEHOLDER = "sealed: readable by leads only"


class SealedInput(Input):
    def __init__(self, name: str, *, id: str, max_length: int = 0) -> None:
        super().__init__(id=id, compact=True, max_length=max_length, password=True,
                         placeholder=PLACEHOLDER)
        self.field_name = name
        #: the stored blob, and its plaintext if this device can open it
        self._blob: str | None = None
        self._plain: str | None = None

    def show(self, value: object, open_sealed: Callable[[str, str], str | None]) -> None:
        """Show a stored value: a blob is opened with ``open_sealed(field name, blob)``."""
        self._blob = self._plain = None
        self.placeholder = PLACEHOLDER
        if not is_sealed(value):  # empty, or plaintext saved before sealing existed
            self.value = "" if value is None else str(value)
            return
        assert isinstance(value, str)
        self._blob, self._plain = value, open_sealed(self.field_name, value)
        self.value = self._plain or ""
        if self._plain is None:
            n = len(sealed_recipients(value))
            self.placeholder = f"sealed for {n} lead{'s' if n != 1 else ''} — type to replace"

    def stored_value(self) -> str | None:
        """What to save: the blob while the input is unchanged, else what was typed."""
        typed = self.value.strip()
        if self._blob is not None and typed == (self._plain or ""):
            return self._blob
        return typed or None

    def remember(self, stored: object, sent: object) -> None:
        """After a save: ``stored`` is what the store made of ``sent`` (a blob, once sealed)."""
        if not is_sealed(stored):
            self._blob = self._plain = None
            return
        assert isinstance(stored, str)
        self._plain = self._plain if sent == self._blob else (sent if isinstance(sent, str)
                                                              else None)
        self._blob = stored
