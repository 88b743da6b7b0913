"""Which fields of a note are sealed, and sealing them before a revision is built.

The crypto is in ``_sealing``; this module knows notes and templates. ``Session`` calls
:func:`seal_fields` for every revision it commits (create, save, autosave, restore, merge), so
no path can store the plaintext of a sealed field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from store import Note
from store.crypto import field_context, is_sealed, seal_value, sealed_recipients

from ._templates import UnknownTemplate, template_for

__all__ = ["Opener", "Recipients", "sealed_names", "seal_fields"]

Recipients = Sequence[tuple[bytes, bytes]]
#: ``(note_id, field, blob) -> plaintext or None``: opening a blob on this device
Opener = Callable[[str, str, str], "str | None"]


def sealed_names(note: Note) -> tuple[str, ...]:
    """The note's sealed fields (by its own template version, else the latest one)."""
    try:
        return template_for(note.kind, note.template).sealed_fields
    except UnknownTemplate:
        try:
            return template_for(note.kind).sealed_fields
        except UnknownTemplate:
            return ()


def seal_fields(note: Note, current: Note | None, recipients: Callable[[], Recipients],
                open_blob: Opener) -> None:
    """Seal, in place, every sealed field of ``note`` that holds plaintext.

    ``current`` is the note as it was before this change. An unchanged blob is kept as it is
    (autosave does not seal again every second); so is plaintext equal to what the current blob
    opens to. A blob is sealed again only when this device can open it and a wanted recipient is
    missing from it (a lead's new device). A blob is never narrowed: a device whose view of the
    leads is partial (no roster yet) must not lock the other leads out; a removed device is kept
    out of later records by the collection key's rotation instead. ``recipients`` is called only
    when needed.
    """
    wanted: set[bytes] | None = None
    chosen: Recipients = ()
    for name in sealed_names(note):
        value = note.fields.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        if wanted is None:
            chosen = recipients()
            wanted = {device for device, _ in chosen}
        old = current.fields.get(name) if current is not None else None
        if is_sealed(value):
            if wanted <= set(sealed_recipients(value)):
                continue
            plain = open_blob(note.note_id, name, value)
            if plain is None:
                continue  # not ours to seal again: kept for the devices that can open it
        else:
            plain = value
            if is_sealed(old) and wanted <= set(sealed_recipients(old)) and \
                    open_blob(note.note_id, name, old) == plain:
                note.fields[name] = old
                continue
        note.fields[name] = seal_value(plain, chosen, field_context(note.note_id, name))
