"""Per-signer signatures made by a remote signing service over the CSC API (SIGNET_CSC_URL):
a real certomancer-csc-dummy service over the test PKI's keys, on 127.0.0.1. Two signers sign,
the worker finalises, and every signature in the final file validates under pyHanko with the
test PKI's root (signers) and the seal's certificate (seal) as the only trust roots. A service
that is down or silent fails the finalisation job cleanly; it is retried, and nothing the
signers did is lost."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from fixtures.requests import create_body, field, signer
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from signing_page.builders import csrf_of

from signet.config import Settings
from signet.models import Job, SigningRequest
from signet.pdf.csc_signer import CSCService, add_remote_signer_signatures
from signet.pdf.seal import SealError
from signet.pdf.signer_signature import SignerMark
from signet.pdf.verify import verify_pdf
from signet.signing.finalize import seal_identity

from .csc import RunningCSC
from .factories import create_pdf
from .flow import PIXEL, Running, files_of, running, wait_for
from .pki import CertomancerPki, free_port

pytestmark = pytest.mark.timeout(240)

ALICE = ("Alice Arden", "alice.arden@example.com")
BOB = ("Bob Bánffy", "bob.banffy@example.com")
CREDENTIAL = "signet/remote-signer"
TOKEN = "test-bearer-token"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CertomancerPki]:
    running_pki = CertomancerPki(tmp_path_factory.mktemp("pki"))
    yield running_pki
    running_pki.close()


@pytest.fixture(scope="module")
def csc(pki: CertomancerPki) -> Iterator[RunningCSC]:
    with RunningCSC(pki) as service:
        yield service


def _settings(tmp_path: Path, csc_url: str, **kw: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        base_url="http://testserver",
        secret_key="csc",
        csc_url=csc_url,
        csc_credential_id=CREDENTIAL,
        csc_token=TOKEN,
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
        **kw,
    )


def _person(ref: str, who: tuple[str, str], order: int) -> dict[str, Any]:
    first, last = who[0].split(" ", 1)
    return signer(ref, who[1], first_name=first, last_name=last, order=order)


def _two_signers_sign(run: Running) -> str:
    """Create and send a two-signer request with per-signer signatures; both sign on the
    signing page. The request's id (the worker finalises it)."""
    body = create_body(
        recipients=[_person("temp_1", ALICE, 1), _person("temp_2", BOB, 2)],
        fields=[
            field("temp_1", position={"x": 10, "y": 60, "width": 30, "height": 10}),
            field("temp_2", position={"x": 55, "y": 80, "width": 30, "height": 10}),
        ],
        settings={"signature_per_signer": True},
    )
    headers = {"Authorization": run.key}
    created = run.client.post("/v1/signing-requests", json=body, headers=headers)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    sent = run.client.post(f"/v1/signing-requests/{sid}/send", headers=headers)
    assert sent.status_code == 200, sent.text
    for recipient in created.json()["recipients"]:
        rid = recipient["id"]
        page = run.client.get(f"/signing/{rid}")
        assert page.status_code == 200, page.text
        done = run.client.post(
            f"/signing/{rid}/finish",
            json={"consent": True, "values": {}, "signature": PIXEL, "signature_kind": "drawn"},
            headers={"X-Signet-CSRF": csrf_of(page.text)},
        )
        assert done.status_code == 200, done.text
    return str(sid)


def _statuses(data: bytes, pki: CertomancerPki, seal_cert: Any) -> list[tuple[str, Any]]:
    reader = PdfFileReader(io.BytesIO(data))
    out = []
    for sig in reader.embedded_signatures:
        context = ValidationContext(trust_roots=[pki.cert("root"), seal_cert], allow_fetching=False)
        out.append((str(sig.field_name), sig, validate_pdf_signature(sig, context)))
    return out


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_two_signers_sign_with_the_remote_credential_and_the_seal_covers_all(pki, csc, tmp_path):
    settings = _settings(tmp_path, csc.url + "/csc/v1/")
    assert settings.csc_url == csc.url  # the API's path is Signet's to add
    before = len(csc.calls)
    with running(settings) as run:
        sid = _two_signers_sign(run)
        wait_for(lambda: all(files_of(run, sid)))
        shas = files_of(run, sid)
        assert all(shas), "the request was not finalised"
        store = run.app.state.signet.store
        final, document_only, certificate_only = (store.get(sha) for sha in shas)
        seal_cert = seal_identity(settings).certificate
        remote_cert = pki.cert("remote-signer")
        for variant, data in (("final", final), ("document_only", document_only)):
            statuses = _statuses(data, pki, seal_cert)
            assert [name for name, _, _ in statuses] == [
                "SignetSigner1",
                "SignetSigner2",
                "SignetSeal",
            ], variant
            for name, _, status in statuses:
                assert status.bottom_line, (variant, name, status.pretty_print_details())
                assert status.intact and status.valid and status.trusted and status.docmdp_ok
            (_, alice_sig, alice), (_, bob_sig, bob), (_, _, seal) = statuses
            # The remote credential's certificate (chain to the test PKI's root) makes both; the
            # signed signature dictionary names the signer.
            for sig, status, (name, email) in ((alice_sig, alice, ALICE), (bob_sig, bob, BOB)):
                assert status.signing_cert.dump() == remote_cert.dump()
                assert str(sig.sig_object["/Name"]) == name
                assert str(sig.sig_object["/ContactInfo"]) == email
                assert str(sig.sig_object["/Reason"]) == f"Signed by {name} <{email}>"
            # The seal comes last and covers the whole file, both signatures included.
            assert seal.signing_cert.dump() == seal_cert.dump()
            assert seal.coverage.name == "ENTIRE_FILE", seal.coverage
            # Signet's own verification names each signer and says whose certificate it is.
            result = verify_pdf(data, seal_certificates=[seal_cert])
            assert result.signet_sealed and result.intact and result.trusted, result.problems
            assert [
                (s.name, s.email, s.intact, s.issued_here) for s in result.signer_signatures
            ] == [(*ALICE, True, False), (*BOB, True, False)]
            assert "Acme remote signing account" in (result.signer_signatures[0].subject or "")
        assert [n for n, _, _ in _statuses(certificate_only, pki, seal_cert)] == ["SignetSeal"]
        assert (
            "2 per-signer digital signatures, each naming its signer, made with the certificate"
            " of Acme remote signing account at a remote signing service"
        ) in " ".join(_text(final).split())
        page = run.client.post("/verify", files={"file": ("f.pdf", final)})
        assert "Signature of Alice Arden" in page.text
        assert "certificate of Common Name: Acme remote signing account" in page.text
        # The operator's CLI names each signer with their email, and whose certificate it is.
        path = tmp_path / "final.pdf"
        path.write_bytes(final)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")}
        out = subprocess.run(
            [sys.executable, "-m", "signet", "verify", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**env, "SIGNET_DATA_DIR": str(settings.data_dir)},
        )
        assert out.returncode == 0, out.stdout + out.stderr
        lines = [line for line in out.stdout.splitlines() if line.startswith("Signer signature")]
        assert len(lines) == 2, out.stdout
        for line, (name, email) in zip(lines, (ALICE, BOB), strict=True):
            assert f"{name} <{email}>" in line and "intact" in line, line
            assert "certificate of Common Name: Acme remote signing account" in line, line
    # What the service saw: the bearer token on every call, one authorisation per signature
    # pinned to its hash and naming its signer, for each of the two signed files.
    calls = csc.calls[before:]
    assert calls and all(auth == f"Bearer {TOKEN}" for _, auth, _ in calls)
    authorized = [b for path, _, b in calls if path.endswith("/credentials/authorize")]
    assert [b["description"] for b in authorized] == [
        f"Signet: signature of {ALICE[0]}",
        f"Signet: signature of {BOB[0]}",
    ] * 2
    assert all(b["credentialID"] == CREDENTIAL and len(b["hash"]) == 1 for b in authorized)


def test_an_unreachable_service_fails_the_job_which_is_retried(pki, tmp_path):
    """The service is down when the last signer finishes: the finalisation job fails with the
    reason and leaves no files; the signers' actions stay; once the service is up, the retry
    makes the files."""
    port = free_port()  # nothing listens there yet
    settings = _settings(tmp_path, f"http://127.0.0.1:{port}", retry_base_seconds=1.0)

    def job() -> Job | None:
        with run.app.state.signet.db.read() as session:
            return session.query(Job).filter(Job.kind == "request.finalize").one_or_none()

    with running(settings) as run:
        sid = _two_signers_sign(run)
        wait_for(lambda: (j := job()) is not None and bool(j.last_error))
        failed = job()
        assert failed is not None and failed.state == "pending" and failed.attempts >= 1
        assert f"remote signing service at http://127.0.0.1:{port}" in (failed.last_error or "")
        assert files_of(run, sid) == (None, None, None)
        with run.app.state.signet.db.read() as session:
            request = session.get(SigningRequest, sid)
            assert request is not None and request.state == "completed"
            assert all(r.finished_at is not None for r in request.recipients)
            assert request.certificate_has_error
        with RunningCSC(pki, port=port):
            wait_for(lambda: all(files_of(run, sid)))
            shas = files_of(run, sid)
            assert all(shas), "the retry did not finalise the request"
        final = run.app.state.signet.store.get(shas[0])
        result = verify_pdf(final, seal_certificates=[seal_identity(settings).certificate])
        assert result.intact and [s.name for s in result.signer_signatures] == [ALICE[0], BOB[0]]
        with run.app.state.signet.db.read() as session:
            request = session.get(SigningRequest, sid)
            assert request is not None and not request.certificate_has_error


def test_a_silent_service_times_out():
    """A service that takes the connection and never answers: the signing gives up after the
    configured time with a clear error instead of hanging the job."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        original = create_pdf(1)
        service = CSCService(f"http://127.0.0.1:{port}", CREDENTIAL, TOKEN, timeout=1.0)
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        with pytest.raises(SealError, match="no answer in time"):
            add_remote_signer_signatures(
                lambda: IncrementalPdfFileWriter(io.BytesIO(original)),
                original,
                [SignerMark(*ALICE)],
                service,
            )


def test_a_credential_the_service_does_not_have_is_a_clear_error(csc):
    original = create_pdf(1)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    service = CSCService(csc.url, "signet/no-such-certificate", TOKEN, timeout=10)
    with pytest.raises(SealError, match=r"credential 'signet/no-such-certificate'.*HTTP 404"):
        add_remote_signer_signatures(
            lambda: IncrementalPdfFileWriter(io.BytesIO(original)),
            original,
            [SignerMark(*ALICE)],
            service,
        )
