"""Signet on a real S3 server (SeaweedFS): the whole signing round trip, presigned downloads,
start-up refusals that name the problem, and 503 with Retry-After while S3 is down."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fixtures.pdfs import make_pdf
from signing_page.builders import csrf_of, field_ids, one_signer_body
from sqlalchemy import select

from signet.errors import StorageUnavailable
from signet.models import Job
from signet.pdf.verify import verify_pdf
from storage.seaweed import SeaweedS3, free_port

pytestmark = pytest.mark.timeout(180)

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _create_sent(signet, body: dict) -> dict:
    created = signet.client.post("/v1/signing-requests", json=body, headers=signet.headers)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    sent = signet.client.post(f"/v1/signing-requests/{sid}/send", headers=signet.headers)
    assert sent.status_code == 200, sent.text
    return dict(created.json())


def _sign(signet, body: dict, created: dict) -> str:
    """The recipient signs on the signing page, over HTTP; their id."""
    rid = created["recipients"][0]["id"]
    page = signet.client.get(f"/signing/{rid}")
    assert page.status_code == 200, page.text
    ids = field_ids(body, created)
    finished = signet.client.post(
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
    return str(rid)


def _wait_final(signet, sid: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = signet.client.get(f"/v1/signing-requests/{sid}", headers=signet.headers).json()
        if detail["certificate"]["generated"]:
            return dict(detail)
        time.sleep(0.1)
    raise AssertionError("the final PDF was not generated")


def _objects(seaweed: SeaweedS3, bucket: str) -> set[str]:
    listed = seaweed.client().list_objects_v2(Bucket=bucket, Prefix="blobs/")
    return {item["Key"].removeprefix("blobs/") for item in listed.get("Contents", [])}


def test_a_request_is_signed_sealed_and_downloaded_with_blobs_on_s3(
    seaweed, bucket, running, tmp_path
):
    signet = running(seaweed.url(bucket))
    body = one_signer_body("On S3")
    original = hashlib.sha256(base64.b64decode(body["document"])).hexdigest()
    created = _create_sent(signet, body)
    rid = _sign(signet, body, created)
    detail = _wait_final(signet, created["id"])
    assert detail["certificate"]["has_error"] is False

    final = signet.client.get(detail["final_document_download_url"])
    assert final.status_code == 200 and final.headers["content-type"] == "application/pdf"
    result = verify_pdf(final.content)
    assert result.signet_sealed and result.intact, result.problems
    final_sha = hashlib.sha256(final.content).hexdigest()
    # Every file lives in the bucket, none on the local disk.
    stored = _objects(seaweed, bucket)
    assert {original, final_sha} <= stored
    assert len(stored - {".signet-probe"}) == 4  # the original and the three sealed files
    assert not (tmp_path / "data" / "blobs").exists()
    meta = seaweed.client().head_object(Bucket=bucket, Key=f"blobs/{final_sha}")["Metadata"]
    assert meta["sha256"] == final_sha
    # The signer's own download and the PandaDoc face stream the same sealed file.
    mine = signet.client.get(f"/signing/{rid}/download")
    assert mine.status_code == 200 and mine.content == final.content
    assert mine.headers["content-disposition"].startswith("attachment;")
    protected = signet.client.get(
        f"/public/v1/documents/{created['id']}/download-protected", headers=signet.headers
    )
    assert protected.status_code == 200 and protected.content == final.content


def test_downloads_redirect_to_a_presigned_url_when_allowed(seaweed, bucket, running):
    signet = running(seaweed.url(bucket), s3_presign=True)
    pdf = make_pdf(2)
    body = one_signer_body("Presigned", document=_b64(pdf))
    created = _create_sent(signet, body)
    link = created["document_url"]
    r = signet.client.get(link, follow_redirects=False)
    assert r.status_code == 307 and r.headers["cache-control"] == "no-store"
    location = r.headers["location"]
    assert location.startswith(seaweed.endpoint + "/")
    fetched = httpx.get(location)
    assert fetched.status_code == 200 and fetched.content == pdf
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.headers["content-disposition"].startswith("inline;")
    # The signature covers the whole link: a changed key is refused by S3 itself.
    other = location.replace(hashlib.sha256(pdf).hexdigest(), "0" * 64)
    assert httpx.get(other).status_code == 403


def test_without_presign_s3_downloads_stream_through_signet(seaweed, bucket, running):
    signet = running(seaweed.url(bucket))
    pdf = make_pdf(3)
    body = one_signer_body("Streamed", document=_b64(pdf))
    created = _create_sent(signet, body)
    r = signet.client.get(created["document_url"], follow_redirects=False)
    assert r.status_code == 200 and r.content == pdf


def _serve(tmp_path: Path, storage_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SIGNET_DATA_DIR": str(tmp_path / "serve-data"),
        "SIGNET_STORAGE_URL": storage_url,
        "SIGNET_PORT": str(free_port()),
    }
    signet = Path(sys.executable).parent / "signet"
    return subprocess.run(
        [str(signet), "serve"], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("missing bucket", "does not exist"),
        ("wrong credentials", "refused the credentials"),
        ("unreachable endpoint", "cannot reach the S3 endpoint"),
    ],
)
def test_serve_refuses_to_start_naming_the_storage_problem(
    seaweed, bucket, tmp_path, problem, expected
):
    if problem == "missing bucket":
        url = seaweed.url("no-such-bucket")
    elif problem == "wrong credentials":
        url = seaweed.url(bucket, secret_access_key="not-the-secret")
    else:
        url = seaweed.url(bucket, endpoint=f"http://127.0.0.1:{free_port()}")
    done = _serve(tmp_path, url)
    assert done.returncode == 2, done.stderr
    assert "not starting: storage:" in done.stderr and expected in done.stderr, done.stderr
    # Nothing was set up behind the refusal: no database, no first key.
    assert not (tmp_path / "serve-data" / "signet.db").exists()


def test_the_app_itself_refuses_a_bucket_that_does_not_exist(seaweed, running):
    with pytest.raises(StorageUnavailable, match="does not exist"):
        running(seaweed.url("still-no-such-bucket"))


def test_an_unknown_storage_url_parameter_is_refused(seaweed, bucket, tmp_path):
    done = _serve(tmp_path, seaweed.url(bucket, regoin="eu-west-1"))
    assert done.returncode == 2 and "unknown S3 storage URL parameter(s) regoin" in done.stderr


def test_while_s3_is_down_uploads_answer_503_and_sealing_waits(tmp_path, running):
    server = SeaweedS3(tmp_path / "own-seaweed")
    server.start()
    try:
        bucket = server.create_bucket()
        signet = running(server.url(bucket), data_dir=tmp_path / "data")
        body = one_signer_body("Outage")
        created = _create_sent(signet, body)
        server.stop()

        fresh = one_signer_body("During the outage", document=_b64(make_pdf(4)))
        r = signet.client.post("/v1/signing-requests", json=fresh, headers=signet.headers)
        assert r.status_code == 503, r.text
        assert int(r.headers["retry-after"]) > 0
        assert r.json()["code"] == "STORAGE_UNAVAILABLE"
        pandadoc = signet.client.get(
            f"/public/v1/documents/{created['id']}/download", headers=signet.headers
        )
        assert pandadoc.status_code == 503 and "retry-after" in pandadoc.headers
        assert pandadoc.json()["type"] == "service_unavailable"
        ready = signet.client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["database"] == "ok"
        assert ready.json()["storage"] == "the file storage does not answer"

        # Signing needs no storage; sealing does, and is retried until S3 is back.
        _sign(signet, body, created)
        job = _failed_finalize_job(signet)
        assert job.state == "pending" and "StorageUnavailable" in (job.last_error or "")
        detail = signet.client.get(
            f"/v1/signing-requests/{created['id']}", headers=signet.headers
        ).json()
        assert detail["certificate"]["generated"] is False
        assert detail["certificate"]["has_error"] is False
        server.start()
        detail = _wait_final(signet, created["id"])
        assert detail["certificate"]["has_error"] is False
        final = signet.client.get(detail["final_document_download_url"])
        assert final.status_code == 200 and verify_pdf(final.content).intact
        assert signet.client.get("/readyz").status_code == 200
    finally:
        server.stop()


def _failed_finalize_job(signet, timeout: float = 60) -> Job:
    """The sealing job, once it has failed at least once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with signet.app.state.signet.db.read() as session:
            job = session.scalars(
                select(Job).where(Job.kind == "request.finalize", Job.last_error.is_not(None))
            ).first()
            if job is not None:
                session.expunge(job)
                return job
        time.sleep(0.1)
    raise AssertionError("the sealing job never failed")
