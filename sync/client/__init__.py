"""The sync client: a signed httpx client and the engine that syncs a session with a server."""

from ._engine import Progress, SyncEngine, SyncReport, sync
from ._errors import AccessDenied, ForkError, NetworkError, NotConfigured, ServerRefused, SyncError
from ._http import RetryPolicy, SyncClient, Traffic
from ._logs import log_to_stderr

__all__ = [
    "AccessDenied",
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
    "Traffic",
    "client_for",
    "fingerprint",
    "log_to_stderr",
    "sync",
]


def fingerprint(sign_pub: bytes) -> str:
    """A short, readable device fingerprint to compare in person: 20 base32 characters of the
    SHA-256 of the signing key, in groups of four (100 bits)."""
    from store._teamview import fingerprint_text

    return fingerprint_text(sign_pub)


def client_for(session, transport=None, **kwargs) -> SyncClient:  # noqa: ANN001
    """A client for the server configured in this profile's settings."""
    url = session.settings().get("server")
    if not url:
        raise NotConfigured("no server is set for this profile: run `fieldpad enrol URL CODE` "
                            "first (or keep working offline)")
    kwargs.setdefault("ca_file", session.settings().get("ca_file") or None)
    return SyncClient(url, session.device_id, session.keys.device.signing, transport=transport,
                      **kwargs)
