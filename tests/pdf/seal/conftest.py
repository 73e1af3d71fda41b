"""Fixtures for the seal, verify and render tests: one seal identity and one local TSA per run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signet.pdf.seal import seal_pdf
from signet.pdf.seal_keys import SealIdentity, load_or_create_seal

from .factories import SEAL_METADATA, create_pdf, running_tsa


@pytest.fixture(scope="session")
def seal_identity(tmp_path_factory: pytest.TempPathFactory) -> SealIdentity:
    return load_or_create_seal(
        tmp_path_factory.mktemp("seal-data"), None, None, installation_name="Acme Signet"
    )


@pytest.fixture(scope="session")
def tsa_url() -> Iterator[str]:
    with running_tsa() as url:
        yield url


@pytest.fixture(scope="session")
def original_pdf() -> bytes:
    return create_pdf(3)


@pytest.fixture(scope="session")
def sealed_pdf(original_pdf: bytes, seal_identity: SealIdentity) -> bytes:
    return seal_pdf(
        original_pdf,
        seal_identity,
        reason="Signing completed; sealed by Signet",
        location="Test installation",
        tsa_url=None,
        metadata=SEAL_METADATA,
    )
