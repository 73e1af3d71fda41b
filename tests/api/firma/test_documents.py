"""POST /documents: the legacy create and the presigned upload, told apart by the body."""

from __future__ import annotations

from fixtures.pdfs import b64, make_pdf
from fixtures.requests import create_body


def test_legacy_create_returns_the_legacy_shape(api):
    r = api.post(
        "/documents",
        {
            "name": "Sales Agreement 2024",
            "document": b64(make_pdf(2)),
            "recipients": [{"name": "John Q Doe", "email": "john@example.com"}],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "not_sent"
    assert body["document_page_count"] == 2
    assert set(body["settings"]) == {
        "allow_download",
        "attach_pdf_on_finish",
        "allow_editing_before_sending",
        "send_signing_email",
        "send_finish_email",
        "send_expiration_email",
        "send_cancellation_email",
        "hand_drawn_only",
    }
    assert body["allow_download"] == 1 and body["certificate"]["generated"] is False
    users = api.get(f"/signing-requests/{body['id']}/users").json()["results"]
    assert (users[0]["first_name"], users[0]["last_name"]) == ("John Q", "Doe")


def test_legacy_create_without_document_has_null_url(api):
    r = api.post("/documents", {"name": "Later"})
    assert r.status_code == 201 and r.json()["document_url"] is None


def test_body_with_both_or_neither_kind_is_400(api):
    both = api.post("/documents", {"name": "x", "file_name": "a.pdf", "file_size": 10})
    neither = api.post("/documents", {"recipients": []})
    assert both.status_code == neither.status_code == 400


def test_presigned_upload_then_create_by_document_id(api):
    pdf = make_pdf(3)
    ticket = api.post(
        "/documents",
        {"file_name": "contract.pdf", "file_size": len(pdf), "content_type": "application/pdf"},
    )
    assert ticket.status_code == 201, ticket.text
    t = ticket.json()
    assert t["expires_in"] == 3600 and t["upload_url"].startswith("http://testserver/v1/uploads/")
    put = api.client.put(
        t["upload_url"].replace("http://testserver", ""),
        content=pdf,
        headers={"Content-Type": "application/pdf"},
    )
    assert put.status_code == 200, put.text
    assert put.json()["page_count"] == 3 and put.json()["status"] == "uploaded"
    again = api.client.put(t["upload_url"].replace("http://testserver", ""), content=pdf)
    assert again.status_code == 409
    body = create_body(document=None, document_id=t["document_id"])
    body.pop("document")
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    assert r.json()["page_count"] == 3


def test_upload_checks_size_type_and_token(api, other_api):
    assert (
        api.post("/documents", {"file_name": "big.pdf", "file_size": 60_000_000}).status_code == 413
    )
    assert (
        api.post(
            "/documents",
            {"file_name": "a.exe", "file_size": 10, "content_type": "application/x-msdownload"},
        ).status_code
        == 400
    )
    pdf = make_pdf()
    t = api.post("/documents", {"file_name": "a.pdf", "file_size": len(pdf) + 1}).json()
    path = t["upload_url"].replace("http://testserver", "")
    assert api.client.put(path, content=pdf).status_code == 400  # size differs from declared
    assert api.client.put(path[:-2] + "xx", content=pdf).status_code == 403
    t2 = api.post("/documents", {"file_name": "b.pdf", "file_size": 20}).json()
    junk = api.client.put(t2["upload_url"].replace("http://testserver", ""), content=b"x" * 20)
    assert junk.status_code == 400
    # Another workspace cannot use the uploaded document.
    t3 = api.post("/documents", {"file_name": "c.pdf", "file_size": len(pdf)}).json()
    api.client.put(t3["upload_url"].replace("http://testserver", ""), content=pdf)
    body = create_body(document_id=t3["document_id"])
    body.pop("document")
    assert other_api.post("/signing-requests", body).status_code == 404
    not_uploaded = create_body(document_id=t2["document_id"])
    not_uploaded.pop("document")
    assert api.post("/signing-requests", not_uploaded).status_code == 400
