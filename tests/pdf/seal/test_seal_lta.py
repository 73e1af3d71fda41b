"""PAdES B-LTA against a real PKI (Certomancer's Animator: CA, OCSP, CRL, TSA on 127.0.0.1): the
sealed file gains validation data and a document timestamp, stays intact, and any byte changed
or added afterwards is seen; the start-up self-test covers the long-term step too."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signet.pdf.seal import SealError, seal_pdf
from signet.pdf.seal_check import self_test
from signet.pdf.seal_keys import SealIdentity, load_or_create_seal
from signet.pdf.seal_lta import Shared, add_long_term_validation, long_term_status
from signet.pdf.verify import verify_pdf

from .factories import SEAL_METADATA, create_pdf
from .pki import CertomancerPki

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CertomancerPki]:
    running = CertomancerPki(tmp_path_factory.mktemp("pki"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def identity(pki: CertomancerPki, tmp_path_factory: pytest.TempPathFactory) -> SealIdentity:
    path: Path = tmp_path_factory.mktemp("seal") / "seal.p12"
    path.write_bytes(pki.p12())
    return load_or_create_seal(path.parent, str(path), None)


@pytest.fixture(scope="module")
def lta_file(pki: CertomancerPki, identity: SealIdentity) -> bytes:
    sealed = seal_pdf(
        create_pdf(2),
        identity,
        reason="r",
        location=None,
        tsa_url=pki.tsa_url,
        metadata=SEAL_METADATA,
    )
    return add_long_term_validation(sealed, identity, pki.tsa_url)


def test_lta_file_carries_revocation_data_and_a_document_timestamp(lta_file, identity):
    result = verify_pdf(lta_file, seal_certificates=[identity.certificate])
    assert result.signet_sealed and result.intact and result.valid and result.trusted
    assert result.timestamped and result.revisions > (result.seal_revision or 0)
    reader = PdfFileReader(io.BytesIO(lta_file))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1 and len(dss["/Certs"]) >= 3
    assert len(list(reader.embedded_timestamp_signatures)) == 1
    status = long_term_status(lta_file)
    assert status.validation_data and status.archive_timestamp_intact
    assert status.archive_timestamp is not None and status.problem is None


def test_files_sealed_together_fetch_the_evidence_once(pki, identity):
    """The three files of a request share one Shared: the chains' OCSP response and CRL are
    fetched once, and the TSA is asked for its token size once, not once per file."""
    sealed = [
        seal_pdf(
            create_pdf(1), identity, reason="r", location=None, tsa_url=pki.tsa_url,
            metadata=SEAL_METADATA,
        )
        for _ in range(3)
    ]  # fmt: skip
    pki.hits.clear()
    for data in sealed:
        add_long_term_validation(data, identity, pki.tsa_url)
    alone = dict(pki.hits)
    pki.hits.clear()
    shared = Shared()
    files = [add_long_term_validation(d, identity, pki.tsa_url, shared=shared) for d in sealed]
    together = dict(pki.hits)
    assert alone == {"ocsp": 3, "crls": 3, "tsa": 6}, alone
    assert together == {"ocsp": 1, "crls": 1, "tsa": 4}, together
    for data in files:
        assert long_term_status(data).archive_timestamp_intact
        assert verify_pdf(data, seal_certificates=[identity.certificate]).intact


def test_a_change_after_the_archive_timestamp_is_seen(lta_file, identity):
    appended = verify_pdf(lta_file + b"\n%changed\n", seal_certificates=[identity.certificate])
    assert not appended.intact
    reader = PdfFileReader(io.BytesIO(lta_file))
    stamp = list(reader.embedded_timestamp_signatures)[-1]
    _, _, start, _ = (int(v) for v in stamp.byte_range)
    # A byte inside the document timestamp's own signed range.
    broken = bytearray(lta_file)
    broken[start + 20] ^= 0x01
    status = long_term_status(bytes(broken))
    assert not status.archive_timestamp_intact and status.problem


def test_a_plain_seal_has_no_long_term_data(identity):
    sealed = seal_pdf(
        create_pdf(1), identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    status = long_term_status(sealed)
    assert not status.validation_data and status.archive_timestamp is None


def test_self_test_runs_the_long_term_step_and_fails_when_the_tsa_is_down(pki, identity):
    ok = self_test(identity, tsa_url=pki.tsa_url, long_term=True)
    assert ok.ok, ok.problem
    assert ok.chain == "valid up to CN=Test Root CA,O=Signet Test PKI,C=BE"
    down = self_test(identity, tsa_url="http://127.0.0.1:9/tsa", long_term=True)
    assert not down.ok and "sealing failed" in (down.problem or "")
    missing = self_test(identity, tsa_url=None, long_term=True)
    assert not missing.ok and "SIGNET_TSA_URL" in (missing.problem or "")


def test_an_unreachable_tsa_is_an_error(identity):
    sealed = seal_pdf(
        create_pdf(1), identity, reason="r", location=None, tsa_url=None, metadata=SEAL_METADATA
    )
    with pytest.raises(SealError, match="Long-term validation data could not be added"):
        add_long_term_validation(sealed, identity, "http://127.0.0.1:9/tsa")


def test_verify_page_words_for_a_long_term_file(lta_file, identity):
    from signet.signing.verification import verify_file
    from signet.verify_page.views import file_answer

    found = verify_file(None, lta_file, workspace_id=None, seal_certificates=[identity.certificate])
    assert found.verdict == "sealed_intact"
    rows = {row.label: row.value for row in file_answer(found, "Acme").rows}
    assert rows["Long-term validation"].startswith("Yes: the certificates' revocation data")
    assert "the later ones add only validation data" in rows["Revisions"]


def test_a_generated_seal_needs_the_tsa_root_to_add_long_term_data(pki, tmp_path):
    generated = load_or_create_seal(tmp_path, None, None)
    without = self_test(generated, tsa_url=pki.tsa_url, long_term=True)
    assert not without.ok and "SIGNET_SEAL_LTA_ROOTS" in (without.problem or "")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.root_pem())
    with_root = self_test(generated, tsa_url=pki.tsa_url, long_term=True, lta_roots=str(roots))
    assert with_root.ok, with_root.problem
    assert with_root.chain == "self-signed"
    unreadable = self_test(generated, tsa_url=pki.tsa_url, long_term=True, lta_roots="/nope.pem")
    assert not unreadable.ok and "cannot be read" in (unreadable.problem or "")


def test_a_signed_request_is_finalised_with_long_term_validation(pki, tmp_path):
    """With SIGNET_TSA_URL alone (B-LTA is the default with a TSA): create, send, sign,
    finalise; the three files are B-LTA, and the public verify endpoint says so."""
    from signet.config import Settings

    from .flow import files_of, running, sign_one, wait_for

    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.root_pem())
    settings = Settings(
        data_dir=tmp_path / "data",
        base_url="http://testserver",
        secret_key="lta",
        tsa_url=pki.tsa_url,
        seal_lta_roots=str(roots),
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
    )
    assert settings.seal_pades_level == "B-LTA"
    with running(settings) as run:
        sid = sign_one(run)
        wait_for(lambda: all(files_of(run, sid)))
        shas = files_of(run, sid)
        assert all(shas), "the request was not finalised"
        for sha in shas:
            data = run.app.state.signet.store.get(sha)
            result = verify_pdf(data)
            assert result.signet_sealed and result.intact and result.timestamped, sha
            assert long_term_status(data).archive_timestamp_intact, sha
        public = run.client.post(
            "/signet/v1/verify", files={"file": ("f.pdf", run.app.state.signet.store.get(shas[0]))}
        ).json()
        assert public["verdict"] == "sealed_intact" and public["known"] is True
        assert public["pades"]["long_term_validation"] is True
        assert public["pades"]["archive_timestamp"]


def test_revocation_data_is_required(pki, tmp_path):
    """A chain whose certificate names no revocation source is not sealed B-LTA without its
    revocation data (never a silent B-T); the self-test says what to do."""
    path = tmp_path / "bare.p12"
    path.write_bytes(pki.p12("seal-bare"))
    bare = load_or_create_seal(tmp_path, str(path), None)
    refused = self_test(bare, tsa_url=pki.tsa_url, long_term=True)
    assert not refused.ok and "SIGNET_SEAL_LEVEL=B-T" in (refused.problem or ""), refused.problem
    assert refused.line().startswith("seal self-test FAILED")
    assert "no revocation information" in (refused.problem or "")
    lower = self_test(bare, tsa_url=pki.tsa_url)
    assert lower.ok, lower.problem
    assert lower.line().startswith("seal self-test passed: seals are PAdES B-T, key sha256")


def test_the_finalisation_job_is_retried_when_revocation_data_is_missing(pki, tmp_path):
    """The seal job fails, stays pending with the reason, and leaves no files: it is retried,
    and never produces a B-T file instead."""
    from signet.config import Settings
    from signet.models import Job

    from .flow import files_of, running, sign_one, wait_for

    path = tmp_path / "bare.p12"
    path.write_bytes(pki.p12("seal-bare"))
    settings = Settings(
        data_dir=tmp_path / "data",
        base_url="http://testserver",
        secret_key="lta",
        tsa_url=pki.tsa_url,
        seal_p12=str(path),
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
        retry_base_seconds=3600,
    )

    def failed_job() -> Job | None:
        with run.app.state.signet.db.read() as session:
            jobs = session.query(Job).filter(Job.kind == "request.finalize").all()
            return next((j for j in jobs if j.last_error), None)

    with running(settings) as run:
        sid = sign_one(run)
        wait_for(lambda: failed_job() is not None)
        job = failed_job()
        assert job is not None and job.state == "pending" and job.attempts == 1
        assert "revocation" in (job.last_error or "").lower()
        assert files_of(run, sid) == (None, None, None)


def test_signer_signatures_stay_valid_under_the_long_term_seal(pki, identity, tmp_path):
    # Per-signer signatures (docs/seal-keys.md#per-signer-signatures) before a timestamped seal
    # with B-LTA data after it: every signature still validates, and verification lists them.
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from signet.pdf.incremental import plan_stamps, update_preparer
    from signet.pdf.signer_signature import SignerMark, add_signer_signatures, signer_certificate
    from signet.pdf.signing_ca import load_or_create_signing_ca

    original = create_pdf(2)
    ca = load_or_create_signing_ca(tmp_path)
    marks = [SignerMark("Ann", "ann@example.com", 1, 10, 10, 20, 6), SignerMark("Ben", "b@x.org")]
    keys = [signer_certificate(ca, m.name, m.email) for m in marks]
    signed = add_signer_signatures(
        update_preparer(original, plan_stamps(original, []), create_pdf(1)),
        original,
        marks,
        keys,
        ca,
    )
    sealed = seal_pdf(
        signed, identity, reason="r", location=None, tsa_url=pki.tsa_url, metadata=SEAL_METADATA
    )
    lta = add_long_term_validation(sealed, identity, pki.tsa_url)
    result = verify_pdf(
        lta, seal_certificates=[identity.certificate], signing_cas=[ca.asn1_certificate]
    )
    assert result.intact and result.timestamped, result.problems
    assert [s.intact for s in result.signer_signatures] == [True, True]
    assert long_term_status(lta).archive_timestamp_intact
    reader = PdfFileReader(io.BytesIO(lta))
    for sig in reader.embedded_regular_signatures[:2]:
        context = ValidationContext(trust_roots=[ca.asn1_certificate], allow_fetching=False)
        assert validate_pdf_signature(sig, context).bottom_line


def _ades_lta_offline(data: bytes, identity: SealIdentity) -> object:
    """pyHanko's PAdES long-term validation of the seal (ETSI EN 319 102-1 § 5.6.3), with the
    data embedded in the file only: no fetching, revocation data required below the roots."""
    import asyncio

    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    reader = PdfFileReader(io.BytesIO(data))
    seal = reader.embedded_regular_signatures[-1]
    roots = [c for c in (identity.certificate, *identity.chain) if c.self_signed != "no"]
    for stamp in reader.embedded_timestamp_signatures:
        certs = stamp.signed_data["certificates"]
        roots += [
            c.chosen for c in certs if c.name == "certificate" and c.chosen.self_signed != "no"
        ]
    required = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(required, required)),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    return asyncio.run(ades.ades_lta_validation(seal, spec)).ades_subindic


def test_pyhanko_long_term_validation_passes_offline(lta_file, identity):
    from pyhanko.sign.ades.report import AdESPassed

    assert _ades_lta_offline(lta_file, identity) == AdESPassed.OK
    # Without the document timestamp's update, the same validation cannot pass: the seal's
    # revocation data is only in it.
    reader = PdfFileReader(io.BytesIO(lta_file))
    seal = reader.embedded_regular_signatures[-1]
    sealed_only = lta_file[: seal.byte_range[2] + seal.byte_range[3]]
    assert _ades_lta_offline(sealed_only, identity) != AdESPassed.OK
