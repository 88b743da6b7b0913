"""Nothing typed is lost on the way out: a hang-up (the SSH line dropped), a termination, a
stop (ctrl+z or ``kill -TSTP``) and a suspend all save what the editors hold first, as locking,
quitting and leaving the editor do.

The signal handlers are installed only when the app runs in a real terminal: under the test
pilot the signals belong to the test process. The app passes itself and how it saves its
editors (``FieldpadApp.flush_editors``), so this module needs only Textual's ``App``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from textual.app import App

#: after a hang-up the terminal may be gone, and restoring it can block: exit regardless
EXIT_GRACE_SECONDS = 5.0


def install(app: App[Any], flush: Callable[[], None]) -> None:
    """Save the editors (``flush``) on suspend; on a real terminal, also on SIGHUP, SIGTERM
    and SIGTSTP."""
    app.app_suspend_signal.subscribe(app, lambda _app: flush())
    if app.is_headless or os.name != "posix":
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(sig, _ended, app, flush, sig)
    previous = signal.getsignal(signal.SIGTSTP)  # the terminal driver's: it stops the process
    loop.add_signal_handler(signal.SIGTSTP, _stopped, flush, previous)


def _ended(app: App[Any], flush: Callable[[], None], sig: int) -> None:
    """The line dropped or the process is told to end: save, then leave."""
    flush()
    timer = threading.Timer(EXIT_GRACE_SECONDS, os._exit, [128 + sig])
    timer.daemon = True
    timer.start()
    app.exit(return_code=128 + sig)


def _stopped(flush: Callable[[], None],
             previous: Callable[[int, Any], Any] | int | None) -> None:
    """Stopped (ctrl+z): save, then let the terminal driver stop the process as it would."""
    flush()
    if callable(previous):
        previous(signal.SIGTSTP, None)
    else:
        os.kill(os.getpid(), signal.SIGSTOP)
