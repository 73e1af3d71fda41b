"""``signet storage migrate --to URL``: every blob copied to S3 with its SHA-256 checked,
resumable, and the app then serves the same files from the new store."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from fixtures.pdfs import make_pdf

from signet.cli import build_parser
from signet.config import Settings
from storage.seaweed import SeaweedS3


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _migrate(data_dir: Path, *args: str) -> Ran:
    """``signet storage migrate …`` as the command line runs it, in this process."""
    parsed = build_parser().parse_args(["storage", "migrate", *args])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = parsed.func(Settings(data_dir=data_dir), parsed)
    return Ran(code, out.getvalue(), err.getvalue())


def _upload(signet, pdf: bytes) -> str:
    body = {
        "name": "To migrate",
        "document": base64.b64encode(pdf).decode(),
        "recipients": [
            {"id": "temp_1", "first_name": "Ada", "last_name": "L", "email": "ada@example.com"}
        ],
    }
    r = signet.client.post("/v1/signing-requests", json=body, headers=signet.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _objects(seaweed: SeaweedS3, bucket: str) -> set[str]:
    listed = seaweed.client().list_objects_v2(Bucket=bucket, Prefix="blobs/")
    return {item["Key"].removeprefix("blobs/") for item in listed.get("Contents", [])}


def test_local_blobs_move_to_s3_and_a_second_run_resumes(seaweed, bucket, running, tmp_path):
    data_dir = tmp_path / "data"
    local = running(None, data_dir=data_dir)
    pdfs = [make_pdf(n, text=f"migrate {n}") for n in (1, 2, 3)]
    ids = [_upload(local, pdf) for pdf in pdfs[:2]]
    target = seaweed.url(bucket)

    first = _migrate(data_dir, "--to", target)
    assert first.returncode == 0, first.stderr
    assert "copied 2 blob(s)" in first.stdout and "already there 0, failed 0" in first.stdout
    digests = {hashlib.sha256(pdf).hexdigest() for pdf in pdfs}
    assert _objects(seaweed, bucket) - {".signet-probe"} == digests - {
        hashlib.sha256(pdfs[2]).hexdigest()
    }

    # While Signet keeps serving, a new file arrives; the next run copies only that one.
    _upload(local, pdfs[2])
    second = _migrate(data_dir, "--to", target)
    assert second.returncode == 0, second.stderr
    assert "copied 1 blob(s)" in second.stdout and "already there 2, failed 0" in second.stdout
    assert _objects(seaweed, bucket) - {".signet-probe"} == digests

    # A damaged local file is reported, not copied.
    junk = "ab" * 32
    damaged = data_dir / "blobs" / junk[:2] / junk[2:4] / junk
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"not what its name says")
    third = _migrate(data_dir, "--to", target)
    assert third.returncode == 1
    assert "copied 0 blob(s)" in third.stdout and "already there 3, failed 1" in third.stdout
    assert f"failed {junk}: the source content does not match its SHA-256" in third.stderr
    assert junk not in _objects(seaweed, bucket)

    # The same data dir on the S3 store serves the migrated originals.
    damaged.unlink()
    moved = running(target, data_dir=data_dir)
    for sid, pdf in zip(ids, pdfs, strict=False):
        detail = moved.client.get(f"/v1/signing-requests/{sid}", headers=moved.headers).json()
        r = moved.client.get(detail["document_url"])
        assert r.status_code == 200 and r.content == pdf


def test_migrate_refuses_an_unusable_target(seaweed, tmp_path):
    done = _migrate(tmp_path / "data", "--to", seaweed.url("missing-bucket"))
    assert done.returncode == 2 and "does not exist" in done.stderr
