"""Unbuilt upstream routes answer 501 naming the path; the OpenAPI document matches responses."""

from __future__ import annotations

import pytest
from fixtures.requests import create_body


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/generate-template-token"),
        ("GET", "/email-templates/placeholders"),
        ("GET", "/workspaces/abc"),
        ("GET", "/company/email-templates"),
        ("DELETE", "/company/logo"),
        ("POST", "/seals"),
        ("GET", "/jwt/keys"),
    ],
)
def test_unbuilt_upstream_routes_answer_501(api, method, path):
    r = api.client.request(method, f"/v1{path}", headers=api.headers)
    assert r.status_code == 501
    assert r.json() == {
        "error": "Not Implemented",
        "code": "NOT_IMPLEMENTED",
        "message": f"Signet does not implement {method} {path}",
        "details": {"method": method, "path": path},
    }


def test_routes_that_exist_nowhere_answer_404(api):
    r = api.client.get("/v1/teapots", headers=api.headers)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def _validator(spec: dict, schema: dict):
    import jsonschema
    from referencing import Registry, Resource

    resource = Resource.from_contents(
        {
            "components": spec["components"],
            "$schema": "https://json-schema.org/draft/2020-12/schema",
        }
    )
    registry = Registry().with_resource("urn:openapi", resource)
    schema = _rebase(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _rebase(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        return {
            k: ("urn:openapi" + v if k == "$ref" and v.startswith("#/") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def _response_schema(spec: dict, path: str, method: str, status: int) -> dict:
    op = spec["paths"][path][method]
    return op["responses"][str(status)]["content"]["application/json"]["schema"]


def test_responses_match_the_openapi_document(api):
    spec = api.client.get("/openapi.json").json()
    base = "/functions/v1/signing-request-api"
    created = api.post(
        "/signing-requests", create_body(reminders=[{"hours": 5, "all_users": True}])
    )
    sid = created.json()["id"]
    checks = [
        ("/signing-requests", "post", 201, created.json()),
        (
            "/signing-requests/{signing_request_id}",
            "get",
            200,
            api.get(f"/signing-requests/{sid}").json(),
        ),
        ("/signing-requests", "get", 200, api.get("/signing-requests").json()),
        (
            "/signing-requests/{signing_request_id}/users",
            "get",
            200,
            api.get(f"/signing-requests/{sid}/users").json(),
        ),
        (
            "/signing-requests/{signing_request_id}/fields",
            "get",
            200,
            api.get(f"/signing-requests/{sid}/fields").json(),
        ),
        (
            "/signing-requests/{signing_request_id}/reminders",
            "get",
            200,
            api.get(f"/signing-requests/{sid}/reminders").json(),
        ),
        (
            "/signing-requests/{signing_request_id}/audit",
            "get",
            200,
            api.get(f"/signing-requests/{sid}/audit").json(),
        ),
        (
            "/signing-requests/{signing_request_id}/send",
            "post",
            200,
            api.post(f"/signing-requests/{sid}/send").json(),
        ),
        (
            "/signing-requests/{signing_request_id}",
            "get",
            200,
            api.get(f"/signing-requests/{sid}").json(),
        ),
        (
            "/signing-requests/{signing_request_id}/cancel",
            "post",
            200,
            api.post(f"/signing-requests/{sid}/cancel", {}).json(),
        ),
        (
            "/signing-requests/{signing_request_id}",
            "get",
            404,
            api.get("/signing-requests/00000000-0000-4000-8000-000000000000").json(),
        ),
        ("/signing-requests", "post", 400, api.post("/signing-requests", {"name": ""}).json()),
    ]
    for path, method, status, body in checks:
        schema = _response_schema(spec, base + path, method, status)
        errors = list(_validator(spec, schema).iter_errors(body))
        assert not errors, (path, method, status, [e.message for e in errors[:3]])


def test_openapi_documents_nullable_fields(client):
    spec = client.get("/openapi.json").json()
    detail = spec["components"]["schemas"]["Detail"]["properties"]
    assert {"type": "null"} in detail["expires_at"]["anyOf"]
    assert detail["id"] == {"type": "string", "title": "Id"}
    assert client.get("/docs").status_code == 200
