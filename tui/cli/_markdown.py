"""Reading Markdown files for ``fieldpad note import``: one note a file, first heading as title."""

from __future__ import annotations

import re
from pathlib import Path

from store import FieldpadError

from ._input_files import inside, read_text

SUFFIXES = {".md", ".markdown"}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
MAX_FILE = 1024 * 1024


def collect_markdown(paths: list[Path]) -> list[Path]:
    """Files named, and Markdown files under folders named (sorted, recursive). A link that
    leads out of its folder (the folder named, or a named file's own folder) is refused."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES
                           and f.is_file())
            out.extend(f for f in found if inside(f, p))
        elif p.is_file() and inside(p, p.parent):
            out.append(p)
        else:
            raise FieldpadError(f"no such file or folder: {p}")
    return out


def parse_markdown(path: Path) -> tuple[str, str]:
    """(title, body): the first heading is the title (else the file name); the rest is body."""
    text = read_text(path, limit=MAX_FILE)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(1).strip():
            body = "\n".join(lines[:i] + lines[i + 1:]).strip("\n")
            return m.group(1)[:200], body
        if line.strip():
            break
    return path.stem.replace("_", " ").replace("-", " ")[:200], text.strip("\n")
