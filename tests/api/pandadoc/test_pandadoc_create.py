"""Creating documents through the PandaDoc face: uploads are accepted as document.uploaded and
processed to document.draft; bad input is a 400 in PandaDoc's format with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from fixtures.pdfs import make_encrypted_pdf, make_pdf
from pandadoc_helpers import doc_data
from sqlalchemy import func, select

from signet.kit.ids import parse_uuid
from signet.models import SigningRequest


def _count(app: Any, workspace_id: str) -> int:
    with app.state.signet.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SigningRequest)
                .where(SigningRequest.workspace_id == workspace_id)
            )
            or 0
        )


def test_upload_answers_uploaded_then_processing_makes_a_draft(pd):
    r = pd.upload(doc_data())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "document.uploaded" and body["uuid"] == body["id"]
    assert len(body["id"]) == 22 and body["expiration_date"] is None and body["version"] == "1"
    assert body["date_created"].endswith("Z") and "." in body["date_created"]
    assert pd.get(f"/documents/{body['id']}").json()["status"] == "document.uploaded"
    assert pd.process(body["id"]) == "draft"
    status = pd.get(f"/documents/{body['id']}").json()
    assert status["status"] == "document.draft" and status["date_completed"] is None


def test_the_worker_processes_an_upload_within_moments(pd, worker):
    import time

    doc_id = pd.upload(doc_data()).json()["id"]
    deadline = time.monotonic() + 15
    while pd.get(f"/documents/{doc_id}").json()["status"] != "document.draft":
        assert time.monotonic() < deadline, "the document was not processed"
        time.sleep(0.05)


def test_a_document_being_processed_refuses_changes_with_409(pd):
    doc_id = pd.upload(doc_data()).json()["id"]
    expected = {
        "id": doc_id,
        "status": "document.uploaded",
        "info_message": "Document is still being processed. Try again later.",
    }
    for r in (
        pd.post(f"/documents/{doc_id}/send", {}),
        pd.patch(f"/documents/{doc_id}", {"name": "x"}),
        pd.delete(f"/documents/{doc_id}"),
        pd.post(f"/documents/{doc_id}/session", {"recipient": "ada@example.com"}),
        pd.post(f"/documents/{doc_id}/fields", {"fields": []}),
        pd.get(f"/documents/{doc_id}/download"),
    ):
        assert r.status_code == 409, r.text
        assert r.json() == expected
    assert pd.get(f"/documents/{doc_id}/details").status_code == 200


def test_status_changes_and_reminders_wait_for_processing_too(pd):
    doc_id = pd.upload(doc_data()).json()["id"]
    for r in (
        pd.patch(f"/documents/{doc_id}/status", {"status": 2}),
        pd.post(f"/documents/{doc_id}/send-reminder", {"reminders": []}),
    ):
        assert r.status_code == 409, r.text
        assert r.json()["status"] == "document.uploaded"


def test_the_firma_face_refuses_changes_to_a_document_being_processed(pd, api):
    doc_id = pd.upload(doc_data()).json()["id"]
    sid = api.get(f"/signing-requests/{doc_id}").json()["id"]  # the same request, Firma's id
    for r in (
        api.patch(f"/signing-requests/{sid}", {"name": "x"}),
        api.put(f"/signing-requests/{sid}", {"signing_request_properties": {"name": "x"}}),
        api.post(f"/signing-requests/{sid}/send"),
        api.delete(f"/signing-requests/{sid}"),
    ):
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "DOCUMENT_NOT_READY", r.text
        assert r.json()["error"] == "Document is still being processed. Try again later."
    assert pd.get(f"/documents/{doc_id}").json()["status"] == "document.uploaded"
    assert pd.process(doc_id) == "draft"
    assert api.patch(f"/signing-requests/{sid}", {"name": "x"}).status_code == 200


def test_the_create_stores_recipients_fields_metadata_and_tags(pd):
    details = pd.create(doc_data(tokens=[{"name": "Client.Company", "value": "Acme"}]))
    assert details["name"] == "Master services agreement"
    assert details["metadata"] == {"crm_id": "42"} and details["tags"] == ["msa", "q3"]
    assert details["tokens"] == [{"name": "Client.Company", "value": "Acme"}]
    signer, cc = details["recipients"]
    assert (signer["recipient_type"], signer["role"], signer["roles"]) == (
        "signer",
        "Client",
        ["Client"],
    )
    assert (cc["recipient_type"], cc["role"], cc["signing_order"]) == ("CC", "", None)
    assert "redirect" not in signer and isinstance(signer["id"], str)
    field = details["fields"][0]
    assert field["type"] == "signature" and field["assigned_to"]["id"] == signer["id"]
    assert field["layout"] == {
        "page": 1,
        "position": {"offset_x": 72.0, "offset_y": 600.0, "anchor_point": "topleft"},
        "style": {"width": 180.0, "height": 40.0},
    }


def test_points_are_stored_as_percent_of_the_page(pd, api):
    details = pd.create(doc_data())
    firma = api.get(f"/signing-requests/{parse_uuid(details['id'])}/fields").json()["results"]
    # Letter: 612 x 792 points.
    assert firma[0]["position"] == pytest.approx(
        {
            "x": 72 / 612 * 100,
            "y": 600 / 792 * 100,
            "width": 180 / 612 * 100,
            "height": 40 / 792 * 100,
        },
        abs=1e-3,
    )


def test_an_upload_without_data_takes_the_file_name(pd):
    r = pd.upload(None, make_pdf(), filename="Offer letter.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Offer letter"


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        (
            doc_data(fields={"Client signature": {"value": "x", "role": "Boss"}}),
            "fields.Client signature.role",
            "unknown role 'Boss'",
        ),
        (
            doc_data(fields=[{"type": "signature", "assigned_to": "Boss", "layout": {"page": 1}}]),
            "fields[0].assigned_to",
            "Boss",
        ),
        (
            doc_data(recipients=[{"first_name": "No", "last_name": "Contact", "role": "Client"}]),
            "recipients[0].email",
            "required",
        ),
        (
            doc_data(recipients=[{"phone": "+15555550100", "role": "Client"}]),
            "recipients[0].email",
            "phone-only",
        ),
        (
            doc_data(
                fields=[{"type": "signature", "assigned_to": "Client", "layout": {"page": 3}}]
            ),
            "fields[0].page_number",
            "page count",
        ),
        (
            doc_data(fields=[{"type": "payment_details", "layout": {"page": 1}}]),
            "fields[0].type",
            "not supported",
        ),
        ("{not json", "data", "not valid JSON"),
        ("[1, 2]", "data", "JSON object"),
    ],
)
def test_bad_upload_data_is_a_400_and_nothing_is_stored(pd, api, app, data, key, message):
    before = _count(app, api.workspace_id)
    r = pd.upload(data)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "request_error"
    assert key in body["detail"], body
    assert any(message in m for m in body["detail"][key]), body
    assert _count(app, api.workspace_id) == before


@pytest.mark.parametrize("pdf", [b"hello, not a pdf", make_encrypted_pdf()])
def test_a_file_that_is_not_a_usable_pdf_is_a_400(pd, api, app, pdf):
    before = _count(app, api.workspace_id)
    r = pd.upload(doc_data(), pdf)
    assert r.status_code == 400, r.text
    assert "file" in r.json()["detail"]
    assert _count(app, api.workspace_id) == before


def test_every_problem_is_reported_at_once(pd):
    r = pd.upload(
        doc_data(recipients=[{"role": "Client"}, {"email": "bad", "role": "Client"}]), b"not a pdf"
    )
    detail = r.json()["detail"]
    assert {"file", "recipients[0].email", "recipients[1].email", "recipients[1].role"} <= set(
        detail
    )


def test_mixed_signing_orders_are_refused(pd):
    data = doc_data(
        recipients=[
            {"email": "a@example.com", "role": "A", "signing_order": 1},
            {"email": "b@example.com", "role": "B"},
        ],
        fields=None,
    )
    r = pd.upload(data)
    assert r.status_code == 400
    assert "recipients[1].signing_order" in r.json()["detail"]


def test_phone_verification_is_refused(pd):
    data = doc_data(
        recipients=[
            {
                "email": "a@example.com",
                "role": "A",
                "verification_settings": {"phone_verification": {"phone": "+15555550100"}},
            }
        ],
        fields=None,
    )
    r = pd.upload(data)
    assert r.status_code == 400
    assert "recipients[0].verification_settings.phone_verification" in r.json()["detail"]


def test_a_create_from_an_unknown_template_is_not_found(pd):
    # Creating from a real template is covered with templates (tests/templates).
    r = pd.post(
        "/documents",
        {
            "name": "From template",
            "template_uuid": "CnEqURgZ3swzj528KMLvX5",
            "recipients": [{"email": "a@example.com", "role": "Client"}],
        },
    )
    assert r.status_code == 404, r.text
    assert r.json() == {"type": "request_error", "detail": "Not found"}


def test_errors_use_pandadoc_shapes(pd, client):
    r = client.get("/public/v1/documents")
    assert r.status_code == 401
    assert r.json() == {
        "type": "authentication_error",
        "detail": "Authentication credentials were not provided.",
    }
    missing = pd.get("/documents/CnEqURgZ3swzj528KMLvX5")
    assert missing.status_code == 404
    assert missing.json() == {"type": "request_error", "detail": "Not found"}
    assert pd.get("/documents/not-an-id/details").status_code == 404


def test_another_workspace_cannot_see_the_document(pd, other_pd):
    doc_id = pd.create()["id"]
    for r in (
        other_pd.get(f"/documents/{doc_id}"),
        other_pd.get(f"/documents/{doc_id}/details"),
        other_pd.delete(f"/documents/{doc_id}"),
    ):
        assert r.status_code == 404
    assert other_pd.get("/documents").json()["results"] == []


def test_an_update_from_either_face_keeps_the_reminders_it_does_not_touch(pd, api):
    from fixtures.requests import create_body

    r = api.post("/signing-requests", create_body(reminders=[{"hours": 24, "all_users": True}]))
    assert r.status_code == 201, r.text
    sid, (reminder,) = r.json()["id"], r.json()["reminders"]
    assert pd.patch(f"/documents/{sid}", {"name": "Renamed in PandaDoc"}).status_code == 204
    assert api.patch(f"/signing-requests/{sid}", {"name": "Renamed in Firma"}).status_code == 200
    (kept,) = api.get(f"/signing-requests/{sid}/reminders").json()
    assert kept["id"] == reminder["id"] and kept["hours"] == 24
