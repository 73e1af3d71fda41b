"""Finalisation: three sealed files that validate, with the values and the certificate."""

from __future__ import annotations

import hashlib
import time

import pikepdf
import pypdfium2 as pdfium
from fixtures.requests import field, signer
from test_recipient_actions import _finish, _sent, png_uri

from signet.pdf.verify import verify_pdf


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _wait_final(api, sid: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = api.get(f"/signing-requests/{sid}").json()
        if detail["certificate"]["generated"]:
            return detail
        time.sleep(0.1)
    raise AssertionError("final PDF not generated")


def test_completed_request_gets_three_sealed_files(api, app, worker, mailbox):
    words = "Çağrı Ğüneş Ωμέγα Жанна 李小龍 山田太郎 김민준"
    sr = _sent(
        api,
        recipients=[signer("temp_1", "fin-a@example.com")],
        fields=[
            field("temp_1"),
            field("temp_1", "text", position={"x": 5, "y": 5, "width": 80, "height": 5}),
            field("temp_1", "checkbox", position={"x": 5, "y": 20, "width": 3, "height": 3}),
            field(
                "temp_1",
                "date",
                position={"x": 5, "y": 30, "width": 30, "height": 4},
                format_rules={"dateFormat": "yyyy-MM-dd"},
            ),
        ],
    )
    rid = sr["recipients"][0]["id"]
    _, text_f, box_f, date_f = (f["id"] for f in sr["fields"])
    assert _finish(
        app,
        rid,
        {text_f: words, box_f: "true", date_f: "2026-11-21"},
        signature=png_uri(),
        signature_kind="drawn",
    )
    detail = _wait_final(api, sr["id"])
    assert detail["certificate"]["has_error"] is False
    files = {}
    for key in (
        "final_document_download_url",
        "document_only_download_url",
        "certificate_only_download_url",
    ):
        r = api.client.get(detail[key].replace("http://testserver", ""))
        assert r.status_code == 200
        files[key] = r.content
        result = verify_pdf(r.content)
        assert result.signet_sealed and result.intact, (key, result.problems)
        # Stored under its own SHA-256, which finalisation derives from the original's hash.
        assert app.state.signet.store.exists(hashlib.sha256(r.content).hexdigest()), key
    final = files["final_document_download_url"]
    text = _text(final)
    # The certificate cites the document-only file by its SHA-256.
    document_only_sha256 = hashlib.sha256(files["document_only_download_url"]).hexdigest()
    assert document_only_sha256 in "".join(text.split())
    for word in words.split():
        assert word in text, word
    assert "2026-11-21" in text
    assert "Certificate of completion" in text
    with pikepdf.open(__import__("io").BytesIO(final)) as pdf:
        assert len(pdf.pages) > 1  # the document page plus certificate page(s)
    events = [e["event"] for e in api.get(f"/signing-requests/{sr['id']}/audit").json()["results"]]
    assert events[-1] == "certificate_generated"
    download = api.get(f"/signing-requests/{sr['id']}/download").json()
    assert download["status"] == "finished" and download["is_partial"] is False
    mail = mailbox.wait_for("fin-a@example.com", "signing_completed")[0]
    attachments = [p for p in mail.iter_attachments()]
    assert attachments and attachments[0].get_content().startswith(b"%PDF")
    tampered = bytearray(final)
    tampered[len(tampered) // 3] ^= 0x01
    assert not verify_pdf(bytes(tampered)).intact


def test_typed_signature_text_survives_into_the_final_pdf(api, app, worker):
    import base64

    from signet.pdf.fonts import render_typed_signature

    name = "Çağrı Ωμέγα Жанна 李小龍"
    png = render_typed_signature(name, 600, 150)
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    sr = _sent(api)
    assert _finish(
        app, sr["recipients"][0]["id"], signature=uri, signature_kind="typed", signature_text=name
    )
    detail = _wait_final(api, sr["id"])
    final = api.client.get(
        detail["final_document_download_url"].replace("http://testserver", "")
    ).content
    text = _text(final)
    for word in name.split():
        assert word in text, word
