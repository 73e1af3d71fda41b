"""The OpenAPI document is the truth: schemathesis generates requests for every operation of
both faces and Signet's extension, in process on SQLite, and every response must be no server
error, have a declared status code, a declared content type and a body of the declared schema
(docs/openapi.md). Seeded and derandomized: the same code gives the same run."""

from __future__ import annotations

import pytest
from fixtures import openapi_fuzz

# Per operation and phase; the coverage phase adds its boundary cases on top.
MAX_EXAMPLES = 3


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> openapi_fuzz.Target:
    return openapi_fuzz.make_target(tmp_path_factory.mktemp("openapi-fuzz"))


@pytest.mark.timeout(900)
def test_every_response_matches_the_openapi_document(target: openapi_fuzz.Target) -> None:
    outcome = openapi_fuzz.run(target, max_examples=MAX_EXAMPLES)
    # Every operation of the document ran, each response went through every check.
    spec = target.app.openapi()
    operations = sum(len(ops) for ops in spec["paths"].values())
    assert outcome.operations == operations, outcome.report()
    assert set(outcome.checks_run) == set(openapi_fuzz.CHECKS)
    assert outcome.cases > 10 * operations
    assert not outcome.errors and not outcome.findings, outcome.report()


def test_the_document_declares_each_face_error_shape(target: openapi_fuzz.Target) -> None:
    """The rules of signet.api.openapi.declare_errors hold for every operation."""
    spec = target.app.openapi()
    for path, operations in spec["paths"].items():
        face = (
            "PandaDocV2Error"
            if path.startswith("/public/v2/")
            else "PandaDocErrorOut"
            if path.startswith("/public/")
            else "FirmaError"
        )
        for method, op in operations.items():
            responses = op["responses"]
            assert "HTTPValidationError" not in str(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert "400" in responses, (method, path)
            if op.get("security") != [] and path.startswith(("/functions/", "/public/")):
                assert "401" in responses, (method, path)
            for code, response in responses.items():
                if code[0] in "45" and code != "409":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == f"#/components/schemas/{face}", (method, path, code)


def test_a_method_a_path_does_not_take_answers_405(api) -> None:  # type: ignore[no-untyped-def]
    """Paths under the 501 catch-alls too: `PUT /templates` is not an unbuilt route."""
    r = api.client.put("/v1/templates", headers=api.headers, json={})
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == "GET, POST"
    assert r.json()["code"] == "METHOD_NOT_ALLOWED"
    r = api.client.put("/public/v1/documents", headers=api.headers, json={})
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert r.json()["type"] == "request_error"
    # A method the catch-all does not take either: Allow still names the path's own methods.
    r = api.client.request("OPTIONS", "/v1/templates", headers=api.headers)
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
