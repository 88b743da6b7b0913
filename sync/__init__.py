"""fieldpad's wire: protocol types, request signing, record framing, the client and the server.

The server lives in ``sync.server`` and is imported only by the commands that run it.
"""

from ._framing import MEDIA_TYPE, FramingError, PullPage, decode_pull_page, encode_frames
from ._signing import DeviceAuth, SignatureError, sign_request, verify_request

__all__ = [
    "MEDIA_TYPE",
    "DeviceAuth",
    "FramingError",
    "PullPage",
    "SignatureError",
    "decode_pull_page",
    "encode_frames",
    "sign_request",
    "verify_request",
]
