"""Reading Markdown files for ``fieldpad note import``: one note a file, first heading as title."""

from __future__ import annotations

import re
from pathlib import Path

from store import FieldpadError

SUFFIXES = {".md", ".markdown"}
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
MAX_FILE = 1024 * 1024


def collect_markdown(paths: list[Path]) -> list[Path]:
    """Files named, and Markdown files under folders named (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES
                              and f.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise FieldpadError(f"no such file or folder: {p}")
    return out


def parse_markdown(path: Path) -> tuple[str, str]:
    """(title, body): the first heading is the title (else the file name); the rest is body."""
    if path.stat().st_size > MAX_FILE:
        raise FieldpadError(f"{path} is larger than 1 MiB; split it before importing")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FieldpadError(f"{path} is not UTF-8 text") from None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(1).strip():
            body = "\n".join(lines[:i] + lines[i + 1:]).strip("\n")
            return m.group(1)[:200], body
        if line.strip():
            break
    return path.stem.replace("_", " ").replace("-", " ")[:200], text.strip("\n")
