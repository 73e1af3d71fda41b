"""A fix for asn1crypto taking some definite lengths for indefinite ones, which made many seals'
CMS containers three to ten times slower to build.

asn1crypto 1.5 decides that an encoded value has an indefinite length (BER, to be re-encoded as
DER) when the last byte of its header is ``0x80``. That is also the last byte of every long-form
definite length that is a multiple of 256 plus 128 (``30 82 01 80``: 384 bytes). Such a value is
then re-encoded from its parsed fields, with every value inside it, on every ``dump()``. In a
seal's CMS container the lengths change with the ECDSA signature (70 to 72 bytes) and the signing
time, so for a given seal key some signatures hit it: for the generated key on the benchmark
machine, a third of the containers took ~38 ms instead of ~11 ms in pyHanko's CMS code, and
another third ~115 ms, because the seal's certificate was re-encoded field by field. The bytes
are the same either way (a DER value re-encodes to itself).

:func:`install` makes each ``dump`` method with that check forget a header that is in fact
definite before running, so that the method recomputes the header (a few bytes) instead of the
whole value. A real indefinite length (a single ``0x80`` length octet) is still re-encoded, as
before. Reported upstream as asn1crypto issue 249; once a release reads the length octets itself,
this is a no-op and can go (``tests/pdf/seal/test_asn1_lengths.py`` shows the behaviour).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from asn1crypto import core

__all__ = ["install", "is_indefinite"]

# The classes whose own dump() has the check (asn1crypto 1.5.1).
_PATCHED = (core.Asn1Value, core.Choice, core.Primitive, core.Sequence, core.SequenceOf)
_MARK = "_signet_definite_lengths"
_lock = threading.Lock()


def is_indefinite(header: bytes) -> bool:
    """True when the last of the (explicit tag and value) headers in ``header`` has an
    indefinite length; a header that cannot be read counts as indefinite, as before."""
    i, indefinite = 0, False
    while i < len(header):
        if header[i] & 0x1F == 0x1F:  # high tag number: more tag octets, the last < 0x80
            i += 1
            while i < len(header) and header[i] & 0x80:
                i += 1
        i += 1
        if i >= len(header):
            return True
        length = header[i]
        i += 1
        indefinite = length == 0x80
        if length > 0x80:
            i += length & 0x7F
    return indefinite if i == len(header) else True


def _definite_first(dump: Callable[..., bytes]) -> Callable[..., bytes]:
    @functools.wraps(dump)
    def wrapper(self: Any, force: bool = False) -> bytes:
        header = self._header
        if header and header[-1] == 0x80 and not is_indefinite(header):
            self._header = None  # recomputed by dump, as the same bytes for a definite length
        return dump(self, force)

    setattr(wrapper, _MARK, True)
    return wrapper


def install() -> None:
    """Apply the fix to asn1crypto (once per process; safe to call again)."""
    with _lock:
        for cls in _PATCHED:
            dump = cls.__dict__.get("dump")
            if dump is not None and not getattr(dump, _MARK, False):
                cls.dump = _definite_first(dump)
