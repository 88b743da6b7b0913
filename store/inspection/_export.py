"""Export for report writing: Markdown per note, CSV tables and one DOCX evidence summary.

What each note says (every field of its template, in order, with labels; who wrote it; its
tagged passages) is put together once in ``_report``; ``_export_text`` lays it out as Markdown
and CSV, ``_export_docx`` as DOCX (python-docx is imported only for that format).

Exports are plaintext: they are written only into the folder the user names, which must be
empty unless ``overwrite=True``; every file is created with mode 0o600 and never through a
symbolic link. A concern form's sealed child identifier is never written unless sealed fields
are asked for on a lead's device; any sealed value that also turns up in a note's title, text
or other fields is replaced by ``[sealed]`` either way.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from store import Inspection
from store.errors import FieldpadError

from ._report import REDACTED, SealedNotAllowed, build_report
from ._reviews import grade_summary

if TYPE_CHECKING:
    from store import Session

__all__ = [
    "PLAINTEXT_WARNING",
    "EXPORT_FORMATS",
    "REDACTED",
    "ExportError",
    "SealedNotAllowed",
    "export_inspection",
    "grade_summary",
    "safe_filename",
]

#: Said wherever an export is written (CLI and app): the files leave fieldpad's encryption.
PLAINTEXT_WARNING = (
    "Exported files are plaintext, outside fieldpad's encryption. Keep them only on "
    "encrypted media, share them only as your inspection's data handling allows, and delete "
    "them when the report no longer needs them."
)

EXPORT_FORMATS: tuple[str, ...] = ("md", "csv", "docx")
_NAME_MAX = 60
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})
_FILE_MODE = 0o600


class ExportError(FieldpadError):
    """Raised when an export cannot be written (folder not empty, not a folder, a link)."""


# -- file writing -------------------------------------------------------------------------------
class _Folder:
    def __init__(self, out_dir: Path, overwrite: bool) -> None:
        self.path = Path(out_dir)
        self.overwrite = overwrite
        self.created: list[Path] = []
        self.written: list[Path] = []
        self.made_folder = False
        if self.path.exists():
            if not self.path.is_dir():
                raise ExportError(f"{self.path} is not a folder")
            if any(self.path.iterdir()) and not overwrite:
                raise ExportError(f"{self.path} is not empty: choose an empty folder, or "
                                  "overwrite files of the same names with --overwrite")
        else:
            self.path.mkdir(parents=True, mode=0o700)
            self.made_folder = True

    def write(self, name: str, data: bytes) -> Path:
        path = self.path / name
        existed = path.exists() or path.is_symlink()
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        if not self.overwrite:
            flags |= os.O_EXCL
        try:
            fd = os.open(path, flags, _FILE_MODE)
        except FileExistsError:
            raise ExportError(f"{path} already exists; use --overwrite to replace it") from None
        except OSError as exc:
            if path.is_symlink():
                raise ExportError(f"{path} is a symbolic link; not writing through it") from None
            raise exc
        if not existed:
            self.created.append(path)
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), _FILE_MODE)  # an overwritten file keeps no wider mode
            f.write(data)
        self.written.append(path)
        return path

    def undo(self) -> None:
        for path in self.created:
            path.unlink(missing_ok=True)
        if self.made_folder and not any(self.path.iterdir()):
            self.path.rmdir()


def safe_filename(title: str, taken: set[str], suffix: str = ".md") -> str:
    """A portable file name from a title, unique (ignoring case) among ``taken``, which it
    updates: ASCII letters, digits and ``-``, at most 60 characters before the suffix."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:_NAME_MAX].strip("-") or "note"
    if stem in _RESERVED:
        stem = f"note-{stem}"
    name, n = stem + suffix, 1
    while name.casefold() in taken:
        n += 1
        name = f"{stem}-{n}{suffix}"
    taken.add(name.casefold())
    return name


# -- the export ---------------------------------------------------------------------------------
def export_inspection(session: Session, inspection: Inspection, fmt: str, out_dir: Path, *,
                      overwrite: bool = False, now: datetime | None = None,
                      include_sealed: bool = False) -> list[Path]:
    """Write an inspection's notes (not deleted ones) into ``out_dir``; return the paths.

    ``md``: one file per note; ``csv``: every field of every note, the tagged passages, the
    record review grades and the evidence matrix; ``docx``: one evidence summary. Raises
    :class:`ExportError` if ``out_dir`` is not empty (unless ``overwrite``), and writes nothing
    then; if writing fails midway, the files this export created are removed again.
    ``include_sealed`` (a lead's device only, :class:`SealedNotAllowed` otherwise) writes the
    plaintext of sealed fields this device can open.
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: "
                          + ", ".join(EXPORT_FORMATS))
    report = build_report(session, inspection, include_sealed=include_sealed)
    now = now or datetime.now(UTC)
    folder = _Folder(Path(out_dir), overwrite)
    try:
        if fmt == "md":
            from ._export_text import markdown

            taken: set[str] = set()
            for r in report.notes:
                folder.write(safe_filename(r.title, taken), markdown(r, report).encode("utf-8"))
        elif fmt == "csv":
            from ._export_text import csv_files

            for name, data in csv_files(report):
                folder.write(name, data)
        else:
            from ._export_docx import SUMMARY_DOCX, docx_file

            folder.write(SUMMARY_DOCX, docx_file(report, now))
    except BaseException:
        folder.undo()
        raise
    return list(folder.written)
