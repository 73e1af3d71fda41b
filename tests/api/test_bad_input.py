"""Bad input gets a 4xx in Firma's error format, lists every problem, and writes nothing."""

from __future__ import annotations

import base64

import pytest
from fixtures.pdfs import b64, make_encrypted_pdf, make_padded_pdf, make_pdf
from fixtures.requests import create_body, field, signer
from sqlalchemy import func, select

from signet.models import Blob, SigningRequest


def _count(app, api) -> tuple[int, int]:
    with app.state.signet.db.read() as s:
        requests = s.scalar(
            select(func.count())
            .select_from(SigningRequest)
            .where(SigningRequest.workspace_id == api.workspace_id)
        )
        blobs = s.scalar(select(func.count()).select_from(Blob))
    return int(requests or 0), int(blobs or 0)


def _assert_firma_error(r, status: int, code: str = "VALIDATION_ERROR") -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    if code == "VALIDATION_ERROR":
        assert body["errors"] and body["error"] == body["errors"][0]["message"]
    return body


BAD_DOCUMENTS = {
    "invalid base64": "this is not base64!!",
    "not a pdf": b64(b"hello, I am a text file" * 10),
    "truncated pdf": b64(make_pdf(3)[:400]),
    "encrypted pdf": b64(make_encrypted_pdf()),
    "empty": "",
}


@pytest.mark.parametrize("case", list(BAD_DOCUMENTS))
def test_bad_documents_are_refused_and_nothing_is_stored(api, app, case):
    before = _count(app, api)
    r = api.post("/signing-requests", create_body(document=BAD_DOCUMENTS[case]))
    body = _assert_firma_error(r, 400)
    assert "document" in body["details"]
    assert _count(app, api) == before


def test_encrypted_pdf_error_says_what_to_do(api):
    r = api.post("/signing-requests", create_body(document=b64(make_encrypted_pdf())))
    assert "encrypted" in r.json()["error"].lower()


def test_pdf_over_20_mb_inline_is_413(api, app):
    before = _count(app, api)
    big = make_padded_pdf(21 * 1024 * 1024)
    r = api.post("/signing-requests", create_body(document=b64(big)))
    _assert_firma_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert _count(app, api) == before


def test_body_over_the_limit_is_413_before_reading(api):
    huge = b"{" + b" " * (31 * 1024 * 1024) + b"}"
    r = api.client.post(
        "/v1/signing-requests",
        content=huge,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    _assert_firma_error(r, 413, "PAYLOAD_TOO_LARGE")


def test_every_validation_failure_is_listed_together(api, app):
    before = _count(app, api)
    body = create_body(
        pages=2,
        recipients=[
            signer("temp_1", "not-an-email"),
            signer("temp_2", "dup@example.com", designation="Boss"),
            signer("temp_3", "DUP@example.com"),
            {"id": "temp_cc", "first_name": "C", "email": "cc@example.com", "designation": "CC"},
        ],
        fields=[
            field("temp_1", "hologram"),
            field("temp_1", position={"x": 90, "y": 10, "width": 20, "height": 5}),
            field("temp_1", position={"x": 10, "y": 98, "width": 20, "height": 5}),
            field("temp_1", page=3),
            field("temp_unknown"),
            field("temp_cc"),
            field("temp_1", "dropdown"),
        ],
    )
    r = api.post("/signing-requests", body)
    err = _assert_firma_error(r, 400)
    messages = " | ".join(e["message"] for e in err["errors"])
    for expected in (
        "recipients[0].email: Invalid email",
        "recipients[1].designation",
        "recipients[2].email: duplicate",
        "fields[0].type: unknown field type 'hologram'",
        "fields[1].position: x + width must be <= 100",
        "fields[2].position: y + height must be <= 100",
        "fields[3].page_number: must be between 1 and the page count (2)",
        "fields[4].recipient_id: unknown recipient temp_unknown",
        "fields[5].recipient_id: a CC recipient cannot be assigned fields",
        "fields[6].dropdown_options",
    ):
        assert expected in messages, (expected, messages)
    assert err["details"]["fields[1].position"] == "x + width must be <= 100"
    assert _count(app, api) == before


def test_a_document_problem_and_field_problems_are_reported_together(api):
    body = create_body(document="%%%", fields=[field("temp_1", "hologram")])
    messages = [e["message"] for e in api.post("/signing-requests", body).json()["errors"]]
    assert any(m.startswith("document:") for m in messages)
    assert any(m.startswith("fields[0].type") for m in messages)


def test_no_signer_is_refused(api):
    body = create_body(
        recipients=[{"first_name": "C", "email": "c@example.com", "designation": "CC"}], fields=[]
    )
    err = _assert_firma_error(api.post("/signing-requests", body), 400)
    assert any("at least one Signer" in e["message"] for e in err["errors"])


def test_order_zero_and_bad_temp_ids_are_refused(api):
    body = create_body(
        recipients=[signer("temp_1", order=0), signer("abc", "b@example.com")],
        fields=[field("temp_1")],
    )
    messages = [e["message"] for e in api.post("/signing-requests", body).json()["errors"]]
    assert "recipients[0].order: must be 1 or greater" in messages
    assert any(m.startswith("recipients[1].id") for m in messages)


def test_wrong_json_types_are_reported_with_their_location(api):
    body = create_body()
    body["fields"][0]["position"]["x"] = "left"
    body["expiration_hours"] = "soon"
    err = _assert_firma_error(api.post("/signing-requests", body), 400)
    locs = set(err["details"])
    assert "fields[0].position.x" in locs and "expiration_hours" in locs


@pytest.mark.parametrize("raw", [b"not json", b"[1,2]", b""])
def test_malformed_bodies_are_400(api, raw):
    r = api.client.post(
        "/v1/signing-requests",
        content=raw,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    _assert_firma_error(r, 400)


def test_missing_name_and_document(api):
    err = _assert_firma_error(api.post("/signing-requests", {"recipients": []}), 400)
    assert "name" in err["details"]


def test_approval_fields_are_for_approvers_only(api):
    body = create_body(fields=[field("temp_1", "approval_checkmark")])
    err = _assert_firma_error(api.post("/signing-requests", body), 400)
    assert "fields[0].type" in err["details"]


def test_radio_group_needs_two_buttons_and_one_recipient(api):
    body = create_body(
        recipients=[signer("temp_1"), signer("temp_2", "b@example.com")],
        fields=[
            field("temp_1", "radio_buttons", multi_group_id="g"),
            field("temp_2", "radio_buttons", multi_group_id="g"),
            field("temp_1", "radio_buttons", multi_group_id="solo"),
        ],
    )
    messages = " ".join(e["message"] for e in api.post("/signing-requests", body).json()["errors"])
    assert "group g must belong to one recipient" in messages
    assert "radio group solo needs at least 2 buttons" in messages


def test_condition_cycles_are_refused(api):
    def cond(fid: str) -> dict:
        return {
            "logic": "and",
            "groups": [{"conditions": [{"field_id": fid, "operator": "is_filled"}]}],
        }

    body = create_body(
        fields=[
            field("temp_1", "text", id="f1", visibility_conditions=cond("f2")),
            field("temp_1", "text", id="f2", visibility_conditions=cond("f1")),
        ]
    )
    messages = [e["message"] for e in api.post("/signing-requests", body).json()["errors"]]
    assert "fields: field conditions form a cycle" in messages


def test_line_wrapped_base64_and_data_uris_are_accepted(api):
    pdf = base64.encodebytes(make_pdf()).decode()  # 76-char lines, as MIME tools write
    assert api.post("/signing-requests", create_body(document=pdf)).status_code == 201
    uri = "data:application/pdf;base64," + b64(make_pdf())
    assert api.post("/signing-requests", create_body(document=uri)).status_code == 201


@pytest.mark.parametrize("value", [True, "24", [24]])
def test_a_number_field_refuses_booleans_and_strings(api, value):
    """The schema says integer: `true` is not 1 and `"24"` is not 24 (the legacy create took
    both), and the problem is listed beside the others of the body."""
    r = api.post("/documents", {"name": "Legacy", "expiration_hours": value, "recipients": 3})
    body = _assert_firma_error(r, 400)
    assert set(body["details"]) == {"expiration_hours", "recipients"}
    r = api.post("/signing-requests", create_body(expiration_hours=value))
    assert _assert_firma_error(r, 400)["details"] == {
        "expiration_hours": "Input should be a valid integer"
    }


@pytest.mark.parametrize("value", [1, "yes", "true"])
def test_a_boolean_field_refuses_numbers_and_strings(api, value):
    """The schema says boolean: 1 or "yes" is not true (lax parsing took both)."""
    sr = api.post("/signing-requests", create_body()).json()
    api.post(f"/signing-requests/{sr['id']}/send")
    r = api.post(f"/signing-requests/{sr['id']}/cancel", {"notify_signers": value})
    assert _assert_firma_error(r, 400)["details"] == {
        "notify_signers": "Input should be a valid boolean"
    }
