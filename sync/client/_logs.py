"""The sync client's log on stderr, for ``fieldpad sync -v``: retries, waits and what each
step did, as ``event=... key=value`` lines with ids cut to 8 hex digits and counts; never a
name, a title or note text (the log calls in this package pass only those)."""

from __future__ import annotations

import logging
import sys

LOGGER = "fieldpad.sync"


def log_to_stderr(verbosity: int) -> None:
    """``verbosity`` 1 (``-v``): retries, waits, pushes, pulls and the summary; 2 or more
    (``-vv``): every request too. 0: nothing (the default: problems are told in words)."""
    if verbosity <= 0:
        return
    logger = logging.getLogger(LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("fieldpad.sync: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
    logger.propagate = False
