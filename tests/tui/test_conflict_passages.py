"""Resolving a conflict keeps the passage tags on their words (issue 12): the merge put them
into the conflicted text, the decisions change that text again, and the tags follow."""

from __future__ import annotations

from store import Note, PassageTag
from store._head_merge import merge_pair
from store.inspection import validate_note
from tui._notes import LEFT, RIGHT, conflict_items, resolve_conflicts


def _note(rev: str, parents: tuple[str, ...], body: str,
          passages: tuple[PassageTag, ...] = ()) -> Note:
    return Note(note_id="n" * 32, inspection_id=b"i" * 16, collection_id=b"c" * 16, rev=rev,
                parents=parents, hlc=rev, kind="interview", template=1, title="T", body=body,
                fields={"participant_type": "staff", "agreement_obtained": True,
                        "key_quotes": "“It works now.” said twice."},
                passages=passages)


def _conflicted() -> Note:
    base = _note("a.1", (), "Opening line.\nThe same line.\nClosing line.\n")
    ours = _note("b.1", ("a.1",), "Opening line.\nOur line.\nClosing line.\n",
                 (PassageTag(14, 23, "S1"), PassageTag(24, 37, "strength"),
                  PassageTag(0, 15, "S3", "key_quotes")))
    theirs = _note("c.1", ("a.1",), "Opening line.\nTheir line.\nClosing line.\n",
                   (PassageTag(14, 25, "afd"),))
    merged = merge_pair(ours, theirs, {n.rev: n for n in (base, ours, theirs)})
    assert merged.state == "conflicted"
    return merged


def _check(note: Note, changes: dict) -> dict[str, str]:
    body = changes.get("body", note.body)
    fields = changes.get("fields", note.fields)
    passages = changes.get("passages", note.passages)
    assert validate_note(note.kind, note.template, "T", body, fields, passages=passages) == []
    return {p.tag: (fields[p.field] if p.field else body)[p.start:p.end] for p in passages}


def test_taking_one_side_keeps_its_tags_on_their_words() -> None:
    note = _conflicted()
    [item] = conflict_items(note, {})
    item.choice = LEFT
    changes = resolve_conflicts(note, [item])
    assert changes["body"] == "Opening line.\nOur line.\nClosing line.\n"
    assert _check(note, changes) == {"S1": "Our line.", "strength": "Closing line.",
                                     "S3": "“It works now.”"}


def test_taking_the_other_side_drops_the_tags_on_words_not_taken() -> None:
    note = _conflicted()
    [item] = conflict_items(note, {})
    item.choice = RIGHT
    changes = resolve_conflicts(note, [item])
    assert _check(note, changes) == {"afd": "Their line.", "strength": "Closing line.",
                                     "S3": "“It works now.”"}
