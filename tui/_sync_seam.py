"""The one seam between the app and the sync client: a function the app calls in a worker thread.

The app never imports ``sync``: whoever starts it passes ``sync_now`` (see ``FieldpadApp``)::

    def sync_now(session: Session, progress: Callable[[SyncProgress], None]) -> SyncResult

It runs in a thread worker (the UI stays live), may call ``progress`` as often as it likes (the
app hands every call to the UI thread), and returns a :class:`SyncResult` - it should not raise
for a network problem but say it in ``errors``; anything it does raise is shown in words. After
it returns the app re-reads ``session.notes`` (so a pull that added or merged notes shows up)
and lists every note whose state is ``conflicted``.

Without a configured server the default, :func:`offline`, says so and changes nothing.

The team screen's network actions (invite, join, remove, revoke) go through a second seam the
same way, ``team_now`` (:class:`TeamNow`); its default, :func:`no_team_server`, says that no
server is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from store import Inspection, Session


@dataclass(frozen=True)
class SyncProgress:
    """One step of a sync: ``done`` of ``total`` records in ``stage`` (``total`` None: unknown).

    ``stage`` is a short line for the user, e.g. ``"Northshire 2026 · team: pulling"``.
    """

    stage: str
    done: int = 0
    total: int | None = None


@dataclass(frozen=True)
class SyncResult:
    """What a sync did, in numbers and words.

    ``ok``: everything that should have gone up went up and everything there was came down.
    ``offline``: nothing was tried (no server configured). ``server``: the server's URL, shown
    in the title. ``up``/``down``: records pushed and pulled. ``merged``: notes merged
    automatically. ``errors``: what went wrong, each a sentence for the user (never a
    traceback). ``lines``: anything else worth a line of its own (per-collection summaries).
    """

    ok: bool
    offline: bool = False
    server: str = ""
    up: int = 0
    down: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    merged: int = 0
    seconds: float = 0.0
    errors: tuple[str, ...] = ()
    lines: tuple[str, ...] = field(default=())


ProgressCallback = Callable[[SyncProgress], None]


class SyncNow(Protocol):
    def __call__(self, session: Session, progress: ProgressCallback) -> SyncResult: ...


class EnrolNow(Protocol):
    """Enrol this device with ``url`` using a one-time ``code``; return a line for the user
    (the device fingerprint). Raise ``store.FieldpadError`` with a sentence if it fails."""

    def __call__(self, session: Session, url: str, code: str) -> str: ...


class TeamNow(Protocol):
    """A team action on ``inspection`` that needs the server at once (DESIGN §6, issue 7).

    ``action`` is ``"invite"`` (``user``, ``role`` member|lead: returns the one-time code),
    ``"join"`` (``code``: returns a sentence), ``"remove"`` (``user``: a sentence),
    ``"revoke"`` (``device``: a device id or fingerprint prefix; a sentence) or ``"pair"``
    (``reader``, ``inspector``, ``until``: the reader's one-time code, or "" when the reader
    is on the team already). It runs in a
    thread worker. Raise ``store.FieldpadError`` with a sentence if it fails; nothing changed
    locally then unless the server took the change.
    """

    def __call__(self, session: Session, inspection: Inspection, action: str,
                 **kw: str) -> str: ...


#: What the default team seam says: without a server no team change can be made.
NO_TEAM_SERVER = ("No server is configured: inviting, joining, removing and revoking need the "
                  "server at once. Enrol this device with `fieldpad enrol URL CODE` first.")


def no_team_server(session: Session, inspection: Inspection, action: str, **kw: str) -> str:
    """The default team seam: no server is configured, so every team action says so."""
    from store import FieldpadError

    raise FieldpadError(NO_TEAM_SERVER)


def offline(session: Session, progress: ProgressCallback) -> SyncResult:
    """The default: no server is configured, so the app works offline and says how to enrol."""
    return SyncResult(
        ok=False,
        offline=True,
        errors=("No server is configured: fieldpad works offline and keeps everything on "
                "this device. To sync, enrol this device with `fieldpad enrol URL CODE`.",),
    )
