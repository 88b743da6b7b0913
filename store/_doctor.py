"""``fieldpad doctor``: verify every record, chain and signature of a profile."""

from __future__ import annotations

from dataclasses import dataclass, field

from store.crypto import ZERO_HASH, Expect, envelope_hash, open_envelope, parse_header
from store.team import seq_refusal

from ._model import Damage
from ._session import Session
from .errors import EnvelopeError

# heads whose record is gone: answered from the primary key's index, never the envelope rows
MISSING_HEADS = (
    "SELECT h.note_id, h.collection_id, h.device_id, h.seq FROM heads h LEFT JOIN records r "
    "ON r.collection_id = h.collection_id AND r.device_id = h.device_id AND r.seq = h.seq "
    "WHERE r.seq IS NULL")


@dataclass
class DoctorReport:
    records: int = 0
    streams: int = 0
    problems: list[Damage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_all(session: Session) -> DoctorReport:
    """Open every record with full checks: seq, chain, stored hash, signature (and, for a
    device removed from the roster, the last seq its removal allows), commitment, decryption
    and parsing. One bad record never stops the others from being checked."""
    report = DoctorReport()
    held = {(c, d): n for c, d, n in session.db.execute(
        "SELECT collection_id, device_id, max(seq) FROM records GROUP BY 1, 2").fetchall()}
    prev: tuple[bytes, bytes] | None = None
    want_seq, want_prev = 1, ZERO_HASH
    for rec in session.streams.all():
        stream = (rec.collection_id, rec.device_id)
        if stream != prev:
            report.streams += 1
            prev, want_seq, want_prev = stream, 1, ZERO_HASH
        report.records += 1

        def bad(reason: str, rec=rec) -> None:
            report.problems.append(Damage(rec.collection_id, rec.device_id, rec.seq, reason))

        if rec.seq != want_seq:
            bad(f"gap in the stream: expected seq {want_seq}")
        if envelope_hash(rec.envelope) != rec.hash:
            bad("stored hash does not match the envelope")
        beyond = seq_refusal(session, rec.collection_id, rec.device_id, rec.seq, held[stream])
        if beyond is not None:
            bad(beyond)
        try:
            header = parse_header(rec.envelope)
            if header.prev_hash != want_prev and rec.seq == want_seq:
                bad("hash chain broken: prev_hash does not name the previous record")
            open_envelope(rec.envelope, session.keyring.resolver(rec.collection_id),
                          session.signer_for(rec.collection_id),
                          Expect(rec.collection_id, rec.device_id, rec.seq))
        except EnvelopeError as exc:
            bad(str(exc))
        want_seq, want_prev = rec.seq + 1, rec.hash
    heads = session.db.execute(MISSING_HEADS).fetchall()
    for _note, c, d, s in heads:
        report.problems.append(Damage(c, d, s, "a note head names a record that is missing"))
    return report
