"""The original's hash, made once: right for whatever bytes it is asked about."""

from __future__ import annotations

import hashlib
import io

from signet.pdf.original_hash import OriginalHash

from .factories import create_pdf


def test_the_hash_of_a_file_that_continues_the_original_is_its_sha256() -> None:
    original = create_pdf(2)
    hashed = OriginalHash(original)
    longer = original + b"\n% an incremental update\n"

    assert hashed.hexdigest_of(longer) == hashlib.sha256(longer).hexdigest()
    assert hashed.hexdigest_of(original) == hashlib.sha256(original).hexdigest()


def test_bytes_that_do_not_start_with_the_original_are_hashed_in_full() -> None:
    original = create_pdf(2)
    hashed = OriginalHash(original)
    same_length = bytearray(original)
    same_length[20] ^= 0x01
    for other in (bytes(same_length), create_pdf(3), original[:100], b""):
        assert hashed.hexdigest_of(other) == hashlib.sha256(other).hexdigest()


def test_only_a_buffer_made_from_the_original_itself_counts_as_holding_it() -> None:
    original = create_pdf(2)
    hashed = OriginalHash(original)

    assert hashed.is_held_by(io.BytesIO(original))
    assert not hashed.is_held_by(io.BytesIO(bytes(bytearray(original))))  # equal, not the same
    assert not hashed.is_held_by(io.BytesIO(create_pdf(3)))
    written = io.BytesIO(original)
    written.seek(0, io.SEEK_END)
    written.write(b"%")
    assert not hashed.is_held_by(written)
