"""Merging two heads of one note into a revision (DESIGN §4): the common ancestor, the
deterministic order of the sides, and kept values that are never dropped. Pure."""

from __future__ import annotations

from typing import Any

from ._content_merge import NoteContent, merge_content, merge_order
from ._model import ACTIVE, CONFLICTED, DELETED, Note
from .inspection import PassageTag, follow_passages


def replace_note(note: Note, **changes: Any) -> Note:
    allowed = {"title", "body", "fields", "tags", "passages", "kept", "state"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    data = {name: getattr(note, name) for name in Note.__slots__}
    data.update(changes)
    data["tags"] = tuple(data["tags"])
    data["passages"] = tuple(data["passages"])
    data["fields"] = dict(data["fields"])
    data["kept"] = dict(data["kept"])
    return Note(**data)


def _content(n: Note) -> NoteContent:
    return NoteContent(title=n.title, body=n.body, fields=dict(n.fields), tags=tuple(n.tags))


def _ancestors(rev: str, revs: dict[str, Note]) -> set[str]:
    seen, todo = set(), [rev]
    while todo:
        r = todo.pop()
        if r in seen or r not in revs:
            continue
        seen.add(r)
        todo.extend(revs[r].parents)
    return seen


def same_content(a: Note, b: Note) -> bool:
    return (a.title, a.body, a.fields, tuple(a.tags), a.state, a.kept) == (
        b.title, b.body, b.fields, tuple(b.tags), b.state, b.kept)


def _merge_kept(*sources: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Union of kept versions per field: a value kept by any side is never dropped."""
    out: dict[str, list[Any]] = {}
    for source in sources:
        for name, values in source.items():
            bucket = out.setdefault(name, [])
            for v in values if isinstance(values, list) else [values]:
                if v not in bucket:
                    bucket.append(v)
    return out


def merge_pair(a: Note, b: Note, revs: dict[str, Note]) -> Note:
    common = _ancestors(a.rev, revs) & _ancestors(b.rev, revs)
    base = max((revs[r] for r in common), key=lambda n: n.hlc, default=None)
    first, second = merge_order(a.rev, b.rev)
    ours, theirs = (a, b) if first == a.rev else (b, a)
    result = merge_content(_content(base) if base else None, _content(ours), _content(theirs),
                           labels=(ours.author or "one device", theirs.author or "other device"))
    kept = _merge_kept(ours.kept, theirs.kept, {k: [v] for k, v in result.kept.items()})
    deleted = ours.state == DELETED and theirs.state == DELETED
    state = DELETED if deleted else CONFLICTED if (result.conflicted or kept) else ACTIVE
    merged = replace_note(ours, title=result.content.title, body=result.content.body,
                      fields=result.content.fields, tags=result.content.tags, kept=kept,
                      state=state)
    merged.passages = merge_passages(ours, theirs, merged)
    return merged


def merge_passages(ours: Note, theirs: Note, merged: Note) -> tuple[PassageTag, ...]:
    """Both sides' passage tags, each moved to where its words are in the merged text of its
    field (the body or a long text field); a tag whose words the merge left out is dropped.
    Ours first, then theirs not already there: the same result on every device."""
    out: dict[tuple[str, int, int, str], PassageTag] = {}
    for side in (ours, theirs):
        kept, _lost = follow_passages(side.passages, side.body, side.fields, merged.body,
                                      merged.fields)
        for p in kept:
            out.setdefault((p.field, p.start, p.end, p.tag), p)
    return tuple(out.values())
