"""Creating signing requests on the Firma face: shapes, defaults, temp ids, both mounts."""

from __future__ import annotations

import base64
import io

import pytest
from fixtures.pdfs import b64, make_pdf
from fixtures.requests import create_body, field, signer
from PIL import Image


def test_create_returns_documented_shape_with_page_count_from_pdf(api):
    r = api.post("/signing-requests", create_body(pages=3))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft"
    assert body["document_page_count"] == 3 and body["page_count"] == 3
    assert body["expiration_hours"] == 168
    assert body["credit_cost"] == 1
    assert body["expires_at"] is None and body["sent_date"] is None
    assert body["created_date"].endswith("Z") and body["date_created"] == body["created_date"]
    assert body["seal_participants"] == []
    # Firma forces allow_editing_before_sending on document-based creates.
    assert body["settings"]["allow_editing_before_sending"] is True
    assert body["settings"]["use_signing_order"] is True
    assert body["settings"]["send_signing_email"] is True
    assert body["document_url"].startswith("http://testserver/files/")


def test_temp_ids_resolve_to_uuids_for_fields_and_reminders(api):
    body = create_body(
        recipients=[signer("temp_a", "a@example.com"), signer("temp_b", "b@example.com")],
        fields=[field("temp_a"), field("temp_b", "text", position={"x": 50, "y": 10})],
        reminders=[{"hours": 24, "recipient_id": "temp_b"}],
    )
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    data = r.json()
    ids = {rec["email"]: rec["id"] for rec in data["recipients"]}
    assert all(not v.startswith("temp_") for v in ids.values())
    assert data["fields"][0]["recipient_id"] == ids["a@example.com"]
    assert data["fields"][1]["recipient_id"] == ids["b@example.com"]
    # An omitted size takes the anchor default for its type (text: 20 x 3).
    assert data["fields"][1]["width"] == 20 and data["fields"][1]["height"] == 3
    assert data["reminders"][0]["recipient_id"] == ids["b@example.com"]
    assert data["reminders"][0]["hours_before_expiration"] == 24


def test_every_field_type_and_alias_is_accepted(api):
    recipients = [
        signer("temp_s", "s@example.com"),
        signer("temp_a", "a@example.com", designation="approver"),
    ]
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (20, 40, 160)).save(buf, "PNG")
    png = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    fields = [
        field("temp_s", "signature"),
        field("temp_s", "initials"),
        field("temp_s", "text", format_rules={"fontSize": 12}),
        field("temp_s", "textarea"),
        field("temp_s", "number"),
        field(
            "temp_s", "date", format_rules={"dateFormat": "dd/MM/yyyy"}, date_signing_default=True
        ),
        field("temp_s", "checkbox"),
        field("temp_s", "radio", multi_group_id="g1"),
        field("temp_s", "radio_buttons", multi_group_id="g1"),
        field("temp_s", "dropdown", dropdown_options=["Red", "Green"]),
        field(None, "url", read_only_value="https://example.com/terms"),
        field("temp_s", "file", format_rules={"acceptedFileTypes": "pdf"}),
        field(None, "image", read_only=True, read_only_value=png),
        field("temp_a", "approval_signature"),
        field("temp_a", "approval_checkmark"),
        field("temp_a", "approval_date"),
        field(None, "text", read_only=True, read_only_value="Fixed text"),
    ]
    r = api.post("/signing-requests", create_body(recipients=recipients, fields=fields))
    assert r.status_code == 201, r.text
    types = [f["type"] for f in r.json()["fields"]]
    assert types == [
        "signature",
        "initial",
        "text",
        "text_area",
        "number",
        "date",
        "checkbox",
        "radio_buttons",
        "radio_buttons",
        "dropdown",
        "url",
        "file",
        "stamp",
        "approval_signature",
        "approval_checkmark",
        "approval_date",
        "text",
    ]
    url_field = r.json()["fields"][10]
    assert url_field["read_only"] is True and url_field["recipient_id"] is None
    assert r.json()["recipients"][1]["designation"] == "Approver"


def test_deprecated_field_aliases_are_kept_in_output(api):
    r = api.post("/signing-requests", create_body())
    f = r.json()["fields"][0]
    assert f["x_position"] == f["x_postion"] == 10
    assert f["height"] == f["heigh"] == 10
    assert f["position"] == {"x": 10, "y": 80, "width": 30, "height": 10}
    assert f["companies_workspaces_signing_requests_users_id"] == f["recipient_id"]


def test_unknown_keys_are_ignored_and_listed_in_warnings(api):
    body = create_body(colour="blue")
    body["recipients"][0]["nickname"] = "Ada"
    r = api.post("/signing-requests", body)
    assert r.status_code == 201
    warnings = r.json()["warnings"]
    assert any(w.startswith("colour") for w in warnings)
    assert any(w.startswith("recipients[0].nickname") for w in warnings)


def test_signing_order_is_compacted_and_cc_has_its_own_sequence(api):
    recipients = [
        signer("temp_1", "one@example.com", order=5),
        {
            "id": "temp_cc",
            "first_name": "C",
            "email": "cc@example.com",
            "designation": "cc",
            "order": 9,
        },
        signer("temp_2", "two@example.com", order=2),
    ]
    r = api.post(
        "/signing-requests",
        create_body(recipients=recipients, fields=[field("temp_1"), field("temp_2")]),
    )
    assert r.status_code == 201, r.text
    orders = {x["email"]: (x["designation"], x["order"]) for x in r.json()["recipients"]}
    assert orders == {
        "one@example.com": ("Signer", 2),
        "two@example.com": ("Signer", 1),
        "cc@example.com": ("CC", 1),
    }


def test_both_mount_points_serve_the_same_request(api):
    r = api.post("/signing-requests", create_body())
    sid = r.json()["id"]
    a = api.client.get(f"/v1/signing-requests/{sid}", headers=api.headers)
    b = api.client.get(
        f"/functions/v1/signing-request-api/signing-requests/{sid}", headers=api.headers
    )
    assert a.status_code == b.status_code == 200
    assert a.json()["id"] == b.json()["id"] == sid


def test_same_pdf_is_stored_once(api, app):
    from sqlalchemy import func, select

    from signet.models import Blob

    pdf = b64(make_pdf(2, text="dedupe-me"))
    for _ in range(2):
        assert api.post("/signing-requests", create_body(document=pdf)).status_code == 201
    with app.state.signet.db.read() as s:
        import base64
        import hashlib

        digest = hashlib.sha256(base64.b64decode(pdf)).hexdigest()
        assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == digest)) == 1
        assert s.get(Blob, digest).page_count == 2


def test_document_url_serves_the_original_pdf(api):
    pdf = make_pdf(1, text="original")
    r = api.post("/signing-requests", create_body(document=b64(pdf)))
    url = r.json()["document_url"].replace("http://testserver", "")
    got = api.client.get(url)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert got.content == pdf


def test_document_url_rejects_a_tampered_or_expired_token(api, app):
    from signet.kit import signed_urls

    r = api.post("/signing-requests", create_body())
    url = r.json()["document_url"].replace("http://testserver", "")
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert api.client.get(tampered).status_code == 403
    token = signed_urls.sign(app.state.signet.secret, {"p": "file", "s": "0" * 64}, -10)
    assert api.client.get(f"/files/{token}").status_code == 403


def test_create_and_send_returns_sent_status_and_first_signer(api):
    recipients = [
        signer("temp_1", "one@example.com", order=1),
        signer("temp_2", "two@example.com", order=2),
    ]
    r = api.post(
        "/signing-requests/create-and-send",
        create_body(recipients=recipients, fields=[field("temp_1"), field("temp_2")]),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "sent"
    assert body["first_signer"]["email"] == "one@example.com"
    assert body["first_signer"]["signing_link"].endswith("/signing/" + body["first_signer"]["id"])
    assert body["credits_remaining"] is None
    assert body["expires_at"] is not None
    detail = api.get(f"/signing-requests/{body['id']}").json()
    assert detail["status"]["sent"] is True


def test_create_and_send_accepts_the_flat_field_form(api):
    body = create_body(
        fields=[
            {
                "type": "signature",
                "recipient_id": "temp_1",
                "page": 1,
                "x": 5,
                "y": 5,
                "width": 20,
                "height": 5,
            }
        ],
        reminders=[{"hours_before_expiration": 48, "all_users": True}],
    )
    r = api.post("/signing-requests/create-and-send", body)
    assert r.status_code == 201, r.text
    assert r.json()["fields"][0]["position"] == {"x": 5, "y": 5, "width": 20, "height": 5}
    assert r.json()["reminders"][0]["hours"] == 48


def test_create_and_send_reports_the_send_phase(api):
    body = create_body(recipients=[signer("temp_1", "", first_name="")])
    r = api.post("/signing-requests/create-and-send", body)
    assert r.status_code == 400
    err = r.json()
    assert err["phase"] == "send_validation"
    assert err["validation_errors"][0]["recipient_index"] == 1
    assert set(err["validation_errors"][0]["missing_fields"]) == {"first_name", "email"}
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0


def _image_uri(kind: str, size: tuple[int, int], **save: object) -> str:
    buf = io.BytesIO()
    image = Image.new("RGB", size, (20, 40, 160))
    image.save(buf, kind, **save)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize(
    "uri",
    [
        # 5000 x 10 pixels compress to a few hundred bytes: the size in bytes says nothing.
        _image_uri("PNG", (5000, 10)),
        _image_uri("JPEG", (10, 5000)),
        # A JPEG holding two images (MPO) is not passed through as a JPEG: it would be decoded.
        "data:image/jpeg;base64,"
        + _image_uri(
            "MPO", (40, 20), save_all=True, append_images=[Image.new("RGB", (40, 20))]
        ).split(",", 1)[1],
    ],
    ids=["wide PNG", "tall JPEG", "MPO"],
)
def test_a_stamp_image_is_refused_unless_a_png_or_jpeg_of_at_most_4096_pixels_a_side(api, uri):
    stamp = field(None, "image", read_only=True, read_only_value=uri)
    r = api.post("/signing-requests", create_body(fields=[stamp]))
    assert r.status_code == 400, r.text
    assert "4096 pixels a side" in r.text
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0
