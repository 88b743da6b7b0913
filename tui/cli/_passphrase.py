"""Getting a passphrase: from a terminal prompt, or for scripts from a file descriptor or file.

Never from an argument or an environment variable: those leak into process lists and shells.
"""

from __future__ import annotations

import argparse
import os
import sys

from store import FieldpadError, LockedError

MAX_PASSPHRASE_INPUT = 64 * 1024  # a few passphrase lines; never read a device without end


class PassphraseSource:
    def __init__(self, args: argparse.Namespace) -> None:
        self.fd: int | None = getattr(args, "passphrase_fd", None)
        self.file: str | None = getattr(args, "passphrase_file", None)
        self._lines: list[str] | None = None

    @property
    def scripted(self) -> bool:
        return self.fd is not None or self.file is not None

    def _read_lines(self) -> list[str]:
        if self._lines is None:
            # every problem here is a passphrase problem: exit 3 (DESIGN §7), never the text
            try:
                if self.fd is not None:
                    with os.fdopen(self.fd, "rb", closefd=False) as f:
                        data = f.read(MAX_PASSPHRASE_INPUT + 1)
                else:
                    assert self.file is not None
                    with open(self.file, "rb") as f:
                        data = f.read(MAX_PASSPHRASE_INPUT + 1)
            except OSError as exc:
                raise LockedError(f"cannot read the passphrase: {exc.strerror}") from None
            if len(data) > MAX_PASSPHRASE_INPUT:
                raise LockedError("the passphrase file or descriptor holds more than "
                                  f"{MAX_PASSPHRASE_INPUT // 1024} KiB: give a file with the "
                                  "passphrase on its first line")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise LockedError("the passphrase file or descriptor is not UTF-8 text") from None
            self._lines = text.splitlines()
        return self._lines

    def line(self, index: int, what: str) -> str:
        lines = self._read_lines()
        if index >= len(lines) or not lines[index]:
            raise LockedError(f"the passphrase file or descriptor has no line for the {what}")
        return lines[index]

    def get(self, prompt: str = "Passphrase: ") -> str:
        if self.scripted:
            return self.line(0, "passphrase")
        return _prompt(prompt)

    def new(self, index: int = 0, what: str = "new passphrase") -> str:
        """A new passphrase: line ``index`` when scripted, else asked twice."""
        if self.scripted:
            return self.line(index, what)
        first = _prompt("New passphrase (at least 10 characters; a few words work well): ")
        second = _prompt("The same again: ")
        if first != second:
            raise FieldpadError("the two passphrases differ; nothing was changed")
        return first


def _prompt(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise LockedError(
            "no terminal to ask for the passphrase: use --passphrase-fd N or --passphrase-file PATH"
        )
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise LockedError("no passphrase given") from None
