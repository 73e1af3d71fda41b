"""The S3 server (SeaweedFS) stops under a running ``signet serve`` and ``signet worker`` and
comes back on the same ports and data: while it is down, uploads, creates and downloads answer
503 with Retry-After in their face's format and ``/readyz`` names the storage; a request signed
during the outage is sealed by the worker once S3 is back; and the same processes, never
restarted, upload, create and download again. (``tests/storage/test_s3_storage.py`` covers
the in-process side of the same outage.)"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.pdfs import make_pdf
from signing_page.builders import csrf_of, field_ids, one_signer_body
from sqlalchemy import create_engine, select
from storage.seaweed import SeaweedS3

from outages.own_postgres import free_port
from outages.processes import SignetProcess, run_signet, signet_env
from signet.models import Job
from signet.pdf.verify import verify_pdf

pytestmark = pytest.mark.timeout(240)

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def own_seaweed(tmp_path: Path) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path / "seaweed")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _finalize_jobs(database: Path) -> list[Job]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Job).where(Job.kind == "request.finalize")).all())
    finally:
        engine.dispose()


def _wait(what: str, check: Any, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout}s")


def _sign(base: str, body: dict[str, Any], created: dict[str, Any]) -> None:
    """The recipient opens the signing page and finishes, over HTTP."""
    rid = created["recipients"][0]["id"]
    with httpx.Client(base_url=base, timeout=30) as signer:
        page = signer.get(f"/signing/{rid}")
        assert page.status_code == 200, page.text
        ids = field_ids(body, created)
        finished = signer.post(
            f"/signing/{rid}/finish",
            json={
                "consent": True,
                "values": {ids["Company"]: "ACME"},
                "signature": PNG_1PX,
                "signature_kind": "drawn",
            },
            headers={"X-Signet-CSRF": csrf_of(page.text)},
        )
        assert finished.status_code == 200, finished.text


def _is_outage(r: httpx.Response, pandadoc: bool = False) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    if pandadoc:
        assert r.json()["type"] == "service_unavailable", r.text
    else:
        assert r.json()["code"] == "STORAGE_UNAVAILABLE", r.text


def test_s3_stopped_and_started_under_running_processes(own_seaweed, mailbox, tmp_path) -> None:
    s3 = own_seaweed
    bucket = s3.create_bucket()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    env = signet_env(
        SIGNET_DATA_DIR=str(data),
        SIGNET_STORAGE_URL=s3.url(bucket),
        SIGNET_SECRET_KEY="outage-tests",
        SIGNET_BASE_URL=base,
        SIGNET_PORT=str(port),
        SIGNET_INLINE_WORKER="0",
        SIGNET_JOB_POLL_INTERVAL="0.1",
        SIGNET_RETRY_BASE_SECONDS="0.2",
        SIGNET_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}",
        SIGNET_MAIL_FROM="Signet Outage <signet@example.com>",
    )
    run_signet(env, "migrate")
    key = run_signet(env, "api-keys", "create", "--name", "outage").strip()
    auth = {"Authorization": key}
    serve = SignetProcess(env, ["serve"], tmp_path / "serve.log")
    worker = SignetProcess(env, ["worker", "--concurrency", "2"], tmp_path / "worker.log")
    api = httpx.Client(base_url=base, headers=auth, timeout=60)
    try:
        serve.wait_http(f"{base}/readyz")
        body = one_signer_body("Signed during the S3 outage")
        made = api.post("/v1/signing-requests", json=body)
        assert made.status_code == 201, made.text
        created = made.json()
        sid = created["id"]
        assert api.post(f"/v1/signing-requests/{sid}/send").status_code == 200
        original = api.get(created["document_url"])
        assert original.status_code == 200

        s3.stop()  # SIGTERM, SIGKILL after a short grace: by its own pid

        # Everything that reads or writes a file answers 503 with Retry-After, in its face's
        # format, from the same processes.
        fresh = one_signer_body("Created during the outage", document=_b64(make_pdf(4)))
        _is_outage(api.post("/v1/signing-requests", json=fresh))
        late = make_pdf(2)
        announce = {
            "file_name": "late.pdf",
            "file_size": len(late),
            "content_type": "application/pdf",
        }
        ticket = api.post("/v1/documents", json=announce)
        assert ticket.status_code == 201, ticket.text  # the ticket needs only the database
        upload_url = ticket.json()["upload_url"]
        _is_outage(httpx.put(upload_url, content=late, headers={"Content-Type": "application/pdf"}))
        _is_outage(api.get(f"/public/v1/documents/{sid}/download"), pandadoc=True)
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["database"] == "ok", ready.text
        assert ready.json()["storage"] == "the file storage does not answer"

        # Signing needs no file store; sealing does: the worker's job fails and waits.
        _sign(base, body, created)
        (job,) = _wait(
            "a failed sealing attempt",
            lambda: [j for j in _finalize_jobs(data / "signet.db") if j.last_error],
        )
        assert job.state == "pending" and "StorageUnavailable" in job.last_error
        detail = api.get(f"/v1/signing-requests/{sid}").json()
        assert detail["certificate"]["generated"] is False
        assert detail["certificate"]["has_error"] is False

        s3.start()  # the same ports and data dir: what was stored before is there again

        # The job retries on its schedule (0.2 s · 3.7^n here): the try after S3 is back seals.
        def sealed() -> dict[str, Any] | None:
            detail = api.get(f"/v1/signing-requests/{sid}").json()
            return detail if detail["certificate"]["generated"] else None

        detail = _wait("the sealed PDF", sealed, timeout=120)
        assert detail["certificate"]["has_error"] is False
        final = api.get(detail["final_document_download_url"])
        assert final.status_code == 200 and verify_pdf(final.content).intact
        again = api.get(created["document_url"])
        assert again.status_code == 200 and again.content == original.content
        pandadoc = api.get(f"/public/v1/documents/{sid}/download")
        assert pandadoc.status_code == 200 and pandadoc.content == final.content
        # The refused upload and create go through when retried.
        put = httpx.put(upload_url, content=late, headers={"Content-Type": "application/pdf"})
        assert put.status_code == 200, put.text
        retried = api.post("/v1/signing-requests", json=fresh)
        assert retried.status_code == 201, retried.text
        assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
        assert serve.alive(), serve.log_tail()
        assert worker.alive(), worker.log_tail()
    finally:
        api.close()
        serve.stop()
        worker.stop()
