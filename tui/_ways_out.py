"""Nothing typed is lost on the way out: a hang-up (the SSH line dropped), a termination, a
stop (ctrl+z or ``kill -TSTP``) and a suspend all save what the editors hold first, as locking,
quitting and leaving the editor do.

The signal handlers are installed only when the app runs in a real terminal: under the test
pilot the signals belong to the test process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import FieldpadApp

#: after a hang-up the terminal may be gone, and restoring it can block: exit regardless
EXIT_GRACE_SECONDS = 5.0


def install(app: FieldpadApp) -> None:
    """Save the editors on suspend; on a real terminal, also on SIGHUP, SIGTERM and SIGTSTP."""
    app.app_suspend_signal.subscribe(app, lambda _app: app.flush_editors())
    if app.is_headless or os.name != "posix":
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(sig, _ended, app, sig)
    previous = signal.getsignal(signal.SIGTSTP)  # the terminal driver's: it stops the process
    loop.add_signal_handler(signal.SIGTSTP, _stopped, app, previous)


def _ended(app: FieldpadApp, sig: int) -> None:
    """The line dropped or the process is told to end: save, then leave."""
    app.flush_editors()
    timer = threading.Timer(EXIT_GRACE_SECONDS, os._exit, [128 + sig])
    timer.daemon = True
    timer.start()
    app.exit(return_code=128 + sig)


def _stopped(app: FieldpadApp, previous: Callable[[int, Any], Any] | int | None) -> None:
    """Stopped (ctrl+z): save, then let the terminal driver stop the process as it would."""
    app.flush_editors()
    if callable(previous):
        previous(signal.SIGTSTP, None)
    else:
        os.kill(os.getpid(), signal.SIGSTOP)
