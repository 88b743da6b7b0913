"""Checks on a pushed batch before it reaches storage: framing, headers, signatures.

Runs in a worker thread (signature checks are CPU work). A batch is one stream, hash-chained:
its records are authenticated by the signature of the last one (security.md, "One signature
check per stream per batch"), so an honest batch costs one Ed25519 check, not one per record.
Each header is parsed and each envelope hashed once, here; when the whole batch chains (each
record the next seq, naming the hash of the one before) and its newest signature verifies,
that is exactly the case in which ``verify_run`` checks that one signature and finds every
record authentic, so it is not run again. Any other batch goes through ``verify_run``
unchanged, which checks each chained part and names the first bad record. Storage then checks
what needs the database: membership, the collection's epochs, contiguity, the hash chain and
that the batch follows the stored head.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store import EnvelopeError, Header, envelope_hash, parse_header, verify_run, verify_signature

from .._framing import MEDIA_TYPE, FrameTooLarge, FramingError, TooManyFrames, iter_frames
from ._errors import BadRequest, Forbidden, TooLarge, Unprocessable, UnsupportedMedia
from ._limits import Limits
from ._storage import Caller, IncomingRecord

MAX_SEQ = 2**63 - 1


def check_records_type(content_type: str) -> None:
    """Records travel in the binary framing only: refuse any other Content-Type (415)."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype != MEDIA_TYPE:
        raise UnsupportedMedia(
            f"records are sent as {MEDIA_TYPE}, not {ctype or 'no Content-Type'}"
        )


def prepare_push(
    body: bytes, collection_id: bytes, caller: Caller, limits: Limits
) -> list[IncomingRecord]:
    """Decode and check every envelope of a push body; raise an ApiError at the first bad one
    (nothing of a bad batch is stored)."""
    key = Ed25519PublicKey.from_public_bytes(caller.sign_key)
    headers: list[Header] = []
    envelopes: list[bytes] = []
    hashes: list[bytes] = []
    chained = True  # every record so far is the next seq and names the previous one's hash
    try:
        for i, env in enumerate(
            iter_frames(body, max_frame=limits.max_envelope, max_count=limits.max_batch)
        ):
            try:
                header = parse_header(env)
            except EnvelopeError as exc:
                raise Unprocessable(
                    f"record {i} is not a valid envelope: {exc}", code="malformed_envelope"
                ) from None
            if header.collection_id != collection_id:
                raise Unprocessable(
                    f"record {i} (seq {header.seq}) belongs to collection "
                    f"{header.collection_id.hex()}, not {collection_id.hex()}",
                    code="wrong_collection",
                )
            if header.device_id != caller.device_id:
                raise Forbidden(
                    f"record {i} is from device {header.device_id.hex()}: a device pushes "
                    "only its own stream",
                    code="not_your_stream",
                )
            if header.seq > MAX_SEQ:
                raise Unprocessable(f"record {i}: seq is too large", code="bad_seq")
            if i and chained:
                # same collection and device as the record before: checked just above
                chained = header.seq == headers[-1].seq + 1 and header.prev_hash == hashes[-1]
            headers.append(header)
            envelopes.append(env)
            hashes.append(envelope_hash(env))
        if envelopes and not (chained and _newest_verifies(envelopes[-1], headers[-1], key)):
            check = verify_run(envelopes, key)
            if check.failed is not None:
                raise Unprocessable(
                    f"record {check.failed} (seq {headers[check.failed].seq}): the envelope's "
                    "signature does not verify with this device's key",
                    code="bad_record_signature",
                )
    except FrameTooLarge as exc:
        raise TooLarge(
            f"record {exc.index} is {exc.length} bytes; an envelope may be at most "
            f"{limits.max_envelope}",
            code="envelope_too_large",
        ) from None
    except TooManyFrames as exc:
        raise TooLarge(
            f"at most {exc.limit} records per push: split the batch", code="batch_too_large"
        ) from None
    except FramingError as exc:
        raise BadRequest(f"bad records framing: {exc}", code="bad_framing") from None
    return [IncomingRecord(h.seq, h.prev_hash, hash_, h.epoch, env)
            for h, hash_, env in zip(headers, hashes, envelopes, strict=True)]


def _newest_verifies(envelope: bytes, header: Header, key: Ed25519PublicKey) -> bool:
    """Whether the newest record's own signature verifies: for a batch that chains from first
    to last, this one check authenticates every record (what ``verify_run`` would do)."""
    try:
        verify_signature(envelope, header, key)
    except EnvelopeError:
        return False
    return True
