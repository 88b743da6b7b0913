"""Reading text that a user points fieldpad at (``--body-file``, ``note import``): with a
bound, strictly as UTF-8, refusing binary files and links that lead out of the folder named.

Everything here fails with :class:`BadInputFile` (exit 2, DESIGN §7) before anything is
changed, and the message names the file and what to do; it never quotes the file's content.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

from store import FieldpadError
from store.inspection import BODY_MAX_LENGTH

# a body of BODY_MAX_LENGTH characters is at most 4 bytes each in UTF-8
BODY_MAX_BYTES = BODY_MAX_LENGTH * 4
STDIN = "-"


class BadInputFile(FieldpadError):
    """A file (or standard input) fieldpad was asked to read is too large, not UTF-8 text,
    binary, or a link leading out of the folder it was found in. Nothing was changed."""

    exit_code = 2


def read_text(path: str | Path, *, limit: int = BODY_MAX_BYTES) -> str:
    """The whole text of ``path`` (``-`` for standard input), at most ``limit`` bytes, decoded
    strictly. Reads at most ``limit + 1`` bytes whatever the file is (``/dev/zero``, a pipe)."""
    name = "standard input" if str(path) == STDIN else str(path)
    if str(path) == STDIN:
        data = _read_bounded(sys.stdin.buffer, limit)
    else:
        try:
            with open(path, "rb") as f:
                data = _read_bounded(f, limit)
        except IsADirectoryError:
            raise BadInputFile(f"{name} is a folder, not a text file") from None
    return decode_text(data, name, limit)


def _read_bounded(stream: BinaryIO, limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def decode_text(data: bytes, name: str, limit: int) -> str:
    if len(data) > limit:
        raise BadInputFile(f"{name} is larger than {_size(limit)}: a note's text is at most "
                           f"{BODY_MAX_LENGTH:,} characters; split it or shorten it")
    if b"\x00" in data:
        raise BadInputFile(f"{name} looks like a binary file (it holds NUL bytes), not text: "
                           "give a Markdown or plain text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputFile(f"{name} is not UTF-8 text (byte {exc.start + 1} cannot be read): "
                           "save it as UTF-8 text and try again") from None


def inside(path: Path, folder: Path) -> Path:
    """``path`` with every link resolved, if it still lies within ``folder``; otherwise
    :class:`BadInputFile`: a link in a folder must not bring in a file from elsewhere
    (a ``passwd.md`` pointing at ``/etc/passwd``)."""
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    if not real.is_relative_to(root):
        raise BadInputFile(f"{path} is a link to a file outside {folder}; copy the file in "
                           "if you mean to import it")
    return real


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"
