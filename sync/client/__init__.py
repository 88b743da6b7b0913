"""The sync client: a signed httpx client and the engine that syncs a session with a server."""

from ._engine import SyncEngine, sync
from ._enrol import Enrolment, enrol
from ._errors import AccessDenied, ForkError, NetworkError, NotConfigured, ServerRefused, SyncError
from ._http import RetryPolicy, SyncClient, Traffic, client_for
from ._report import Progress, SyncReport
from ._team import (
    Team,
    TeamDevice,
    TeamError,
    find_device,
    join,
    request_server_purge,
    team_roster,
    team_view,
)

__all__ = [
    "AccessDenied",
    "Enrolment",
    "ForkError",
    "NetworkError",
    "NotConfigured",
    "Progress",
    "RetryPolicy",
    "ServerRefused",
    "SyncClient",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "Team",
    "TeamDevice",
    "TeamError",
    "Traffic",
    "client_for",
    "enrol",
    "find_device",
    "fingerprint",
    "join",
    "request_server_purge",
    "sync",
    "team_roster",
    "team_view",
]


def fingerprint(sign_pub: bytes) -> str:
    """A short, readable device fingerprint to compare in person: 20 base32 characters of the
    SHA-256 of the signing key, in groups of four (100 bits)."""
    from store.team import fingerprint_text

    return fingerprint_text(sign_pub)
