"""Archive timestamp renewal against a real PKI (docs/evidence.md): files sealed while the TSA
signed with a certificate that expires in 30 days get, once the TSA has a long-lived one, a
new document timestamp after the old one's validation data; the old files stay, the request
points at the new ones, both verify, the audit trail says so, and nothing is done twice."""

from __future__ import annotations

import argparse
import asyncio
import io
import threading
from datetime import timedelta

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import ModificationLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from sqlalchemy import func, select

from signet.app import build_state
from signet.cli import cmd_evidence_refresh, cmd_verify
from signet.config import Settings
from signet.models import ArchiveRenewal, AuditEvent, Job, SigningRequest
from signet.models.base import utcnow
from signet.pdf.verify import verify_pdf
from signet.signing.archive_renewal import JOB_KIND, enqueue_due, renew_request

from .flow import files_of, running, sign_one, wait_for
from .pki import CertomancerPki

pytestmark = pytest.mark.timeout(300)


def doc_timestamps(data: bytes) -> int:
    return len(list(PdfFileReader(io.BytesIO(data)).embedded_timestamp_signatures))


def lta_verdict(data: bytes, root_pem: bytes) -> tuple[str, ModificationLevel | None]:
    """pyHanko's PAdES B-LTA validation (ETSI EN 319 102-1), offline: only what the file holds."""
    root = asn1_x509.Certificate.load(pem.unarmor(root_pem)[2])
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root]),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    seal = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures[0]
    result = asyncio.run(ades_lta_validation(seal, spec))
    return str(result.ades_subindic), result.api_status.modification_level


def test_files_due_get_a_new_archive_timestamp_once(tmp_path):
    pki = CertomancerPki(tmp_path / "pki")
    try:
        (tmp_path / "seal.p12").write_bytes(pki.p12())
        (tmp_path / "roots.pem").write_bytes(pki.root_pem())
        base = {
            "data_dir": tmp_path / "data",
            "base_url": "http://testserver",
            "secret_key": "renewal",
            "seal_p12": str(tmp_path / "seal.p12"),
            "seal_lta_roots": str(tmp_path / "roots.pem"),
            "job_poll_interval": 0.05,
            "expiry_sweep_seconds": 3600,
        }
        # Sealed while the TSA signs with a certificate that expires in 30 days.
        with running(Settings(**base, tsa_url=pki.short_tsa_url)) as run:
            sid, other = sign_one(run), sign_one(run, "Renewed by two at once")
            wait_for(lambda: all(files_of(run, sid)) and all(files_of(run, other)))
            old = files_of(run, sid)
            assert all(old) and all(files_of(run, other)), "not finalised"
            with run.app.state.signet.db.read() as session:
                expires = session.get(SigningRequest, sid).archive_expires_at
            assert expires is not None and expires < utcnow() + timedelta(days=31)
            old_bytes = {sha: run.app.state.signet.store.get(sha) for sha in old}

        # The TSA now has a long-lived certificate: both requests are due (window: 365 days).
        settings = Settings(**base, tsa_url=pki.tsa_url)
        ctx = build_state(settings)
        try:
            # Several workers sweeping: one job per request.
            assert enqueue_due(ctx) == 2 and enqueue_due(ctx) == 2
            with ctx.db.read() as session:
                jobs = session.scalars(select(Job).where(Job.kind == JOB_KIND)).all()
            assert len(jobs) == 2

            # Two processes renewing one request at once: only one result is recorded.
            results: list[list[str] | None] = []
            barrier = threading.Barrier(2)

            def renew() -> None:
                barrier.wait()
                results.append(renew_request(ctx, other))

            threads = [threading.Thread(target=renew) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert sorted(results, key=bool) == [
                None,
                ["final", "document_only", "certificate_only"],
            ]
        finally:
            ctx.db.dispose()

        with running(settings) as run:
            # The worker runs the jobs the sweep enqueued; the other request is done already.
            wait_for(lambda: files_of(run, sid)[0] != old[0])
            new = files_of(run, sid)
            assert all(new[i] != old[i] for i in range(3)), (old, new)
            store = run.app.state.signet.store
            for before, after in zip(old, new, strict=True):
                old_data, new_data = store.get(before), store.get(after)
                assert old_data == old_bytes[before]  # the old file is kept as it was
                assert new_data.startswith(old_data)  # only appended to
                assert doc_timestamps(new_data) == doc_timestamps(old_data) + 1
                verdict = verify_pdf(new_data)
                assert verdict.signet_sealed and verdict.intact, verdict.problems
            newest = store.get(new[0])
            assert lta_verdict(newest, pki.root_pem()) == (
                "AdESPassed.OK",
                ModificationLevel.LTA_UPDATES,
            )

            with run.app.state.signet.db.read() as session:
                sr = session.get(SigningRequest, sid)
                assert sr.archive_expires_at is not None
                assert sr.archive_expires_at > utcnow() + timedelta(days=3650)
                rows = session.scalars(
                    select(ArchiveRenewal).where(ArchiveRenewal.signing_request_id == sid)
                ).all()
                assert {(r.variant, r.previous_sha256, r.sha256) for r in rows} == {
                    ("final", old[0], new[0]),
                    ("document_only", old[1], new[1]),
                    ("certificate_only", old[2], new[2]),
                }
                events = session.scalars(
                    select(AuditEvent).where(
                        AuditEvent.event == "archive_timestamp_renewed",
                    )
                ).all()
                assert sorted(e.signing_request_id for e in events) == sorted([sid, other])
                mine = next(e for e in events if e.signing_request_id == sid)
                assert mine.details["final"] == {
                    "previous_sha256": old[0],
                    "sha256": new[0],
                    "timestamp_expires_at": sr.archive_expires_at.isoformat(),
                }

            # Downloads give the newest file; /verify recognises the old and the new one.
            auth = {"Authorization": run.key}
            link = run.client.get(f"/v1/signing-requests/{sid}/download", headers=auth).json()
            downloaded = run.client.get(link["download_url"].replace("http://testserver", ""))
            assert downloaded.content == store.get(new[0])
            for sha in (old[0], new[0]):
                answer = run.client.post(
                    "/signet/v1/verify", files={"file": ("f.pdf", store.get(sha))}, headers=auth
                ).json()
                assert answer["verdict"] == "sealed_intact" and answer["known"] is True, sha
                assert answer["match"] is True and answer["variant"] == "final", sha
                assert answer["pades"]["long_term_validation"] is True

        # `signet verify` accepts both too.
        for name, data in (("old.pdf", old_bytes[old[0]]), ("new.pdf", newest)):
            (tmp_path / name).write_bytes(data)
            assert cmd_verify(settings, argparse.Namespace(file=str(tmp_path / name))) == 0

        # A second run with nothing due does nothing: no job, no file, no event.
        ctx = build_state(settings)
        try:
            assert enqueue_due(ctx) == 0
            assert renew_request(ctx, sid) is None
            assert cmd_evidence_refresh(settings, argparse.Namespace(days=None)) == 0
            with ctx.db.read() as session:
                assert files_of_ctx(session, sid) == new
                count = select(func.count()).select_from(ArchiveRenewal)
                assert session.scalar(count) == 6
        finally:
            ctx.db.dispose()
    finally:
        pki.close()


def files_of_ctx(session, sid: str) -> tuple[str | None, str | None, str | None]:  # type: ignore[no-untyped-def]
    sr = session.get(SigningRequest, sid)
    return (sr.final_sha256, sr.document_only_sha256, sr.certificate_only_sha256)


def test_the_cli_renews_what_is_due_and_says_why_it_cannot(tmp_path, capsys):
    """`signet evidence refresh` does the same work in-process; with only the short-lived TSA,
    renewing would extend nothing, and it says so instead of renewing."""
    pki = CertomancerPki(tmp_path / "pki")
    try:
        (tmp_path / "seal.p12").write_bytes(pki.p12())
        base = {
            "data_dir": tmp_path / "data",
            "base_url": "http://testserver",
            "secret_key": "renewal",
            "seal_p12": str(tmp_path / "seal.p12"),
            "job_poll_interval": 0.05,
            "expiry_sweep_seconds": 3600,
        }
        short = Settings(**base, tsa_url=pki.short_tsa_url)
        with running(short) as run:
            sid = sign_one(run)
            wait_for(lambda: all(files_of(run, sid)))
            old = files_of(run, sid)
            assert all(old)
        assert cmd_evidence_refresh(short, argparse.Namespace(days=None)) == 1
        assert "no later than theirs" in capsys.readouterr().err
        # Outside a 7-day window, nothing is due at all.
        long = Settings(**base, tsa_url=pki.tsa_url)
        assert cmd_evidence_refresh(long, argparse.Namespace(days=7)) == 0
        assert "0 request(s) renewed" in capsys.readouterr().err
        assert cmd_evidence_refresh(long, argparse.Namespace(days=None)) == 0
        captured = capsys.readouterr()
        assert f"{sid}: renewed final, document_only, certificate_only" in captured.out
        ctx = build_state(long)
        try:
            with ctx.db.read() as session:
                new = files_of_ctx(session, sid)
            assert all(a != b for a, b in zip(old, new, strict=True))
        finally:
            ctx.db.dispose()
    finally:
        pki.close()
