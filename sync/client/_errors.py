"""What can go wrong talking to the server, each with the exit code of DESIGN §7."""

from __future__ import annotations

from store import FieldpadError


class SyncError(FieldpadError):
    """Base of sync failures. The local store is intact whenever one is raised."""

    exit_code = 1


class NetworkError(SyncError):
    """The server could not be reached, or kept failing (timeouts, dropped connections, 5xx),
    after the retries. Exit code 4."""

    exit_code = 4


class ServerRefused(SyncError):
    """The server answered 4xx: ``status`` and ``code`` say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code = status, code
        super().__init__(f"the server refused ({status} {code}): {message}")


class AccessDenied(ServerRefused):
    """401/403: this device is revoked, not enrolled, or no longer a member. Exit code 5 (the
    device, not the passphrase: 3 is for a locked vault or a wrong passphrase)."""

    exit_code = 5


class ForkError(ServerRefused):
    """409: the server holds a different record at a seq this device wrote. Never resolved
    silently: run ``fieldpad doctor`` and contact the server's administrator."""


class NotConfigured(SyncError):
    """No server is set for this profile (``fieldpad enrol URL CODE`` sets it)."""
