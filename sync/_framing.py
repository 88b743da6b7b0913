"""``application/vnd.fieldpad.records``: the binary framing of envelopes on the wire.

Envelopes are already opaque, signed binary blobs; base64 in JSON would add a third to every
byte. Instead a body is a run of length-prefixed frames::

    body  := frame*
    frame := length u32 big-endian | bytes[length]          (1 <= length <= max_frame)

**Push** (``POST /v1/collections/{c}/records``, request body): one frame per envelope, in
stream order. An empty body is a batch of zero records.

**Pull** (``POST /v1/collections/{c}/pull``, response body): the first frame is a UTF-8 JSON
object, the page's *meta*; every following frame is an envelope::

    {"more": bool,            true when the byte budget stopped the page: pull again
     "count": int,            how many envelope frames follow
     "heads": {device_hex: head_seq, ...}}   every stream of the collection at read time

Envelopes come grouped by stream (device id ascending), each stream in ascending ``seq``,
contiguous from the ``after`` position the client sent; the client resumes by sending the
last ``seq`` it received per stream. The framing costs 4 bytes per record.

Decoding never trusts a length: a frame longer than ``max_frame``, a zero-length frame or a
body that ends inside a frame raises :class:`FramingError` (the server answers 400/413, never
5xx). :class:`FrameTooLarge` is the oversize case, so a server can map it to 413.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MEDIA_TYPE = "application/vnd.fieldpad.records"
LENGTH = struct.Struct(">I")
# A frame can never be longer than this, whatever a caller allows (u32 aside).
MAX_FRAME_HARD = 64 * 1024 * 1024
DEFAULT_MAX_FRAME = 1024 * 1024


class FramingError(ValueError):
    """Raised when a records body is not a valid run of frames (truncated, empty frame, bad
    meta). The message says where, by frame index and byte offset."""


class FrameTooLarge(FramingError):
    """Raised when a frame's declared length is above the allowed maximum."""

    def __init__(self, index: int, length: int, limit: int) -> None:
        self.index, self.length, self.limit = index, length, limit
        super().__init__(
            f"frame {index} declares {length} bytes, more than the limit of {limit}"
        )


class TooManyFrames(FramingError):
    """Raised when a body holds more frames than the allowed batch size."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"more than {limit} records in one body: split the batch")


def encode_frames(items: Iterable[bytes]) -> bytes:
    """Frame each item (an envelope, or a meta object already encoded) one after another."""
    out = bytearray()
    for item in items:
        if not item:
            raise FramingError("cannot frame an empty item")
        if len(item) > MAX_FRAME_HARD:
            raise FrameTooLarge(-1, len(item), MAX_FRAME_HARD)
        out += LENGTH.pack(len(item))
        out += item
    return bytes(out)


def iter_frames(
    body: bytes | bytearray | memoryview,
    *,
    max_frame: int = DEFAULT_MAX_FRAME,
    max_count: int | None = None,
) -> Iterator[bytes]:
    """Yield each frame of ``body``; raise :class:`FramingError` at the first bad one.

    ``max_count`` bounds the number of frames (a batch cap), raising :class:`TooManyFrames`
    once it is passed, before the rest of the body is looked at.
    """
    view = memoryview(body)
    off, index, end = 0, 0, len(view)
    while off < end:
        if max_count is not None and index >= max_count:
            raise TooManyFrames(max_count)
        if end - off < LENGTH.size:
            raise FramingError(
                f"frame {index} at byte {off}: body ends inside the 4-byte length prefix"
            )
        (length,) = LENGTH.unpack_from(view, off)
        if length == 0:
            raise FramingError(f"frame {index} at byte {off}: zero-length frame")
        if length > max_frame:
            raise FrameTooLarge(index, length, max_frame)
        off += LENGTH.size
        if end - off < length:
            raise FramingError(
                f"frame {index}: declares {length} bytes but only {end - off} remain (truncated)"
            )
        yield bytes(view[off : off + length])
        off += length
        index += 1


def decode_frames(
    body: bytes | bytearray | memoryview,
    *,
    max_frame: int = DEFAULT_MAX_FRAME,
    max_count: int | None = None,
) -> list[bytes]:
    """All frames of ``body`` as a list (see :func:`iter_frames`)."""
    return list(iter_frames(body, max_frame=max_frame, max_count=max_count))


@dataclass(slots=True)
class PullPage:
    """One decoded pull response: envelopes in stream order, ``more`` and the stream heads."""

    envelopes: list[bytes] = field(default_factory=list)
    more: bool = False
    heads: dict[str, int] = field(default_factory=dict)


def encode_pull_page(page: PullPage) -> bytes:
    meta = {"more": page.more, "count": len(page.envelopes), "heads": page.heads}
    head = json.dumps(meta, separators=(",", ":"), sort_keys=True).encode()
    return encode_frames([head, *page.envelopes])


def decode_pull_page(body: bytes, *, max_frame: int = MAX_FRAME_HARD) -> PullPage:
    """Parse a pull response; raise :class:`FramingError` if it is not a well-formed page."""
    frames = iter_frames(body, max_frame=max_frame)
    try:
        first = next(frames)
    except StopIteration:
        raise FramingError("pull page has no meta frame") from None
    try:
        meta = json.loads(first)
    except ValueError as exc:
        raise FramingError(f"pull page meta is not JSON: {exc}") from None
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("more"), bool)
        or not isinstance(meta.get("count"), int)
        or not isinstance(meta.get("heads"), dict)
        or not all(isinstance(k, str) and type(v) is int for k, v in meta["heads"].items())
    ):
        raise FramingError("pull page meta must be {more: bool, count: int, heads: {str: int}}")
    envelopes = list(frames)
    if len(envelopes) != meta["count"]:
        raise FramingError(
            f"pull page meta announces {meta['count']} records but {len(envelopes)} follow"
        )
    return PullPage(envelopes, meta["more"], dict(meta["heads"]))
