"""The records framing: round trips, and truncated, empty or oversized frames refused."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync._framing import (
    FrameTooLarge,
    FramingError,
    PullPage,
    TooManyFrames,
    decode_frames,
    decode_pull_page,
    encode_frames,
    encode_pull_page,
)

items = st.lists(st.binary(min_size=1, max_size=300), max_size=20)


@given(items)
def test_round_trip(frames: list[bytes]) -> None:
    body = encode_frames(frames)
    assert len(body) == sum(len(f) + 4 for f in frames)
    assert decode_frames(body) == frames


@given(items.filter(bool), st.data())
def test_any_truncation_is_refused(frames: list[bytes], data: st.DataObject) -> None:
    body = encode_frames(frames)
    cut = data.draw(st.integers(1, len(body) - 1))
    boundaries = {sum(len(f) + 4 for f in frames[:i]) for i in range(len(frames) + 1)}
    if cut in boundaries:
        assert decode_frames(body[:cut]) == frames[: sorted(boundaries).index(cut)]
    else:
        with pytest.raises(FramingError, match="truncated|inside the 4-byte"):
            decode_frames(body[:cut])


@given(st.binary(max_size=200))
def test_garbage_never_raises_anything_but_framing_error(body: bytes) -> None:
    try:
        decode_frames(body, max_frame=64)
    except FramingError:
        pass


def test_limits() -> None:
    with pytest.raises(FrameTooLarge) as exc:
        decode_frames(struct.pack(">I", 1025) + b"x" * 1025, max_frame=1024)
    assert exc.value.length == 1025 and "1024" in str(exc.value)
    with pytest.raises(FrameTooLarge):  # refused from the prefix alone, before any body
        decode_frames(struct.pack(">I", 2**32 - 1), max_frame=1024)
    with pytest.raises(TooManyFrames):
        decode_frames(encode_frames([b"a"] * 4), max_count=3)
    with pytest.raises(FramingError, match="zero-length"):
        decode_frames(b"\0\0\0\0")
    with pytest.raises(FramingError):
        encode_frames([b""])


def test_pull_page_round_trip_and_checks() -> None:
    page = PullPage([b"one", b"two"], True, {"ab" * 16: 7})
    assert decode_pull_page(encode_pull_page(page)) == page
    with pytest.raises(FramingError, match="no meta"):
        decode_pull_page(b"")
    with pytest.raises(FramingError, match="not JSON"):
        decode_pull_page(encode_frames([b"{"]))
    with pytest.raises(FramingError, match="announces"):
        decode_pull_page(encode_frames([b'{"more":false,"count":2,"heads":{}}', b"x"]))
    with pytest.raises(FramingError, match="meta must be"):
        decode_pull_page(encode_frames([b'{"more":1,"count":0,"heads":{}}']))
