"""The OpenAPI document describes the template endpoints' real responses, on both faces."""

from __future__ import annotations

import jsonschema
from referencing import Registry, Resource
from template_helpers import create_template

from signet.kit.ids import short_id

FIRMA = "/functions/v1/signing-request-api"


def _rebase(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        return {
            k: ("urn:openapi" + v if k == "$ref" and v.startswith("#/") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def _check(spec, path, method, status, body):  # type: ignore[no-untyped-def]
    op = spec["paths"][path][method]
    schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
    resource = Resource.from_contents(
        {
            "components": spec["components"],
            "$schema": "https://json-schema.org/draft/2020-12/schema",
        }
    )
    validator = jsonschema.Draft202012Validator(
        _rebase(schema), registry=Registry().with_resource("urn:openapi", resource)
    )
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, (path, method, status, errors[:3])


def test_template_responses_match_the_openapi_document(api):
    spec = api.client.get("/openapi.json").json()
    t = create_template(api)
    tid = t["id"]
    wid = api.workspace_id
    api.post(f"/templates/{tid}/custom-fields", {"field_label": "Deal"})
    sr = api.post("/signing-requests", {"template_id": tid}).json()
    checks = [
        (f"{FIRMA}/templates", "post", 201, t),
        (f"{FIRMA}/templates", "get", 200, api.get("/templates").json()),
        (f"{FIRMA}/templates/{{template_id}}", "get", 200, api.get(f"/templates/{tid}").json()),
        (
            f"{FIRMA}/templates/{{template_id}}/users",
            "get",
            200,
            api.get(f"/templates/{tid}/users").json(),
        ),
        (
            f"{FIRMA}/templates/{{template_id}}/fields",
            "get",
            200,
            api.get(f"/templates/{tid}/fields").json(),
        ),
        (
            f"{FIRMA}/templates/{{template_id}}/reminders",
            "get",
            200,
            api.get(f"/templates/{tid}/reminders").json(),
        ),
        (
            f"{FIRMA}/templates/{{template_id}}",
            "patch",
            200,
            api.patch(f"/templates/{tid}", {"name": "x"}).json(),
        ),
        (f"{FIRMA}/templates/{{template_id}}", "put", 200, api.put(f"/templates/{tid}", {}).json()),
        (
            f"{FIRMA}/templates/{{template_id}}/duplicate",
            "post",
            201,
            api.post(f"/templates/{tid}/duplicate").json(),
        ),
        (
            f"{FIRMA}/templates/{{template_id}}/custom-fields",
            "get",
            200,
            api.get(f"/templates/{tid}/custom-fields").json(),
        ),
        (
            f"{FIRMA}/workspace/{{workspace_id}}/custom-fields",
            "post",
            201,
            api.post(f"/workspace/{wid}/custom-fields", {"field_label": "A"}).json(),
        ),
        (
            f"{FIRMA}/signing-requests/{{signing_request_id}}/custom-fields",
            "get",
            200,
            api.get(f"/signing-requests/{sr['id']}/custom-fields").json(),
        ),
        (f"{FIRMA}/signing-requests", "post", 201, sr),
        (
            "/public/v1/templates/{template_id}/details",
            "get",
            200,
            api.client.get(
                f"/public/v1/templates/{short_id(tid)}/details", headers=api.headers
            ).json(),
        ),
        (
            "/public/v1/templates",
            "get",
            200,
            api.client.get("/public/v1/templates", headers=api.headers).json(),
        ),
        (
            f"{FIRMA}/templates/{{template_id}}",
            "get",
            404,
            api.get(f"/templates/{sr['id']}").json(),
        ),
        (f"{FIRMA}/templates", "post", 400, api.post("/templates", {"name": ""}).json()),
    ]
    for path, method, status, body in checks:
        _check(spec, path, method, status, body)
