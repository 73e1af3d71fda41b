"""Idempotency-Key on POSTs (docs/idempotency.md): a retry answers the first response and does
no work twice, another body is refused, the key holds across app restarts and concurrent retries."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from fixtures.requests import create_body
from starlette.testclient import TestClient

from signet.app import create_app
from signet.db import transaction
from signet.idempotency import repository as keys
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


def _claim_at(db: Any, scope: keys.Scope, when: datetime) -> keys.Claim:
    with transaction(db.write) as session:
        return keys.claim(session, scope, "digest", now=when)


def test_a_key_whose_process_died_is_free_once_its_lease_lapses(db: Any, api: Any) -> None:
    # A first request whose process was SIGKILLed never answers nor renews its lease.
    scope = keys.Scope(api.workspace_id, "POST", "/v1/signing-requests", uuid.uuid4().hex)
    start = utcnow()
    assert _claim_at(db, scope, start).outcome == "run"
    within = start + keys.LEASE - timedelta(seconds=1)
    assert _claim_at(db, scope, within).outcome == "in_flight"
    assert _claim_at(db, scope, start + keys.LEASE + timedelta(seconds=1)).outcome == "run"


def test_a_running_first_request_renews_its_lease_and_keeps_the_key(db: Any, api: Any) -> None:
    scope = keys.Scope(api.workspace_id, "POST", "/v1/signing-requests", uuid.uuid4().hex)
    start = utcnow()
    first = _claim_at(db, scope, start)
    assert first.row_id is not None
    with transaction(db.write) as session:
        assert keys.renew(session, first.row_id, now=start + keys.LEASE * 0.8)
    later = start + keys.LEASE * 1.5
    assert _claim_at(db, scope, later).outcome == "in_flight"
    assert _claim_at(db, scope, later + keys.LEASE).outcome == "run"


def test_the_middleware_renews_the_lease_while_the_request_runs(
    app: Any, api: Any, monkeypatch: Any
) -> None:
    from signet.api.idempotency import _keep_alive

    scope = keys.Scope(api.workspace_id, "POST", "/v1/signing-requests", uuid.uuid4().hex)
    db = app.state.signet.db
    first = _claim_at(db, scope, utcnow() - keys.LEASE + timedelta(seconds=1))
    assert first.row_id is not None
    monkeypatch.setattr(keys, "RENEW_EVERY", 0.05)

    async def run_a_while() -> None:
        beat = asyncio.create_task(_keep_alive(app.state.signet, first.row_id))
        await asyncio.sleep(0.5)
        beat.cancel()

    asyncio.run(run_a_while())
    # Without the renewals the lease would have lapsed by now.
    time.sleep(1.1)
    assert _claim_at(db, scope, utcnow()).outcome == "in_flight"
