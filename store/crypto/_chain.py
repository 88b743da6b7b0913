"""A run of one stream's envelopes authenticated with one signature check (ENVELOPE.md, "Runs").

Each header names the SHA-256 of the previous envelope of its stream (``prev_hash``), and the
signature covers the header. So a record whose signature verifies vouches for every record it
chains back to: their bytes, own signatures included, are fixed by the hash it signed. A run
that chains from first to last needs only its last signature checked; where the chain breaks,
each chained segment is checked by its own last signature. Only when that check fails are the
segment's records checked one by one, to name the first bad one (the others are kept).

No I/O: callers (the server's push, the client's pull) check that the run's first record
follows the stream's stored head, and what each record may say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from store.errors import EnvelopeError

from ._envelope import Header, envelope_hash, parse_header, verify_signature


@dataclass(frozen=True, slots=True)
class RunCheck:
    """What :func:`verify_run` found. ``authentic[i]`` is True when record ``i``'s bytes are
    the signer's: its own signature verified, or that of a record chained after it. ``failed``
    is the index of the first record that is not (``error`` says why), None when all are.
    ``hashes`` are the envelopes' ``envelope_hash``es, for callers that store them."""

    authentic: tuple[bool, ...]
    failed: int | None = None
    error: EnvelopeError | None = None
    signatures: int = 0  # how many Ed25519 verifications it took
    hashes: tuple[bytes, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed is None


def _links(a: Header, a_hash: bytes, b: Header) -> bool:
    """Whether ``b`` is the record that follows ``a`` in the same stream."""
    return (b.collection_id == a.collection_id and b.device_id == a.device_id
            and b.seq == a.seq + 1 and b.prev_hash == a_hash)


def verify_run(envelopes: Sequence[bytes], public_key: Ed25519PublicKey | None) -> RunCheck:
    """Authenticate a run of envelopes of one stream, in seq order, with as few signature
    checks as the chain allows: one for a run that chains from first to last.

    ``public_key`` is the stream's signing key (None: the device may not sign here, and
    nothing is authentic). A record that does not parse fails on its own and ends its
    segment. A broken link is not itself an error here (the callers report gaps, forks and
    broken chains in their own words); it only means the records before it need their own
    check.
    """
    n = len(envelopes)
    authentic = [False] * n
    headers: list[Header | None] = []
    errors: dict[int, EnvelopeError] = {}
    for i, env in enumerate(envelopes):
        try:
            headers.append(parse_header(env))
        except EnvelopeError as exc:
            headers.append(None)
            errors[i] = exc
    hashes = tuple(envelope_hash(env) for env in envelopes)
    signatures = 0

    def check(i: int) -> EnvelopeError | None:
        nonlocal signatures
        h = headers[i]
        assert h is not None
        signatures += 1
        try:
            verify_signature(envelopes[i], h, public_key)
        except EnvelopeError as exc:
            return exc
        return None

    start = 0
    while start < n:
        if headers[start] is None:
            start += 1
            continue
        end = start  # the segment is [start, end]: each record links to the one before
        while end + 1 < n:
            a, b = headers[end], headers[end + 1]
            if b is None or a is None or not _links(a, hashes[end], b):
                break
            end += 1
        if check(end) is None:
            authentic[start:end + 1] = [True] * (end + 1 - start)
        else:
            # the last signature does not verify: check each record of the segment on its
            # own, so the first bad one is named and those before it are kept
            for i in range(start, end + 1):
                bad = check(i)
                if bad is not None:
                    errors[i] = bad
                    break
                authentic[i] = True
        start = end + 1
    failed = next((i for i in range(n) if not authentic[i]), None)
    error = None
    if failed is not None:
        error = errors.get(failed)
        if error is None:  # after a failure in its segment, never checked on its own
            h = headers[failed]
            error = EnvelopeError(h.ref if h else None, "follows a record that failed")
    return RunCheck(tuple(authentic), failed, error, signatures, hashes)
