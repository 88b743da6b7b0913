"""Three-way merge of note heads: store/_content_merge.py."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from store import (
    DEFAULT_LABELS,
    END_LABEL,
    END_MARKER,
    MID_MARKER,
    START_MARKER,
    ConflictRegion,
    NoteContent,
    conflict_regions,
    has_conflict_markers,
    merge_content,
    merge_order,
    merge_set,
    merge_text,
)

# -- helpers ---------------------------------------------------------------------------------------


def is_marker(line: str) -> bool:
    """A line our merge writes as a marker (any length of 7 or more)."""
    line = line.rstrip("\r")
    for c in "<=>":
        run = len(line) - len(line.lstrip(c))
        if run >= 7 and (len(line) == run or line[run] == " "):
            return True
    return False


def lines_of(text: str) -> list[str]:
    """Lines of a text without their endings (a final newline ends the last line)."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    # trailing CRs are line-ending noise: a last line "a\r" may gain the side's "\r\n" ending
    # in the merge ("a\r\r\n"), which loses nothing a person typed
    return [ln.rstrip("\r") for ln in parts]


def content_lines(text: str) -> list[str]:
    """Lines of a merged text without their endings, marker lines left out."""
    return [ln for ln in lines_of(text) if not is_marker(ln)]


def conflict(ours: str, theirs: str, labels=DEFAULT_LABELS, eol: str = "\n") -> str:
    """The block merge_text writes for a conflict (7-character markers)."""
    return (
        f"{START_MARKER} {labels[0]}{eol}{ours}{MID_MARKER} {labels[1]}{eol}{theirs}"
        f"{END_MARKER} {END_LABEL}{eol}"
    )


# -- merge_text: examples --------------------------------------------------------------------------


def test_disjoint_edits_merge_cleanly():
    base = "one\ntwo\nthree\nfour\nfive\n"
    ours = "ONE\ntwo\nthree\nfour\nfive\n"
    theirs = "one\ntwo\nthree\nfour\nFIVE\nsix\n"
    r = merge_text(base, ours, theirs)
    assert r.text == "ONE\ntwo\nthree\nfour\nFIVE\nsix\n"
    assert not r.conflicted and r.conflicts == 0
    assert not has_conflict_markers(r.text)


def test_same_line_edits_conflict_with_both_versions_kept():
    base = "intro\nthe child was seen\noutro\n"
    ours = "intro\nthe child was seen at home\noutro\n"
    theirs = "intro\nthe child was seen at school\noutro\n"
    r = merge_text(base, ours, theirs)
    assert r.conflicted and r.conflicts == 1
    assert r.text == (
        "intro\n"
        + conflict("the child was seen at home\n", "the child was seen at school\n")
        + "outro\n"
    )
    assert r.text.splitlines()[1] == "<<<<<<< this device"
    assert r.text.splitlines()[3] == "======= other device"
    assert r.text.splitlines()[5] == ">>>>>>> end of conflict"


def test_labels_are_used_and_kept_on_one_line():
    r = merge_text("a\n", "b\n", "c\n", labels=("Ann (lead)", "Bo\nb"))
    assert r.text == conflict("b\n", "c\n", labels=("Ann (lead)", "Bo b"))
    (region,) = conflict_regions(r.text)
    assert (region.ours_label, region.theirs_label) == ("Ann (lead)", "Bo b")


def test_identical_edits_do_not_conflict():
    base = "a\nb\nc\n"
    both = "a\nB!\nc\nd\n"
    r = merge_text(base, both, both)
    assert r.text == both and not r.conflicted


def test_identical_part_of_overlapping_edits_is_written_once():
    base = "a\nb\nc\n"
    ours = "a\nnew\nB1\nc\n"
    theirs = "a\nnew\nB2\nc\n"
    r = merge_text(base, ours, theirs)
    assert r.text == "a\nnew\n" + conflict("B1\n", "B2\n") + "c\n"


def test_paragraph_deleted_on_one_side_unchanged_on_other_is_deleted():
    base = "Para 1.\n\nPara 2 line 1.\nPara 2 line 2.\n\nPara 3.\n\nPara 4.\n"
    ours = "Para 1.\n\nPara 3.\n\nPara 4.\n"
    theirs = "Para 1.\n\nPara 2 line 1.\nPara 2 line 2.\n\nPara 3.\n\nPara 4 edited.\n"
    r = merge_text(base, ours, theirs)
    assert r.text == "Para 1.\n\nPara 3.\n\nPara 4 edited.\n"
    assert not r.conflicted


def test_delete_against_edit_of_same_lines_conflicts_and_keeps_the_edit():
    base = "a\nb\nc\n"
    r = merge_text(base, "a\nc\n", "a\nb edited\nc\n")
    assert r.text == "a\n" + conflict("", "b edited\n") + "c\n"
    (region,) = conflict_regions(r.text)
    assert (region.ours, region.theirs) == ("", "b edited\n")


def test_both_insert_at_the_same_place_keeps_both():
    r = merge_text("a\nz\n", "a\nfrom ours\nz\n", "a\nfrom theirs\nz\n")
    assert r.text == "a\n" + conflict("from ours\n", "from theirs\n") + "z\n"


def test_text_without_trailing_newline():
    base = "a\nb\nc"
    # an edit at the start and an appended line at the end, no newline at the end anywhere
    r = merge_text(base, "A\nb\nc", "a\nb\nc\nd")
    assert r.text == "A\nb\nc\nd" and not r.conflicted
    # adding the final newline is a change of its own, not a change of the last line
    r = merge_text(base, "a\nb\nc\n", "X\nb\nc")
    assert r.text == "X\nb\nc\n" and not r.conflicted
    r = merge_text(base, "a\nb\nc", "X\nb\nc\n")
    assert r.text == "X\nb\nc\n" and not r.conflicted


def test_conflict_on_last_line_without_newline_keeps_markers_on_their_own_lines():
    r = merge_text("a\nb", "a\nB1", "a\nB2")
    assert r.text == "a\n" + conflict("B1\n", "B2\n")[:-1]
    assert [ln for ln in r.text.split("\n") if is_marker(ln)] == [
        "<<<<<<< this device",
        "======= other device",
        ">>>>>>> end of conflict",
    ]
    (region,) = conflict_regions(r.text)
    assert (region.ours, region.theirs) == ("B1\n", "B2\n")


def test_empty_texts():
    assert merge_text("", "", "") == merge_text("", "", "")
    assert merge_text("", "", "").text == ""
    assert merge_text("", "x", "").text == "x"
    assert merge_text("", "", "y\n").text == "y\n"
    assert merge_text("gone\n", "", "gone\n").text == ""
    r = merge_text("", "x", "y")
    assert r.conflicted and r.text == conflict("x\n", "y\n")[:-1]
    r = merge_text(None, "same\n", "same\n")
    assert r.text == "same\n" and not r.conflicted


def test_crlf_is_kept_exactly():
    base = "a\r\nb\r\nc\r\nd\r\n"
    r = merge_text(base, "A\r\nb\r\nc\r\nd\r\n", "a\r\nb\r\nc\r\nD\r\n")
    assert r.text == "A\r\nb\r\nc\r\nD\r\n" and not r.conflicted
    r = merge_text(base, "a\r\nB1\r\nc\r\nd\r\n", "a\r\nB2\r\nc\r\nd\r\n")
    assert r.text == "a\r\n" + conflict("B1\r\n", "B2\r\n", eol="\r\n") + "c\r\nd\r\n"
    assert r.text.count("\n") == r.text.count("\r\n")  # no bare LF from the markers
    (region,) = conflict_regions(r.text)
    assert (region.ours, region.theirs) == ("B1\r\n", "B2\r\n")
    # CRLF text without a final newline: appending is not a change of the last line
    r = merge_text("a\r\nb", "A\r\nb", "a\r\nb\r\nc")
    assert r.text == "A\r\nb\r\nc"


def test_line_ending_conversion_conflicts_but_loses_nothing():
    base = "a\nb\n"
    r = merge_text(base, "a\r\nb\r\n", "a\nB\n")
    assert r.conflicted
    assert "a\r\nb\r\n" in r.text and "a\nB\n" in r.text


def test_lone_cr_and_other_separators_are_not_line_breaks():
    base = "x\ry\u2028z\x0cw\n"
    r = merge_text(base, base + "ours\n", base)
    assert r.text == base + "ours\n"


def test_marker_lookalike_lines_stay_and_do_not_confuse_regions():
    base = "=======\n<<<<<<< not a conflict\nkeep\n>>>>>>>\n"
    ours = "=======\n<<<<<<< not a conflict\nkeep ours\n>>>>>>>\n"
    theirs = "=======\n<<<<<<< not a conflict\nkeep theirs\n>>>>>>>\n"
    r = merge_text(base, ours, theirs)
    assert r.conflicts == 1
    # the lookalike lines are untouched
    assert r.text.startswith("=======\n<<<<<<< not a conflict\n")
    assert r.text.endswith("\n>>>>>>>\n")
    # the real markers are longer than any lookalike, so the region is found exactly
    assert "<<<<<<<< this device\n" in r.text
    assert conflict_regions(r.text) == [
        ConflictRegion(2, 7, "keep ours\n", "keep theirs\n", "this device", "other device")
    ]


def test_unresolved_conflict_inside_a_new_conflict():
    old = merge_text("x\n", "x1\n", "x2\n").text
    r = merge_text("start\n" + old, "start ours\n" + old, "start theirs\n" + old)
    assert r.text.endswith(old)
    regions = conflict_regions(r.text)
    assert [(g.ours, g.theirs) for g in regions] == [
        ("start ours\n", "start theirs\n"),
        ("x1\n", "x2\n"),
    ]
    # both sides of the old conflict in one side of the new one: found as one region
    r = merge_text("", "mine\n" + old, "other\n")
    (region,) = conflict_regions(r.text)
    assert region.ours == "mine\n" + old and region.theirs == "other\n"


def test_clean_merge_of_text_with_marker_lines_leaves_them_alone():
    old = merge_text("x\n", "x1\n", "x2\n").text
    base = "head\n" + old + "tail\n"
    r = merge_text(base, "HEAD\n" + old + "tail\n", "head\n" + old + "TAIL\n")
    assert not r.conflicted
    assert r.text == "HEAD\n" + old + "TAIL\n"
    assert has_conflict_markers(r.text)  # the old, unresolved region is still there


def test_has_conflict_markers_and_regions_on_plain_text():
    assert not has_conflict_markers("")
    assert not has_conflict_markers("just text\n======= heading\n")
    assert not has_conflict_markers("<<<<<<< a\nno middle\n>>>>>>> end\n")
    assert not has_conflict_markers("<<<<<<<< a\n======= b\n>>>>>>> c\n")  # sizes differ
    assert conflict_regions("<<<<<<<x\n=======\n>>>>>>>\n") == []  # not a marker: no space
    text = "top\n<<<<<<<\nA\n=======\nB\n>>>>>>>\nbottom"
    assert conflict_regions(text) == [ConflictRegion(1, 6, "A\n", "B\n")]


def test_regions_line_numbers_slice_the_text():
    r = merge_text("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n", "a\nb2\nc\nd\ne2\n")
    lines = r.text.split("\n")
    regions = conflict_regions(r.text)
    assert len(regions) == r.conflicts == 2
    for g in regions:
        assert lines[g.start_line].startswith("<<<<<<<")
        assert lines[g.end_line - 1].startswith(">>>>>>>")
    # replacing every region by one side resolves the text
    for g in reversed(regions):
        lines[g.start_line : g.end_line] = g.ours.split("\n")[:-1]
    assert "\n".join(lines) == "a\nB\nc\nd\nE\n"


def test_long_repetitive_text_aligns_without_junk_heuristic():
    # difflib's default "autojunk" ignores lines that make up more than 1% of a 200+ line
    # text; with it, these two far-apart edits conflict
    base = "".join(f"item {i % 5}\n" if i % 2 else "\n" for i in range(400))
    lines = base.splitlines(keepends=True)
    ours = "".join(["A\n", *lines[1:]])
    theirs = "".join([*lines[:-1], "B\n"])
    r = merge_text(base, ours, theirs)
    assert not r.conflicted
    assert r.text == "".join(["A\n", *lines[1:-1], "B\n"])


# -- merge_text: properties ------------------------------------------------------------------------


@st.composite
def edit(draw, base: list[str], tag: str):
    """A random edit of ``base``: returns (lines, indexes of base lines kept, new lines)."""
    n = len(base)
    inserts = draw(st.lists(st.sampled_from([0, 0, 0, 0, 1, 2]), min_size=n + 1, max_size=n + 1))
    ops = draw(
        st.lists(st.sampled_from("kkkkkdr"), min_size=n, max_size=n)  # keep, delete, replace
    )
    fresh = (f"{tag}{i}" for i in itertools.count())
    out: list[str] = []
    kept: set[int] = set()
    added: list[str] = []
    for i in range(n + 1):
        for _ in range(inserts[i]):
            added.append(next(fresh))
            out.append(added[-1])
        if i < n:
            if ops[i] == "k":
                out.append(base[i])
                kept.add(i)
            elif ops[i] == "r":
                added.append(next(fresh))
                out.append(added[-1])
    return out, kept, added


@st.composite
def scenario(draw, unique_base: bool = True):
    """Base lines and two random edits of them, with a line ending and final-newline choice."""
    if unique_base:
        base = [f"base{i}" for i in range(draw(st.integers(0, 12)))]
    else:
        base = draw(st.lists(st.sampled_from(["x", "y", "", "=======", "<<<<<<< z"]), max_size=10))
    ours, ours_kept, ours_added = draw(edit(base, "ours"))
    theirs, theirs_kept, theirs_added = draw(edit(base, "theirs"))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    ends = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))

    def text(lines: list[str], end: bool) -> str:
        return eol.join(lines) + (eol if end and lines else "")

    return {
        "base": text(base, ends[0]),
        "ours": text(ours, ends[1]),
        "theirs": text(theirs, ends[2]),
        "base_lines": base,
        "ours_lines": ours,
        "theirs_lines": theirs,
        "kept_by_both": {base[i] for i in ours_kept & theirs_kept},
        "deleted": {base[i] for i in set(range(len(base))) - (ours_kept & theirs_kept)},
        "added": set(ours_added) | set(theirs_added),
    }


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_property_merge_keeps_every_addition_and_every_untouched_line(s):
    r = merge_text(s["base"], s["ours"], s["theirs"])
    merged = content_lines(r.text)
    got = set(merged)
    # (1) every line either side added is in the merged text
    assert s["added"] <= got
    # (2) every base line neither side deleted is in the merged text
    assert s["kept_by_both"] <= got
    # nothing is invented
    assert got <= set(s["base_lines"]) | set(s["ours_lines"]) | set(s["theirs_lines"])
    assert r.conflicted == (r.conflicts > 0) == has_conflict_markers(r.text)
    assert len(conflict_regions(r.text)) == r.conflicts
    if not r.conflicted:
        # a clean merge deletes what either side deleted and duplicates nothing
        assert not (got & s["deleted"])
        assert max(Counter(merged).values(), default=1) == 1
    # line endings stay consistent: a CRLF input gives a CRLF output
    if "\r\n" in s["base"] + s["ours"] + s["theirs"]:
        assert r.text.count("\n") == r.text.count("\r\n")


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_property_merge_is_symmetric(s):
    xy = merge_text(s["base"], s["ours"], s["theirs"])
    yx = merge_text(s["base"], s["theirs"], s["ours"])
    # (5) the same lines, with the two sides of every conflict swapped
    assert Counter(content_lines(xy.text)) == Counter(content_lines(yx.text))
    assert (xy.conflicted, xy.conflicts) == (yx.conflicted, yx.conflicts)
    assert [(g.ours, g.theirs) for g in conflict_regions(xy.text)] == [
        (g.theirs, g.ours) for g in conflict_regions(yx.text)
    ]
    # deterministic
    assert merge_text(s["base"], s["ours"], s["theirs"]) == xy


@settings(max_examples=100, deadline=None)
@given(scenario(unique_base=False))
def test_property_merge_with_repeated_and_marker_like_lines(s):
    r = merge_text(s["base"], s["ours"], s["theirs"])
    assert set(s["added"]) <= set(content_lines(r.text))
    # the regions a merge wrote are found again, exactly, whatever the text looks like
    regions = conflict_regions(r.text)
    assert len(regions) == r.conflicts
    for g in regions:
        assert set(lines_of(g.ours)) <= set(s["ours_lines"]) | {""}
        assert set(lines_of(g.theirs)) <= set(s["theirs_lines"]) | {""}


texts = st.text(alphabet="ab<=>\r\n ", max_size=40) | st.lists(
    st.sampled_from(["a", "b", "", "=======", "<<<<<<< x", ">>>>>>>", "c\r"]), max_size=8
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(base=texts, x=texts)
def test_property_one_sided_and_identical_changes_are_taken_exactly(base, x):
    # (3) both sides the same: that text, no conflict
    r = merge_text(base, x, x)
    assert r.text == x and not r.conflicted
    # (4) one side unchanged: the other side, byte for byte
    assert merge_text(base, x, base) == merge_text(base, base, x) == r
    assert merge_text(base, base, base).text == base


@settings(max_examples=150, deadline=None)
@given(base=texts, x=texts, y=texts)
def test_property_arbitrary_texts_lose_no_line(base, x, y):
    labels = ("OURS", "THEIRS")  # not in the alphabet: tells the merge's regions from old ones
    r = merge_text(base, x, y, labels=labels)
    got = set(content_lines(r.text))
    base_lines = set(lines_of(base))
    for side in (x, y):
        added = {ln for ln in lines_of(side) if ln not in base_lines and not is_marker(ln)}
        assert added <= got
    new = [g for g in conflict_regions(r.text) if (g.ours_label, g.theirs_label) == labels]
    assert len(new) == r.conflicts


# -- merge_order -----------------------------------------------------------------------------------


def test_merge_order_is_deterministic():
    assert merge_order("b.2", "a.10") == ("a.10", "b.2")
    assert merge_order("a.10", "b.2") == ("a.10", "b.2")
    assert merge_order("x", "x") == ("x", "x")


@given(st.text(), st.text())
def test_property_merge_order_gives_byte_identical_merges(rev_a, rev_b):
    a = NoteContent(title="A", body="a\nshared\n", fields={"f": "1"}, tags=("t1",))
    b = NoteContent(title="B", body="b\nshared\n", fields={"f": "2"}, tags=("t2",))
    revs = {rev_a: a, rev_b: b}
    assume(rev_a != rev_b)
    first, second = merge_order(rev_a, rev_b)
    assert merge_order(rev_b, rev_a) == (first, second)
    labels = (f"by {first}", f"by {second}")
    one = merge_content(None, revs[first], revs[second], labels=labels)
    two = merge_content(None, revs[first], revs[second], labels=labels)
    assert one == two


# -- merge_set -------------------------------------------------------------------------------------


def test_set_merge():
    base = ["health", "police", "education"]
    ours = ["health", "police", "education", "SCRA"]  # added SCRA
    theirs = ["social work", "health", "education"]  # added social work, removed police
    assert merge_set(base, ours, theirs) == ["social work", "health", "education", "SCRA"]
    # removed on both, added on both
    assert merge_set(["a", "b"], ["c"], ["c", "d"]) == ["c", "d"]
    # no base: union
    assert merge_set([], ["b", "a"], ["a", "c"]) == ["b", "a", "c"]
    assert merge_set([], ["a", "a"], []) == ["a"]


# -- merge_content: examples -----------------------------------------------------------------------


def note(title="t", body="b\n", fields=None, tags=()):
    return NoteContent(title=title, body=body, fields=dict(fields or {}), tags=tuple(tags))


def test_note_content_tags_are_a_sorted_set():
    assert NoteContent(tags=("b", "a", "b")).tags == ("a", "b")


def test_only_one_side_changed_takes_that_side():
    base = note(fields={"grade": "good", "n": 3})
    ours = note(title="new title", fields={"grade": "good", "n": 3})
    theirs = note(body="new body\n", fields={"grade": "weak", "n": 3})
    r = merge_content(base, ours, theirs)
    assert r.content == note(title="new title", body="new body\n", fields={"grade": "weak", "n": 3})
    assert not r.conflicted and r.conflicted_fields == () and r.kept == {}


def test_identical_changes_are_taken():
    base = note()
    both = note(title="T", body="B\n", fields={"x": 1}, tags=("s1",))
    r = merge_content(base, both, both)
    assert r.content == both and not r.conflicted


def test_title_conflict_keeps_both():
    r = merge_content(note(title="Meeting"), note(title="Parent meeting"), note(title="Meeting C"))
    assert r.content.title == "Parent meeting"
    assert r.conflicted and r.conflicted_fields == ("title",)
    assert r.kept == {"title": "Meeting C"}


def test_short_values_changed_on_both_sides_conflict_and_keep_theirs():
    base = note(fields={"grade": "good", "count": 3, "flag": False, "agreed": None})
    ours = note(fields={"grade": "weak", "count": 4, "flag": True, "agreed": "yes"})
    theirs = note(fields={"grade": "adequate", "count": 5, "flag": 1, "agreed": "no"})
    r = merge_content(base, ours, theirs)
    assert r.content.fields == ours.fields
    assert set(r.conflicted_fields) == {
        "fields.grade",
        "fields.count",
        "fields.flag",
        "fields.agreed",
    }
    assert r.kept == {
        "fields.grade": "adequate",
        "fields.count": 5,
        "fields.flag": 1,  # True and 1 are different values
        "fields.agreed": "no",
    }


def test_body_is_merged_as_text():
    base = note(body="one\ntwo\nthree\n")
    r = merge_content(base, note(body="ONE\ntwo\nthree\n"), note(body="one\ntwo\nTHREE\n"))
    assert r.content.body == "ONE\ntwo\nTHREE\n" and not r.conflicted
    r = merge_content(
        base, note(body="1\ntwo\nthree\n"), note(body="uno\ntwo\nthree\n"), labels=("Ann", "Bo")
    )
    assert r.content.body == conflict("1\n", "uno\n", labels=("Ann", "Bo")) + "two\nthree\n"
    assert r.conflicted_fields == ("body",) and r.kept == {}
    # a one-line body is still text: both kept in the body, nothing in kept
    r = merge_content(note(body="x"), note(body="y"), note(body="z"))
    assert r.content.body == conflict("y\n", "z\n")[:-1] and r.conflicted_fields == ("body",)


def test_long_text_fields_are_merged_as_text():
    long = "x" * 250
    base = note(fields={"views": "line 1\nline 2\nline 3\n", "long": long})
    ours = note(fields={"views": "line 1 ours\nline 2\nline 3\n", "long": long + " ours"})
    theirs = note(fields={"views": "line 1\nline 2\nline 3 theirs\n", "long": long + " theirs"})
    r = merge_content(base, ours, theirs)
    assert r.content.fields["views"] == "line 1 ours\nline 2\nline 3 theirs\n"
    assert r.content.fields["long"] == conflict(long + " ours\n", long + " theirs\n")[:-1]
    assert r.conflicted_fields == ("fields.long",) and r.kept == {}


def test_tags_and_multichoice_are_set_merged():
    base = note(fields={"agencies": ["health", "police"]}, tags=("qi-2.1", "s1"))
    ours = note(fields={"agencies": ["health", "police", "SCRA"]}, tags=("qi-2.1",))
    theirs = note(fields={"agencies": ["health"]}, tags=("qi-2.1", "s1", "concern"))
    r = merge_content(base, ours, theirs)
    assert r.content.fields["agencies"] == ["health", "SCRA"]
    assert r.content.tags == ("concern", "qi-2.1")
    assert not r.conflicted


def test_added_and_deleted_fields():
    base = note(fields={"old": "x", "edited": "y", "gone": "z"})
    ours = note(fields={"old": "x", "new": 1})  # deleted edited and gone, added new
    theirs = note(fields={"old": "x", "edited": "y2", "gone": "z", "other": True})
    r = merge_content(base, ours, theirs)
    # deleted vs unchanged: deleted; deleted vs changed: the change stays; added: taken
    assert r.content.fields == {"old": "x", "new": 1, "edited": "y2", "other": True}
    assert not r.conflicted


def test_no_common_ancestor_keeps_both_texts():
    ours = note(title="T", body="ours text\n", fields={"a": ["x"], "s": "one"}, tags=("t1",))
    theirs = note(title="T", body="theirs text\n", fields={"a": ["y"], "s": "two"}, tags=("t2",))
    r = merge_content(None, ours, theirs)
    assert r.content.title == "T"
    assert r.content.body == conflict("ours text\n", "theirs text\n")
    assert r.content.fields["a"] == ["x", "y"]
    assert r.content.fields["s"] == "one" and r.kept == {"fields.s": "two"}
    assert r.content.tags == ("t1", "t2")
    assert set(r.conflicted_fields) == {"body", "fields.s"}


# -- merge_content: properties ---------------------------------------------------------------------

KEYS = ["grade", "count", "flag", "agencies", "notes", "quote"]
short_values = (
    st.sampled_from(["good", "weak", "adequate", ""])
    | st.integers(0, 3)
    | st.booleans()
    | st.none()
    | st.lists(st.sampled_from(["health", "police", "education", "SCRA"]), max_size=4)
)
long_values = st.lists(st.sampled_from(["l1", "l2", "l3", "l4", "l5"]), min_size=2, max_size=6).map(
    "\n".join
)
values = short_values | long_values
fields_dicts = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))
tag_sets = st.lists(st.sampled_from(["s1", "s2", "qi-2.1", "concern", "strength"]), max_size=5)


@st.composite
def note_edit(draw, base: NoteContent):
    fields = dict(base.fields)
    for key in KEYS:
        op = draw(st.sampled_from(["keep", "keep", "set", "delete"]))
        if op == "set":
            fields[key] = draw(values)
        elif op == "delete":
            fields.pop(key, None)
    return NoteContent(
        title=draw(st.sampled_from([base.title, base.title, "other", "title 2"])),
        body=draw(st.sampled_from([base.body, base.body + "added\n", "new\n" + base.body, ""])),
        fields=fields,
        tags=tuple(draw(tag_sets)) if draw(st.booleans()) else base.tags,
    )


@st.composite
def note_scenario(draw):
    base = NoteContent(
        title=draw(st.sampled_from(["", "title"])),
        body=draw(st.sampled_from(["", "p1\n", "p1\np2\np3\n"])),
        fields=draw(fields_dicts),
        tags=tuple(draw(tag_sets)),
    )
    return base, draw(note_edit(base)), draw(note_edit(base))


def same(x, y):
    return type(x) is type(y) and x == y


def preserved(value, base_value, merged, kept_value):
    """Whether a side's changed ``value`` survives in the merge or in kept."""
    if same(value, merged) or same(value, kept_value):
        return True
    if isinstance(value, list) and isinstance(merged, list):
        base_items = set(base_value) if isinstance(base_value, list) else set()
        return set(value) - base_items <= set(merged)
    if isinstance(value, str) and isinstance(merged, str):
        base_lines = set(lines_of(base_value)) if isinstance(base_value, str) else set()
        return set(lines_of(value)) - base_lines <= set(content_lines(merged))
    return False


MISSING = object()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note_scenario())
def test_property_merge_content_rules_and_nothing_lost(sc):
    base, ours, theirs = sc
    r = merge_content(base, ours, theirs)
    out = r.content
    assert r.conflicted == bool(r.conflicted_fields)
    assert set(r.kept) <= set(r.conflicted_fields)
    for key in set(base.fields) | set(ours.fields) | set(theirs.fields):
        b, o, t = (c.fields.get(key, MISSING) for c in (base, ours, theirs))
        m = out.fields.get(key, MISSING)
        name = f"fields.{key}"
        if same(o, b):
            assert same(m, t), key  # only theirs changed (or nobody)
        elif same(t, b) or same(o, t):
            assert same(m, o), key  # only ours changed, or both the same way
        else:
            for side in (o, t):
                if side is not MISSING:
                    assert preserved(side, b, m, r.kept.get(name, MISSING)), (key, side, m)
        if name in r.kept:
            assert same(m, o) and same(r.kept[name], t)
    # tags: three-way set merge
    bt, ot, tt = set(base.tags), set(ours.tags), set(theirs.tags)
    assert set(out.tags) == (ot & tt) | (ot - bt) | (tt - bt)
    assert list(out.tags) == sorted(set(out.tags))
    # title and body
    if ours.title != theirs.title and base.title not in (ours.title, theirs.title):
        assert out.title == ours.title and r.kept["title"] == theirs.title
    for side in (ours.body, theirs.body):
        added = set(lines_of(side)) - set(lines_of(base.body))
        assert added <= set(content_lines(out.body))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note_scenario())
def test_property_merge_content_is_symmetric(sc):
    base, ours, theirs = sc
    xy = merge_content(base, ours, theirs)
    yx = merge_content(base, theirs, ours)
    assert set(xy.conflicted_fields) == set(yx.conflicted_fields)
    assert set(xy.kept) == set(yx.kept)
    assert xy.content.tags == yx.content.tags
    assert Counter(content_lines(xy.content.body)) == Counter(content_lines(yx.content.body))
    assert set(xy.content.fields) == set(yx.content.fields)
    for key, v in xy.content.fields.items():
        w = yx.content.fields[key]
        name = f"fields.{key}"
        if name in xy.kept:
            assert same(v, yx.kept[name]) and same(w, xy.kept[name])
        elif isinstance(v, list):
            assert set(v) == set(w)
        elif isinstance(v, str) and name in xy.conflicted_fields:
            assert Counter(content_lines(v)) == Counter(content_lines(w))
        else:
            assert same(v, w)


@pytest.mark.parametrize("base", [None, NoteContent()])
def test_merge_content_of_empty_notes(base):
    r = merge_content(base, NoteContent(), NoteContent())
    assert r.content == NoteContent() and not r.conflicted
