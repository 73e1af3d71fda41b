"""A document's parts through the PandaDoc face: update, recipients, fields, reminders and the
downloadable PDF."""

from __future__ import annotations

import base64
import io

import pikepdf
import pytest
from fixtures.requests import create_body, field
from pandadoc_helpers import doc_data, finalize, jobs_of, sign
from PIL import Image

from signet.kit.ids import parse_uuid

FIELD = {
    "type": "text",
    "name": "Company",
    "field_id": "company",
    "assigned_to": "Client",
    "layout": {
        "page": 2,
        "position": {"offset_x": 306, "offset_y": 396},
        "style": {"width": 153, "height": 20},
    },
}


def test_update_changes_name_metadata_recipients_tokens_and_values(pd, api):
    doc = pd.create(doc_data(fields=[FIELD]))
    signer = doc["recipients"][0]
    r = pd.patch(
        f"/documents/{doc['id']}",
        {
            "name": "MSA v2",
            "metadata": {"stage": "legal", "crm_id": None},
            "recipients": [
                {"id": signer["id"], "first_name": "Augusta"},
                {"email": "new.cc@example.com", "first_name": "New"},
            ],
            "tokens": [{"name": "Client.Name", "value": "Acme"}],
            "fields": {"company": {"value": "Analytical Engines"}},
        },
    )
    assert r.status_code == 204, r.text
    details = pd.get(f"/documents/{doc['id']}/details").json()
    assert details["name"] == "MSA v2" and details["metadata"] == {"stage": "legal"}
    assert details["version"] == "2"
    assert [x["first_name"] for x in details["recipients"]] == ["Augusta", "Carl", "New"]
    assert details["recipients"][2]["recipient_type"] == "CC"
    assert details["tokens"] == [{"name": "Client.Name", "value": "Acme"}]
    assert details["fields"][0]["value"] == "Analytical Engines"
    firma = api.get(f"/signing-requests/{parse_uuid(doc['id'])}").json()
    assert firma["name"] == "MSA v2"


def test_update_refuses_unknown_recipients_and_roles(pd):
    doc = pd.create()
    r = pd.patch(
        f"/documents/{doc['id']}",
        {
            "recipients": [
                {"id": "CnEqURgZ3swzj528KMLvX5", "first_name": "X"},
                {"first_name": "Y"},
            ],
            "fields": {"x": {"role": "Nobody"}},
        },
    )
    assert r.status_code == 400
    assert set(r.json()["detail"]) == {"recipients[0].id", "recipients[1]", "fields.x.role"}


def test_fields_are_added_and_listed_in_points(pd):
    doc = pd.create()
    r = pd.post(
        f"/documents/{doc['id']}/fields",
        {
            "fields": [
                FIELD,
                {
                    "type": "checkbox",
                    "name": "Agree",
                    "assigned_to": "ada@example.com",
                    "layout": {
                        "page": 1,
                        "position": {
                            "offset_x": -40,
                            "offset_y": -40,
                            "anchor_point": "bottomright",
                        },
                        "style": {"width": 20, "height": 20},
                    },
                },
            ]
        },
    )
    assert r.status_code == 200, r.text
    created = r.json()["fields"]
    assert [f["type"] for f in created] == ["text", "checkbox"]
    assert created[0]["layout"]["position"] == {
        "offset_x": 306.0,
        "offset_y": 396.0,
        "anchor_point": "topleft",
    }
    # Letter is 612 x 792: 40 pt in from the bottom-right corner, 20 pt square.
    assert created[1]["layout"]["position"]["offset_x"] == pytest.approx(612 - 40 - 20, abs=0.05)
    assert created[1]["layout"]["position"]["offset_y"] == pytest.approx(792 - 40 - 20, abs=0.05)
    listed = pd.get(f"/documents/{doc['id']}/fields").json()["fields"]
    assert len(listed) == 3 and listed[1]["field_id"] == "company"


def test_bad_fields_are_reported_by_their_place_in_the_request(pd):
    doc = pd.create()
    r = pd.post(
        f"/documents/{doc['id']}/fields",
        {"fields": [FIELD, {**FIELD, "layout": {"page": 9}}, {**FIELD, "type": "hologram"}]},
    )
    assert r.status_code == 400
    assert set(r.json()["detail"]) == {"fields[1].page_number", "fields[2].type"}
    assert len(pd.get(f"/documents/{doc['id']}/fields").json()["fields"]) == 1


def test_recipients_can_be_added_edited_reassigned_and_removed(pd, app):
    doc = pd.create()
    signer = doc["recipients"][0]
    added = pd.post(
        f"/documents/{doc['id']}/recipients",
        {"email": "auditor@example.com", "first_name": "Aud", "last_name": "It"},
    )
    assert added.status_code == 200, added.text
    cc_id = added.json()["recipient_id"]
    assert len(cc_id) == 22
    # A contact id (every recipient is a contact) works as upstream's {id, kind}.
    again = pd.post(
        f"/documents/{doc['id']}/recipients",
        {"id": doc["recipients"][1]["contact_id"], "kind": "contact"},
    )
    assert again.status_code == 400  # already a recipient of this document
    edited = pd.patch(
        f"/documents/{doc['id']}/recipients/recipient/{cc_id}",
        {"first_name": "Audrey", "company": "Checks Ltd"},
    )
    assert edited.status_code == 204, edited.text
    assert pd.delete(f"/documents/{doc['id']}/recipients/{cc_id}").status_code == 204
    pd.post(f"/documents/{doc['id']}/send", {})
    refused = pd.delete(f"/documents/{doc['id']}/recipients/{signer['id']}")
    assert refused.status_code == 400 and refused.json()["type"] == "validation_error"
    moved = pd.post(
        f"/documents/{doc['id']}/recipients/{signer['id']}/reassign",
        {"email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"},
    )
    assert moved.status_code == 200, moved.text
    new_id = moved.json()["recipient_id"]
    details = pd.get(f"/documents/{doc['id']}/details").json()
    assert details["recipients"][0]["id"] == new_id
    assert details["recipients"][0]["role"] == "Client"
    assert details["fields"][0]["assigned_to"]["email"] == "grace@example.com"
    invited = [
        j["recipient_id"] for j in jobs_of(app, doc["id"]) if j["email_type"] == "signing_invite"
    ]
    assert parse_uuid(new_id) in invited
    assert sign(app, new_id) is True
    actions = [
        e["action"]
        for e in pd.get(f"/public/v2/documents/{doc['id']}/audit-trail").json()["results"]
    ]
    assert {25, 24, 26, 23} <= set(actions)


def test_send_reminder_reports_each_recipient(pd, app):
    doc = pd.create()
    signer, cc = doc["recipients"]
    before = pd.post(
        f"/documents/{doc['id']}/send-reminder", {"reminders": [{"recipient_id": signer["id"]}]}
    )
    assert before.status_code == 400
    pd.post(f"/documents/{doc['id']}/send", {})
    r = pd.post(
        f"/documents/{doc['id']}/send-reminder",
        {
            "reminders": [
                {"recipient_id": signer["id"], "email_customization": {"subject": "Reminder!"}},
                {"recipient_id": cc["id"]},
                {"recipient_id": signer["id"], "delivery_methods": {"sms": True}},
            ]
        },
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["sent", "failed", "failed"]
    assert results[2]["error"] == "SMS delivery is not supported"
    reminders = [j for j in jobs_of(app, doc["id"]) if j["email_type"] == "resend_notification"]
    assert [j["extra"]["subject"] for j in reminders] == ["Reminder!"]


def _pages_text(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return b"".join(
            pikepdf.unparse_content_stream(pikepdf.parse_content_stream(p)) for p in pdf.pages
        )


def test_download_serves_the_current_pdf_then_the_sealed_one(pd, app):
    doc = pd.create()
    draft = pd.get(f"/documents/{doc['id']}/download")
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF-")
    assert draft.headers["content-disposition"].startswith("attachment;")
    marked = pd.get(
        f"/documents/{doc['id']}/download?watermark_text=CONFIDENTIAL"
        "&watermark_color=%23FF0000&watermark_opacity=0.5&watermark_font_size=30"
    )
    assert marked.status_code == 200 and marked.content != draft.content
    bad = pd.get(f"/documents/{doc['id']}/download?watermark_color=red")
    assert bad.status_code == 400 and "watermark_color" in bad.json()["detail"]
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    sign(app, doc["recipients"][0]["id"])
    assert pd.get(f"/documents/{doc['id']}/download").status_code == 202
    finalize(app, doc["id"])
    final = pd.get(f"/documents/{doc['id']}/download")
    protected = pd.get(f"/documents/{doc['id']}/download-protected")
    assert final.status_code == protected.status_code == 200
    assert final.content == protected.content and b"/ByteRange" in final.content
    copy = pd.get(f"/documents/{doc['id']}/download?watermark_text=COPY")
    assert copy.status_code == 200 and b"/ByteRange" not in copy.content
    with (
        pikepdf.open(io.BytesIO(copy.content)) as pdf,
        pikepdf.open(io.BytesIO(final.content)) as sealed,
    ):
        assert len(pdf.pages) == len(sealed.pages)


def test_update_checks_the_images_its_tokens_and_values_put_in_read_only_fields(pd, api):
    def png_uri(width: int, height: int) -> str:
        buf = io.BytesIO()
        Image.new("L", (width, height)).save(buf, "PNG")
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()

    small, huge = png_uri(40, 20), png_uri(8000, 8000)  # huge: 8000 x 8000 in a few KB
    stamp = field(None, "image", read_only=True, read_only_value=small, variable_name="logo")
    created = api.post("/signing-requests", create_body(fields=[field(), stamp]))
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    for change in (
        {"name": "Renamed", "tokens": [{"name": "logo", "value": huge}]},
        {"name": "Renamed", "fields": {"logo": {"value": huge}}},
        {"name": "Renamed", "fields": {"logo": {"value": "not an image"}}},
    ):
        r = pd.patch(f"/documents/{sid}", change)
        assert r.status_code == 400, r.text
        assert "4096 pixels a side" in r.text
        assert api.get(f"/signing-requests/{sid}").json()["name"] != "Renamed"  # all undone
        fields = api.get(f"/signing-requests/{sid}/fields").json()["results"]
        (logo,) = [f for f in fields if f.get("variable_name") == "logo"]
        assert logo["read_only_value"] == small
