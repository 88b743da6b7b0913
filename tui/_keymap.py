"""Keys of the user's own (issue 13): the ``keymap`` setting maps binding ids to keys, as
Harlequin's keymap does, and Textual's ``App.set_keymap`` applies it.

Every binding of the app has an id ("workspace.search", "app.help"; ``docs/keys.md`` lists
them). An entry whose id no binding has, or whose key no terminal sends, is left out; a binding
whose key an entry takes on the same screen is named (Textual drops it silently); one notice
says both. The rest is applied. The setting is sealed in the vault with the others, so it
takes effect on unlocking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import REPLACED_KEYS, Keys, _normalize_key_list, key_to_character

#: What may precede a key name, as in "ctrl+shift+up".
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Key names Textual knows beyond characters ("escape", "f5", "pageup", "space", ...).
NAMED_KEYS = frozenset(k.value for k in Keys if "+" not in k.value and "<" not in k.value)


def binding_groups() -> list[tuple[str, list[Binding]]]:
    """(where, bindings) of the app and its screens and widgets (the help's list)."""
    from .screens.help import binding_groups as groups  # every screen: only with a keymap

    return groups()


def every_binding() -> dict[str, Binding]:
    """Every binding of the app and its screens and widgets, by id."""
    return {b.id: b for _, bindings in binding_groups() for b in bindings if b.id}


def _keys(keys: str) -> list[str]:
    """A binding's keys as Textual keeps them ("?" is "question_mark")."""
    return _normalize_key_list(keys).split(",")


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key, e.g. "ctrl+f", "f5", "?", "question_mark") cannot be bound, or
    None when it can."""
    *modifiers, name = key.strip().split("+")
    if not name:
        return f"{key!r} names no key"
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{key!r}: {unknown[0]!r} is not ctrl, shift, alt, meta, super or hyper"
    if len(name) == 1:
        return None if name.isprintable() else f"{key!r} is not a key"
    if name in NAMED_KEYS or key_to_character(REPLACED_KEYS.get(name, name)) is not None:
        return None
    return f"{key!r} is not a key name Textual knows (e.g. ctrl+f, f5, escape, slash)"


@dataclass(frozen=True)
class KeymapCheck:
    """What a keymap does: the entries to apply, the entries left out (one phrase each), and
    the bindings that lose their key to an entry on the same screen (one phrase each)."""

    usable: dict[str, str]
    problems: list[str]
    taken: list[str]

    def notice(self) -> str:
        """One notice for everything the user should know, or "" when there is nothing."""
        parts = []
        if self.problems:
            parts.append("; ".join(self.problems) + ": left out (docs/keys.md lists the "
                         "binding ids)")
        if self.taken:
            parts.append("; ".join(self.taken) + ": give it a key of its own")
        return "Keymap: " + ". ".join(parts) + "." if parts else ""


def check_keymap(keymap: Mapping[str, str],
                 groups: list[tuple[str, list[Binding]]] | None = None) -> KeymapCheck:
    """Check ``keymap`` against the app's bindings (``groups``: the help's list)."""
    groups = binding_groups() if groups is None else groups
    known = {b.id for _, bindings in groups for b in bindings if b.id}
    usable: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(f"{binding_id!r} is no binding id")
            continue
        wrong = [p for p in (key_problem(k) for k in keys.split(",")) if p]
        if wrong:
            problems.append(f"{binding_id}: {wrong[0]}")
            continue
        usable[binding_id] = ",".join(k.strip() for k in keys.split(","))
    return KeymapCheck(usable, problems, _taken(usable, groups))


def _taken(usable: Mapping[str, str], groups: list[tuple[str, list[Binding]]]) -> list[str]:
    """The bindings whose own key an entry of the keymap takes on the same screen: Textual
    then drops them from that key without a word."""
    taken = []
    for _, bindings in groups:
        kept = {k: b for b in bindings if b.id not in usable for k in _keys(b.key)}
        for b in bindings:
            for key in _keys(usable.get(b.id or "", "")) if b.id in usable else ():
                if key in kept:
                    lost = kept.pop(key)
                    taken.append(f"{lost.id} ({key}) lost its key to {b.id}")
    return taken


__all__ = ["KeymapCheck", "binding_groups", "check_keymap", "every_binding", "key_problem"]
