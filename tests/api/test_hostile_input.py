"""Input no client should send gets a 4xx in the face's format, never a 500: numbers that are
not finite, control characters in text, page numbers past any real page."""

from __future__ import annotations

import json

import pytest
from fixtures.requests import create_body, field
from sqlalchemy import func, select

from signet.models import SigningRequest

FIRMA = "/functions/v1/signing-request-api"


def _raw(api, method: str, path: str, text: str, headers: dict | None = None):
    return api.client.request(
        method,
        path if path.startswith("/public") else FIRMA + path,
        content=text.encode(),
        headers={**api.headers, "Content-Type": "application/json", **(headers or {})},
    )


def _requests(app, api) -> int:
    with app.state.signet.db.read() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(SigningRequest)
                .where(SigningRequest.workspace_id == api.workspace_id)
            )
            or 0
        )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_positions_are_refused_on_create(api, app, literal):
    body = json.dumps(create_body(fields=[field()])).replace('"x": 10', f'"x": {literal}')
    assert literal in body
    before = _requests(app, api)
    r = _raw(api, "POST", "/signing-requests", body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert "fields[0].position.x" in r.json()["details"]
    assert _requests(app, api) == before


def test_non_finite_numbers_in_free_form_objects_are_refused(api):
    body = json.dumps(create_body(metadata={"deal": {"amount": 1.5}}))
    r = _raw(api, "POST", "/signing-requests", body.replace("1.5", "NaN"))
    assert r.status_code == 400, r.text
    assert r.json()["details"] == {
        "metadata.deal.amount": "must be a finite number (not NaN or Infinity)"
    }


def test_non_finite_positions_are_refused_on_patch(api):
    sr = api.post("/signing-requests", create_body()).json()
    rid = sr["recipients"][0]["id"]
    patch = {
        "field": {
            "type": "text",
            "recipient_id": rid,
            "page_number": 1,
            "position": {"x": 1, "y": 1, "width": 10, "height": 3},
        }
    }
    r = _raw(
        api,
        "PATCH",
        f"/signing-requests/{sr['id']}",
        json.dumps(patch).replace('"y": 1', '"y": Infinity'),
    )
    assert r.status_code == 400, r.text
    assert "field.position.y" in r.json()["details"]
    fields = api.get(f"/signing-requests/{sr['id']}/fields").json()["results"]
    assert len(fields) == 1


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_control_characters_in_names_are_refused(api, app, char):
    before = _requests(app, api)
    r = api.post("/signing-requests", create_body(name=f"Contract{char}2025"))
    assert r.status_code == 400, r.text
    assert "name" in r.json()["details"]
    signer = {"id": "temp_1", "first_name": f"Ada{char}", "last_name": "L", "email": "a@x.io"}
    r = api.post("/signing-requests", create_body(recipients=[signer]))
    assert r.status_code == 400, r.text
    assert "recipients[0].first_name" in r.json()["details"]
    assert _requests(app, api) == before


def test_control_characters_are_refused_in_a_put(api):
    sr = api.post("/signing-requests", create_body()).json()
    r = api.put(
        f"/signing-requests/{sr['id']}",
        {"signing_request_properties": {"name": "Bell\x07"}},
    )
    assert r.status_code == 400, r.text
    assert "signing_request_properties.name" in r.json()["details"]
    assert api.get(f"/signing-requests/{sr['id']}").json()["name"] == sr["name"]


def test_line_breaks_and_tabs_in_messages_are_kept(api):
    body = create_body(description="Line one\nLine two\tend")
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "Line one\nLine two\tend"


@pytest.mark.parametrize(
    "path",
    [
        f"{FIRMA}/signing-requests",
        f"{FIRMA}/templates",
        f"{FIRMA}/webhooks",
        "/signet/v1/webhooks/00000000-0000-0000-0000-000000000000/deliveries",
        "/public/v1/templates",
        "/public/v1/webhook-events",
        "/public/v1/documents",
    ],
)
def test_page_numbers_past_any_real_page_are_refused(api, path):
    r = api.client.get(path, params={"page": "3658927758863528960"}, headers=api.headers)
    assert r.status_code == 400, r.text
    r = api.client.get(path, params={"page": "1000000"}, headers=api.headers)
    assert r.status_code in (200, 404), r.text


def test_the_page_bound_is_declared_in_openapi(client):
    spec = client.get("/openapi.json").json()
    params = spec["paths"][f"{FIRMA}/signing-requests"]["get"]["parameters"]
    page = next(p for p in params if p["name"] == "page")
    assert page["schema"]["maximum"] == 1_000_000


DAMAGED_PDFS = {
    "no trailer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "broken page tree": (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
        b"/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 a b]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF"
    ),
}


@pytest.mark.parametrize("case", list(DAMAGED_PDFS))
def test_pdf_errors_name_the_problem_not_a_python_object(api, case):
    import base64

    document = base64.b64encode(DAMAGED_PDFS[case]).decode()
    r = api.post("/signing-requests", create_body(document=document))
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith("document: The PDF cannot be read: ")
    assert "object at 0x" not in r.text and "_io." not in r.text
    v = api.client.post(
        "/signet/v1/verify",
        files={"file": ("x.pdf", DAMAGED_PDFS[case], "application/pdf")},
    )
    assert v.status_code == 200, v.text
    assert v.json()["pades"]["problems"] and "object at 0x" not in v.text


def test_health_check_does_not_show_the_database_error(settings, tmp_path):
    from starlette.testclient import TestClient

    from signet.app import create_app

    broken = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path}/missing/dir/signet.db"}
    )
    app = create_app(broken)
    with TestClient(app) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "detail": "the database does not answer"}


def test_bodies_read_without_a_model_refuse_nul_too(api):
    # PostgreSQL cannot store a NUL: it used to fail the insert (500).
    for body, loc in (
        ({"url": "https://example.com/h\x00", "events": ["signing_request.completed"]}, "url"),
        (
            {
                "url": "https://example.com/h",
                "events": ["signing_request.completed"],
                "description": "a\x00b",
            },
            "description",
        ),
    ):
        r = api.post("/webhooks", body)
        assert r.status_code == 400, r.text
        assert loc in r.json()["details"]
    r = api.client.post(
        "/public/v1/webhook-subscriptions",
        json={"name": "a\x00", "url": "https://example.com/x"},
        headers=api.headers,
    )
    assert r.status_code == 400, r.text
    assert "name" in r.json()["detail"]


def test_reminder_hours_past_ten_years_are_refused(api):
    body = create_body(reminders=[{"hours": 10**20, "all_users": True}])
    r = api.post("/signing-requests", body)
    assert r.status_code == 400, r.text
    assert "reminders[0].hours" in r.json()["details"]
