"""The seal's start-up self-test: seal a one-page PDF and verify it, and check the key's chain.

``signet serve`` and ``signet worker`` run it before taking work: a key that cannot seal (an
expired certificate, a key pyHanko refuses, an unreachable time-stamping authority) stops them
with a message, rather than letting completed documents pile up unsealed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pikepdf
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from signet.pdf.seal import SealError, seal_pdf
from signet.pdf.seal_keys import SealIdentity
from signet.pdf.seal_lta import (
    add_long_term_validation,
    load_roots,
    long_term_status,
)
from signet.pdf.verify import verify_pdf

__all__ = ["SelfTest", "self_test"]


@dataclass(frozen=True)
class SelfTest:
    ok: bool
    fingerprint_sha256: str
    # What the certificate chain is: "self-signed", "valid up to <root>", "incomplete: …" (a
    # verifier must find the root elsewhere) or "invalid: …" (which fails the self-test).
    chain: str
    chain_ok: bool
    problem: str | None = None
    # The PAdES level seals get: B-B, B-T (timestamped) or B-LTA (and long-term validation data).
    level: str = "B-B"

    def line(self) -> str:
        """The one log line: outcome, the level seals get, key fingerprint, chain."""
        outcome = "passed" if self.ok else f"FAILED ({self.problem})"
        return (
            f"seal self-test {outcome}: seals are PAdES {self.level}, "
            f"key sha256 {self.fingerprint_sha256[:16]}…, chain {self.chain}"
        )


def self_test(
    identity: SealIdentity,
    *,
    tsa_url: str | None = None,
    long_term: bool = False,
    lta_roots: str | None = None,
) -> SelfTest:
    """Seal and verify a one-page PDF with ``identity`` (and, with ``long_term``, add PAdES
    B-LTA validation data and check it); never raises."""
    chain_ok, chain = _chain(identity)
    problem = None if chain_ok else f"the certificate chain is {chain}"
    if problem is None and long_term and not tsa_url:
        problem = "B-LTA needs a time-stamping authority: set SIGNET_TSA_URL"
    if problem is None:
        problem = _seal_and_verify(identity, tsa_url, long_term, lta_roots)
    return SelfTest(
        ok=problem is None,
        fingerprint_sha256=identity.fingerprint_sha256,
        chain=chain,
        chain_ok=chain_ok,
        problem=problem,
        level="B-LTA" if long_term else ("B-T" if tsa_url else "B-B"),
    )


def _seal_and_verify(
    identity: SealIdentity,
    tsa_url: str | None,
    long_term: bool,
    lta_roots: str | None,
) -> str | None:
    try:
        sealed = seal_pdf(
            _one_page(),
            identity,
            reason="Signet seal self-test",
            location=None,
            tsa_url=tsa_url,
            metadata={
                "signing_request_id": "self-test",
                "variant": "final",
                "completed_at": dt.datetime.now(dt.UTC).isoformat(),
                "signers": [],
            },
        )
        if long_term and tsa_url:
            roots = load_roots(lta_roots)
            sealed = add_long_term_validation(sealed, identity, tsa_url, extra_trust_roots=roots)
    except SealError as exc:
        return f"sealing failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - any failure here must stop start-up with its words
        return f"sealing failed: {type(exc).__name__}: {exc}"
    result = verify_pdf(sealed, seal_certificates=[identity.certificate])
    if not (result.signet_sealed and result.intact and result.valid and result.trusted):
        return "the sealed test file does not verify: " + "; ".join(result.problems or ["unknown"])
    if long_term and not long_term_status(sealed).archive_timestamp_intact:
        return "the long-term validation data of the test file does not verify"
    return None


def _one_page() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _chain(identity: SealIdentity) -> tuple[bool, str]:
    """Walk from the seal certificate up through the bundled chain, checking each signature and
    that each certificate is valid now."""
    now = dt.datetime.now(dt.UTC)
    pool = [_load(c) for c in identity.chain]
    cert = _load(identity.certificate)
    seen = 0
    while True:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return False, f"invalid: {_cn(cert)} is not valid now"
        if cert.issuer == cert.subject and _signed_by(cert, cert):
            return True, "self-signed" if seen == 0 else f"valid up to {_cn(cert)}"
        issuers = [c for c in pool if c.subject == cert.issuer]
        if not issuers:
            return True, f"incomplete: the issuer {cert.issuer.rfc4514_string()} is not bundled"
        issuer = next((c for c in issuers if _signed_by(cert, c)), None)
        if issuer is None or seen > 8:
            return False, f"invalid: {_cn(cert)} is not signed by its issuer"
        cert, seen = issuer, seen + 1


def _load(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _cn(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "the certificate"
