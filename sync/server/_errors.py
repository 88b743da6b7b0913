"""The server's error hierarchy: each maps to one HTTP status and a stable ``error`` code.

Raised by the storage backends and the app alike; the app turns every one into the JSON body
``{"error": code, "message": message}``. Messages name ids and limits, never secrets.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base: ``status`` is the HTTP status, ``code`` the machine-readable reason."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(ApiError):
    """The request itself is malformed (framing, encoding)."""


class Unauthorized(ApiError):
    """Raised when a request is not signed by an active, enrolled device (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """Raised when the signed caller may not do this: not an active member, not a lead (403)."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """Raised when a user, inspection or device does not exist (404)."""

    status = 404
    code = "not_found"


class Conflict(ApiError):
    """Raised on a clash with stored state: an id already used, a fork in a stream (409)."""

    status = 409
    code = "conflict"


class Gone(ApiError):
    """Raised for what existed and was deliberately ended: a purged inspection, an expired
    invitation (410). Clients stop retrying and clean up."""

    status = 410
    code = "gone"


class TooManyTries(ApiError):
    """Raised when an invitation had too many join attempts (429). Unlike RateLimited it is
    final, so it carries no Retry-After."""

    status = 429
    code = "too_many_tries"


class TooLarge(ApiError):
    """Raised when a body or an envelope is above the limit (413)."""

    status = 413
    code = "too_large"


class UnsupportedMedia(ApiError):
    """Raised for a Content-Type or Content-Encoding the endpoint does not take (415)."""

    status = 415
    code = "unsupported_media_type"


class Unprocessable(ApiError):
    """Raised when well-formed input breaks a rule: a gap in a stream, an unknown epoch (422)."""

    status = 422
    code = "unprocessable"


class NotReady(ApiError):
    """Raised by the readiness check when the database does not answer (503)."""

    status = 503
    code = "not_ready"


class RateLimited(ApiError):
    """Raised when a device or client sends faster than its token bucket allows (429)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
