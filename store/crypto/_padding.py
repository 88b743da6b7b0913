"""Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
Communication with PURBs", PETS 2019).

Why Padmé: the server sees each envelope's size, and a note's size says something about it (a
one-line title against a long interview). Padding every record to a power of two would hide more
but costs up to 100 % overhead; Padmé rounds a length L up so that only O(log log L) bits of it
remain, at most 12 % overhead (under 6 % past a few KB). The end of the data is marked ISO/IEC
7816-4 style (one 0x80 byte, then zeros), so unpadding needs no length field.
"""

from __future__ import annotations


def padme_length(n: int) -> int:
    """The Padmé length for ``n`` bytes (``n >= 1``)."""
    if n < 2:
        return max(n, 1)
    e = n.bit_length() - 1  # floor(log2 n)
    s = e.bit_length()  # floor(log2 e) + 1
    last_bits = e - s
    mask = (1 << last_bits) - 1
    return (n + mask) & ~mask


def pad(data: bytes) -> bytes:
    target = padme_length(len(data) + 1)
    return data + b"\x80" + bytes(target - len(data) - 1)


def unpad(data: bytes) -> bytes:
    end = data.rfind(b"\x80")
    if end < 0 or any(data[end + 1 :]):
        raise ValueError("bad padding")
    return data[:end]
