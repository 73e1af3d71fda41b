"""Fixtures for the incremental stamp-certify-seal tests; reuses tests/pdf's factories."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signet.pdf.evidence import StampValue  # noqa: E402
from signet.pdf.incremental import stamp_certify_seal  # noqa: E402
from signet.pdf.original_hash import OriginalHash  # noqa: E402
from signet.pdf.seal_keys import SealIdentity, load_or_create_seal  # noqa: E402

Sealer = Callable[..., bytes]


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory) -> SealIdentity:
    return load_or_create_seal(tmp_path_factory.mktemp("seal"), None, None)


@pytest.fixture
def seal(identity: SealIdentity) -> Sealer:
    """``seal(original, values, certificate=None, variant="final", original_hash=None)`` via the
    incremental path."""

    def run(
        original: bytes,
        values: Sequence[StampValue],
        certificate: bytes | None = None,
        variant: str = "final",
        original_hash: OriginalHash | None = None,
    ) -> bytes:
        return stamp_certify_seal(
            original,
            values,
            certificate,
            identity,
            original_hash=original_hash,
            reason="Signet certificate of completion (test)",
            location=None,
            tsa_url=None,
            metadata={
                "signing_request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
                "variant": variant,
                "completed_at": "2026-11-21T10:00:00+00:00",
                "signers": [{"name": "Jane", "email": "j@example.com", "signed_at": None}],
            },
        )

    return run
