"""Passage anchors follow their words as the text around them changes (property tests over
``relocate_passages``, the pure part of the editor's re-anchoring), in any long text field."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from store import PassageTag
from tui._notes import relocate_passages

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
