"""The sync server: a zero-knowledge relay and store of envelopes (DESIGN §5).

Nothing here is imported by ``fieldpad --version`` or the TUI: the CLI imports this package
only for ``fieldpad serve`` and ``fieldpad server admin``.
"""

from ._admin import admin_main
from ._auth import new_code
from ._errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unprocessable,
    UnsupportedMedia,
)
from ._limits import Limits
from ._serve import serve_main
from ._storage import Storage, open_storage
from .app import create_app

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "Limits",
    "NotFound",
    "RateLimited",
    "Storage",
    "TooLarge",
    "Unauthorized",
    "Unprocessable",
    "UnsupportedMedia",
    "admin_main",
    "new_code",
    "create_app",
    "open_storage",
    "serve_main",
]
