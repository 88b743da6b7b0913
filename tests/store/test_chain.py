"""verify_run: a chained run of one stream's envelopes authenticated by one signature check,
and every forgery, reordering or single-byte corruption still caught and named."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from store import ZERO_HASH, BadSignature, Header, envelope_hash, seal, verify_run

SK = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PK = SK.public_key()
OTHER = Ed25519PrivateKey.generate()
CK = os.urandom(32)
COLL, DEV = os.urandom(16), os.urandom(16)


def stream(n: int, start: int = 1, prev: bytes = ZERO_HASH, key=SK) -> list[bytes]:
    out = []
    for seq in range(start, start + n):
        env = seal(Header(COLL, DEV, seq, prev, 1), {"type": "note.rev", "i": seq}, CK, key)
        prev = envelope_hash(env)
        out.append(env)
    return out


RUN = stream(8)


def flip(env: bytes, at: int) -> bytes:
    b = bytearray(env)
    b[at] ^= 0x01
    return bytes(b)


def rechain(envs: list[bytes], start: int) -> list[bytes]:
    """What a forger without the key can do after changing record ``start``: rewrite each
    later header's prev_hash so the chain holds again (their signatures then no longer do)."""
    out = list(envs)
    for i in range(start + 1, len(out)):
        out[i] = out[i][:46] + envelope_hash(out[i - 1]) + out[i][78:]
    return out


def test_an_honest_run_takes_one_signature_check() -> None:
    check = verify_run(RUN, PK)
    assert check.ok and check.authentic == (True,) * 8 and check.signatures == 1
    assert check.hashes == tuple(envelope_hash(e) for e in RUN)
    assert verify_run(RUN[3:], PK).signatures == 1  # a run need not start at seq 1
    assert verify_run([], PK).ok


def test_a_forged_record_in_the_middle_is_named_and_those_before_it_kept() -> None:
    forged = list(RUN)
    forged[3] = flip(RUN[3], 150)  # the ciphertext: record 4 no longer chains to it
    check = verify_run(forged, PK)
    assert check.failed == 3 and isinstance(check.error, BadSignature)
    assert check.authentic == (True, True, True, False, True, True, True, True)
    # the forger rewrites the chain after it: the last signature fails, each is checked alone
    check = verify_run(rechain(forged, 3), PK)
    assert check.failed == 3 and isinstance(check.error, BadSignature)
    assert check.authentic[:3] == (True,) * 3 and not any(check.authentic[3:])


def test_a_forged_last_record_is_caught() -> None:
    check = verify_run(RUN[:-1] + [flip(RUN[-1], len(RUN[-1]) - 1)], PK)
    assert check.failed == 7 and check.authentic == (True,) * 7 + (False,)


def test_a_record_signed_by_another_key_or_no_key_is_not_authentic() -> None:
    check = verify_run(RUN[:3] + stream(1, 4, envelope_hash(RUN[2]), key=OTHER), PK)
    assert check.failed == 3 and check.authentic == (True, True, True, False)
    none = verify_run(RUN, None)
    assert none.failed == 0 and not any(none.authentic)


def test_a_reordered_run_is_checked_record_by_record_and_stays_authentic() -> None:
    # reordering breaks every link: each record is its own segment, checked on its own;
    # the callers refuse the order (a gap), not the records
    order = [RUN[1], RUN[0], RUN[3], RUN[2]]
    check = verify_run(order, PK)
    assert check.ok and check.signatures == 4


def test_a_swapped_signature_is_caught() -> None:
    a, b = RUN[2], RUN[3]
    swapped = list(RUN)
    swapped[2] = a[:-64] + b[-64:]
    check = verify_run(swapped, PK)
    assert check.failed == 2


def test_garbage_in_the_run_fails_alone() -> None:
    check = verify_run(RUN[:2] + [os.urandom(300)] + RUN[3:], PK)
    assert check.failed == 2 and check.authentic == (True, True, False) + (True,) * 5


def test_a_signer_vouches_for_its_own_badly_signed_predecessor() -> None:
    """The limit stated in ENVELOPE.md: only the key holder can sign a successor of a record
    whose own signature is garbage; the run accepts it (its bytes are the signer's), and a
    check of each signature (doctor) flags it."""
    first = seal(Header(COLL, DEV, 1, ZERO_HASH, 1), {"type": "note.rev"}, CK, SK)
    garbage = first[:-64] + bytes(64)
    second = seal(Header(COLL, DEV, 2, envelope_hash(garbage), 1), {"type": "note.rev"}, CK, SK)
    assert verify_run([garbage, second], PK).ok
    assert verify_run([garbage], PK).failed == 0


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 6), data=st.data())
def test_any_single_byte_corruption_is_detected(n: int, data: st.DataObject) -> None:
    envs = RUN[:n]
    k = data.draw(st.integers(0, n - 1), label="record")
    at = data.draw(st.integers(0, len(envs[k]) - 1), label="byte")
    mask = data.draw(st.integers(1, 255), label="xor")
    b = bytearray(envs[k])
    b[at] ^= mask
    corrupted = envs[:k] + [bytes(b)] + envs[k + 1:]
    check = verify_run(corrupted, PK)
    assert check.failed == k
    assert check.authentic == tuple(i != k for i in range(n))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_signature_checks_grow_with_breaks_not_records(n: int) -> None:
    two = stream(3) + stream(3, prev=os.urandom(32))  # two chained parts
    assert verify_run(two[:n], PK).signatures == (1 if n <= 3 else 2)
