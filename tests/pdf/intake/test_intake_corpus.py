"""Every file of the broken-PDF corpus is either refused at create with a 4xx, or goes all the
way to a sealed final PDF that Signet's verify accepts, with no active content left in it."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from signet.models import Blob, SigningRequest
from signet.pdf.active_content import remove_active_content

from .corpus import KINDS, REFUSED

sys.path.insert(0, str(Path(__file__).parents[2] / "signing"))

from fixtures.pdfs import b64  # noqa: E402
from fixtures.requests import create_body  # noqa: E402
from test_finalize import _wait_final  # noqa: E402
from test_recipient_actions import _finish, png_uri  # noqa: E402

# One database is enough: the corpus exercises the PDF path, not SQL; the app is shared.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _final_pdf(api, app, data: bytes) -> tuple[int, dict, bytes | None]:  # type: ignore[no-untyped-def]
    r = api.post("/signing-requests", create_body(document=b64(data)))
    if r.status_code != 201:
        return r.status_code, r.json(), None
    sid = r.json()["id"]
    assert api.post(f"/signing-requests/{sid}/send").status_code == 200
    _finish(app, r.json()["recipients"][0]["id"], signature=png_uri(), signature_kind="drawn")
    detail = _wait_final(api, sid)
    url = detail["final_document_download_url"].replace("http://testserver", "")
    got = api.client.get(url)
    assert got.status_code == 200, got.text
    return 201, r.json(), got.content


@SQLITE_ONLY
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_corpus_pdf_is_refused_at_create_or_sealed_and_verifies(kind, api, app, worker):  # type: ignore[no-untyped-def]
    status, body, final = _final_pdf(api, app, KINDS[kind]())
    if kind in REFUSED:
        assert status == 400, (status, body)
        assert "document" in str(body), body
        return
    assert status == 201, body
    assert final is not None
    r = api.client.post(
        "/signet/v1/verify",
        files={"file": ("f.pdf", final, "application/pdf")},
        headers=api.headers,
    )
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["match"] is True and verdict["variant"] == "final", verdict
    assert verdict["pades"]["intact"] is True, verdict
    with pikepdf.open(io.BytesIO(final)) as pdf:
        left = remove_active_content(pdf)
    assert left == [], (kind, left)


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    text = " ".join(str(page.get_textpage().get_text_range()) for page in document)
    document.close()
    return " ".join(text.split())


@SQLITE_ONLY
def test_certificate_records_the_upload_and_the_normalised_document(api, app, worker):  # type: ignore[no-untyped-def]
    upload = KINDS["open_action_javascript"]()
    status, created, final = _final_pdf(api, app, upload)
    assert status == 201 and final is not None
    with app.state.signet.db.read() as s:
        stored = s.scalar(
            select(SigningRequest.document_sha256).where(SigningRequest.id == created["id"])
        )
        assert s.get(Blob, stored).upload_sha256 == hashlib.sha256(upload).hexdigest()
    assert stored != hashlib.sha256(upload).hexdigest()
    text = _text(final)
    assert f"SHA-256 as uploaded {hashlib.sha256(upload).hexdigest()}" in text
    assert f"SHA-256 of the original {stored}" in text


@SQLITE_ONLY
def test_certificate_of_a_clean_upload_names_one_original(api, app, worker):  # type: ignore[no-untyped-def]
    upload = KINDS["clean"]()
    status, _, final = _final_pdf(api, app, upload)
    assert status == 201 and final is not None
    text = _text(final)
    assert "SHA-256 as uploaded" not in text
    assert f"SHA-256 of the original {hashlib.sha256(upload).hexdigest()}" in text
