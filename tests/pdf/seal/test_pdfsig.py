"""An independent verifier agrees: poppler's ``pdfsig`` (NSS) finds the seal of a B-LTA file,
made against the Certomancer PKI and renewed once, valid, offline (the PKI is shut down first),
and lists the document timestamps; a changed byte makes it say so.

What ``pdfsig`` 22.x checks (docs/evidence.md#pdfsig): the seal's signature over its byte range;
with ``-nssdir``, the certificate chain against the NSS database. It does not read the DSS, it
cannot validate RFC 3161 document timestamps ("Unable to validate this type of signature") and
its certificate verdict on these chains is "Unknown issue", so the chain and the long-term data
are asserted with pyHanko elsewhere (test_seal_lta.py, test_archive_renewal.py).
Installed by ``scripts/ensure-pdfsig.sh`` (``.ci/run`` calls it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from signet.pdf.seal import seal_pdf
from signet.pdf.seal_archive import renew_archive_timestamp
from signet.pdf.seal_keys import load_or_create_seal
from signet.pdf.seal_lta import add_long_term_validation

from .factories import SEAL_METADATA, create_pdf
from .pki import CertomancerPki

pytestmark = pytest.mark.timeout(180)


def _tools() -> tuple[str, str]:
    pdfsig, certutil = shutil.which("pdfsig"), shutil.which("certutil")
    assert pdfsig and certutil, "pdfsig and certutil are missing: run scripts/ensure-pdfsig.sh"
    return pdfsig, certutil


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A B-LTA file with two document timestamps, and an NSS database trusting the test root;
    the PKI that made them is stopped before any check runs."""
    _, certutil = _tools()
    work = tmp_path_factory.mktemp("pdfsig")
    pki = CertomancerPki(work / "pki")
    try:
        (work / "seal.p12").write_bytes(pki.p12())
        identity = load_or_create_seal(work, str(work / "seal.p12"), None)
        sealed = seal_pdf(
            create_pdf(1),
            identity,
            reason="r",
            location=None,
            tsa_url=pki.tsa_url,
            metadata=SEAL_METADATA,
        )
        lta = add_long_term_validation(sealed, identity, pki.tsa_url)
        renewed = renew_archive_timestamp(lta, pki.tsa_url)
        (work / "root.pem").write_bytes(pki.root_pem())
    finally:
        pki.close()
    pdf = work / "lta.pdf"
    pdf.write_bytes(renewed)
    nss = work / "nss"
    nss.mkdir()
    for args in (
        ["-N", "--empty-password"],
        ["-A", "-n", "signet-test-root", "-t", "CT,C,C", "-i", str(work / "root.pem")],
    ):
        subprocess.run(
            [certutil, "-d", f"sql:{nss}", *args], check=True, capture_output=True, timeout=60
        )
    return pdf, nss


def _pdfsig(pdf: Path, nss: Path) -> list[list[str]]:
    pdfsig, _ = _tools()
    out = subprocess.run(
        [pdfsig, "-nssdir", f"sql:{nss}", "-no-ocsp", str(pdf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    blocks: list[list[str]] = []
    for line in out.stdout.splitlines():
        if line.startswith("Signature #"):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line.strip().removeprefix("- "))
    return blocks


def test_pdfsig_finds_the_seal_valid_offline(offline):
    pdf, nss = offline
    seal, *stamps = _pdfsig(pdf, nss)
    assert "Signature Field Name: SignetSeal" in seal
    assert "Signature Validation: Signature is Valid." in seal, seal
    assert "Signer Certificate Common Name: Acme document seal" in seal
    # The seal's signature timestamp sits in its CMS; the two document timestamps follow.
    assert len(stamps) == 2
    for stamp in stamps:
        assert "Signer Certificate Common Name: Test Time Stamping Authority" in stamp, stamp


def test_pdfsig_sees_a_changed_byte(offline, tmp_path):
    pdf, nss = offline
    data = bytearray(pdf.read_bytes())
    # The info dictionary's key for the seal's metadata, inside the seal's signed range.
    at = data.index(b"/SignetSeal")
    data[at + 1] = ord("Z")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    seal = _pdfsig(changed, nss)[0]
    assert "Signature Validation: Digest Mismatch." in seal, seal
