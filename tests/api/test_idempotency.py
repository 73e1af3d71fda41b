"""Idempotency-Key on POSTs (docs/idempotency.md): a retry answers the first response and does
no work twice, another body is refused, the key holds across app restarts and concurrent retries."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from fixtures.requests import create_body
from starlette.testclient import TestClient

from signet.app import create_app
from signet.db import transaction
from signet.idempotency.repository import purge
from signet.models import IdempotencyKey
from signet.models.base import utcnow

FIRMA = "/functions/v1/signing-request-api"


def _count(api: Any) -> int:
    return len(api.get("/signing-requests").json()["results"])


def test_a_retried_create_answers_the_first_response_without_a_second_request(api: Any) -> None:
    body = create_body()
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/signing-requests", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = api.post("/signing-requests", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert _count(api) == 1


def test_the_same_key_with_another_body_is_refused(api: Any) -> None:
    headers = {"Idempotency-Key": "create-2"}
    assert api.post("/signing-requests", json=create_body(), headers=headers).status_code == 201
    other = create_body(name="Another contract")
    r = api.post("/signing-requests", json=other, headers=headers)
    assert r.status_code == 422
    assert r.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _count(api) == 1


def test_keys_are_scoped_to_the_workspace_and_the_path(api: Any, other_api: Any) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    assert api.post("/signing-requests", json=create_body(), headers=headers).status_code == 201
    r = other_api.post("/signing-requests", json=create_body(), headers=headers)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    legacy = api.post("/documents", json={"name": "x"}, headers=headers)
    assert "Idempotent-Replayed" not in legacy.headers


def test_a_refused_request_is_kept_but_an_unauthenticated_one_is_not(api: Any) -> None:
    headers = {"Idempotency-Key": "bad-body"}
    first = api.post("/signing-requests", json={"name": "no document"}, headers=headers)
    assert first.status_code == 400
    again = api.post("/signing-requests", json={"name": "no document"}, headers=headers)
    assert again.status_code == 400 and again.headers["Idempotent-Replayed"] == "true"
    anonymous = api.client.post(
        f"{FIRMA}/signing-requests",
        json=create_body(),
        headers={"Idempotency-Key": "anon", "Authorization": "wrong"},
    )
    assert anonymous.status_code == 401 and "Idempotent-Replayed" not in anonymous.headers


def test_an_overlong_key_is_a_400_in_each_face_format(api: Any) -> None:
    headers = {"Idempotency-Key": "k" * 256}
    r = api.post("/signing-requests", json=create_body(), headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"
    r = api.client.post(
        "/public/v1/documents",
        json={},
        headers={**headers, "Authorization": f"API-Key {api.key}"},
    )
    assert r.status_code == 400 and r.json()["type"] == "request_error"
    assert _count(api) == 0


def test_pandadoc_creates_replay_and_refuse_reuse_in_its_format(api: Any) -> None:
    from fixtures.pdfs import make_pdf

    auth = {"Authorization": f"API-Key {api.key}", "Idempotency-Key": "pd-1"}
    data = {"data": '{"name": "Contract", "recipients": [{"email": "a@example.com"}]}'}
    pdf = make_pdf()
    files = {"file": ("c.pdf", pdf, "application/pdf")}
    first = api.client.post("/public/v1/documents", data=data, files=files, headers=auth)
    assert first.status_code == 201, first.text
    files = {"file": ("c.pdf", pdf, "application/pdf")}  # a new boundary, the same form
    again = api.client.post("/public/v1/documents", data=data, files=files, headers=auth)
    assert again.headers.get("Idempotent-Replayed") == "true", again.text
    assert again.json()["id"] == first.json()["id"]
    r = api.client.post("/public/v1/documents", json={"name": "other"}, headers=auth)
    assert r.status_code == 422
    assert r.json() == {
        "type": "request_error",
        "detail": "This Idempotency-Key was used with another request body",
    }


def test_the_key_holds_across_a_restart(app: Any, api: Any) -> None:
    body = create_body()
    headers = {"Idempotency-Key": "restart", "Authorization": api.key}
    first = api.post("/signing-requests", json=body, headers=headers)
    assert first.status_code == 201
    restarted = create_app(app.state.signet.settings)
    try:
        with TestClient(restarted) as client:
            again = client.post(f"{FIRMA}/signing-requests", json=body, headers=headers)
    finally:
        restarted.state.signet.db.dispose()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_concurrent_retries_with_one_key_create_exactly_one_request(app: Any, api: Any) -> None:
    body = create_body()
    headers = {"Idempotency-Key": "race", "Authorization": api.key}
    results: list[Any] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def send() -> None:
        with TestClient(app) as client:
            start.wait()
            r = client.post(f"{FIRMA}/signing-requests", json=body, headers=headers)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6
    fresh = [r for r in results if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(fresh) == 1
    for r in results:
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert r.json()["code"] == "IDEMPOTENCY_KEY_IN_USE"
        else:
            assert r.json()["id"] == fresh[0].json()["id"]
    assert _count(api) == 1


def test_keys_older_than_a_day_are_purged(db: Any, api: Any) -> None:
    headers = {"Idempotency-Key": "old"}
    assert api.post("/signing-requests", json=create_body(), headers=headers).status_code == 201
    with transaction(db.write) as session:
        purge(session, now=utcnow() + timedelta(hours=25))
    with db.read() as session:
        left = session.query(IdempotencyKey).filter_by(workspace_id=api.workspace_id).count()
    assert left == 0
