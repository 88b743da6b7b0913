"""Passage anchors follow their words as the text around them changes, in any long text field:
an edit in the editor (``relocate_passages``) and a merge of two heads (``merge_pair``), as
property tests."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store import Note, PassageTag
from store._head_merge import merge_pair
from store.inspection import relocate_passages

AROUND = st.text(alphabet="ab .\n", max_size=30)  # never holds the tagged words' letters
WORDS = st.text(alphabet="xyz", min_size=1, max_size=12)
FIELDS = st.sampled_from(["", "key_quotes", "views", "chronology_rationale"])


@given(AROUND, AROUND, WORDS, AROUND, AROUND, FIELDS)
def test_a_passage_follows_its_words_exactly(before: str, after: str, words: str,
                                             new_before: str, new_after: str,
                                             field: str) -> None:
    old = before + words + after
    new = new_before + words + new_after
    tag = PassageTag(len(before), len(before) + len(words), "S1", field)
    kept, lost = relocate_passages(old, new, [tag])
    assert lost == []
    assert kept == [PassageTag(len(new_before), len(new_before) + len(words), "S1", field)]
    assert new[kept[0].start:kept[0].end] == words


@given(st.text(alphabet="abx \n", min_size=1, max_size=40),
       st.text(alphabet="abx \n", max_size=40), st.data(), FIELDS)
def test_kept_passages_still_point_at_their_words(old: str, new: str, data: st.DataObject,
                                                  field: str) -> None:
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(old) - 1),
                                         st.integers(1, len(old))), max_size=4))
    tags = [PassageTag(min(a, b - 1), max(a + 1, b), "strength", field) for a, b in spans]
    kept, lost = relocate_passages(old, new, tags)
    assert len(kept) + len(lost) == len(tags)
    assert all(p in tags for p in lost)
    for p in kept:
        assert p.field == field and p.tag == "strength"
        assert any(new[p.start:p.end] == old[t.start:t.end] for t in tags)


# -- merging two heads -------------------------------------------------------------------------
def _note(rev: str, parents: tuple[str, ...], body: str, text: str, field: str = "views",
          passages: tuple[PassageTag, ...] = ()) -> Note:
    """An interview; ``text`` is the long text field ``field`` (or unused for the body)."""
    return Note(note_id="n" * 32, inspection_id=b"i" * 16, collection_id=b"c" * 16, rev=rev,
                parents=parents, hlc=f"{rev}", kind="interview", template=1, title="T",
                body=body, fields={field or "views": text}, passages=passages)


@given(AROUND, WORDS, AROUND, AROUND, AROUND, st.sampled_from(["", "key_quotes", "views"]))
def test_a_merge_keeps_both_sides_passages_on_their_words(
        before: str, words: str, after: str, our_add: str, their_add: str,
        field: str) -> None:
    """Each side tags the same words after adding text of its own (ours at the start, theirs at
    the end, so the merge combines them): the merged note has both tags, on those words."""
    base_text = before + words + after
    base = _note("a.1", (), base_text, base_text, field)
    ours_text, theirs_text = our_add + base_text, base_text + their_add

    def side(rev: str, text: str, tag: str) -> Note:
        at = text.index(words, len(our_add) if text is ours_text else 0)
        body, quotes = (text, base_text) if not field else (base_text, text)
        return _note(rev, ("a.1",), body, quotes, field,
                     (PassageTag(at, at + len(words), tag, field),))

    ours, theirs = side("b.1", ours_text, "S1"), side("c.1", theirs_text, "strength")
    merged = merge_pair(ours, theirs, {n.rev: n for n in (base, ours, theirs)})
    text = merged.fields[field] if field else merged.body
    assert {p.tag for p in merged.passages} == {"S1", "strength"}
    for p in merged.passages:
        assert p.field == field and text[p.start:p.end] == words
    again = merge_pair(theirs, ours, {n.rev: n for n in (base, ours, theirs)})
    assert again.passages == merged.passages  # the same on every device


def test_a_merge_drops_a_passage_whose_words_the_other_side_removed() -> None:
    base = _note("a.1", (), "Keep this. Drop that.", "")
    ours = _note("b.1", ("a.1",), "Keep this. Drop that.", "", "",
                 (PassageTag(11, 21, "afd"), PassageTag(0, 10, "S2")))
    theirs = _note("c.1", ("a.1",), "Keep this.", "")
    merged = merge_pair(ours, theirs, {n.rev: n for n in (base, ours, theirs)})
    assert merged.body == "Keep this."
    assert merged.passages == (PassageTag(0, 10, "S2"),)
