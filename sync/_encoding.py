"""base64url as the wire carries it (RFC 4648 §5, padding optional). Standard library only: the
sync client imports this in a base install, where pydantic (the server's) is absent."""

from __future__ import annotations

import base64
import binascii
import re

B64URL_PATTERN = r"^[A-Za-z0-9_-]+={0,2}$"


def b64url(data: bytes) -> str:
    """Encode without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_b64url(value: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError if it is not base64url."""
    if not re.fullmatch(B64URL_PATTERN, value):
        raise ValueError("not base64url")
    stripped = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
