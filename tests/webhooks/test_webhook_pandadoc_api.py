"""PandaDoc webhook subscriptions and the webhook-events log, in PandaDoc's shapes and errors."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient
from webhook_kit import Receiver, answer, deliveries, fail_first, wait_until

from signet.app import create_app
from signet.db import transaction
from signet.webhooks.events import emit

SUBS = "/public/v1/webhook-subscriptions"
EVENTS = "/public/v1/webhook-events"
PUBLIC_URL = "https://93.184.216.34/pandadoc"


def test_subscription_crud_and_shared_key_rotation(api, other_api):
    r = api.post(SUBS, {"name": "CRM", "url": PUBLIC_URL,
                        "triggers": ["document_state_changed", "recipient_completed"],
                        "payload": ["metadata", "fields"]})  # fmt: skip
    assert r.status_code == 201, r.text
    sub = r.json()
    assert set(sub) == {"uuid", "name", "url", "active", "payload", "triggers", "workspace_id",
                        "shared_key", "status"}  # fmt: skip
    assert sub["status"] == "ACTIVE" and sub["active"] is True
    assert sub["workspace_id"] == api.workspace_id
    assert re.fullmatch(r"[A-Za-z0-9]{20}", sub["shared_key"])

    assert api.get(f"{SUBS}/{sub['uuid']}").json() == sub
    assert [s["uuid"] for s in api.get(SUBS).json()["items"]] == [sub["uuid"]]

    r = api.patch(f"{SUBS}/{sub['uuid']}", {"active": False, "triggers": ["document_deleted"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "INACTIVE" and r.json()["triggers"] == ["document_deleted"]
    assert r.json()["name"] == "CRM"

    r = api.patch(f"{SUBS}/{sub['uuid']}/shared-key")
    assert r.status_code == 200 and set(r.json()) == {"shared_key"}
    assert r.json()["shared_key"] != sub["shared_key"]
    assert api.get(f"{SUBS}/{sub['uuid']}").json()["shared_key"] == r.json()["shared_key"]

    # Another workspace sees nothing, in PandaDoc's error format.
    r = other_api.get(f"{SUBS}/{sub['uuid']}")
    assert r.status_code == 404 and r.json() == {"type": "request_error", "detail": "Not found"}
    assert other_api.delete(f"{SUBS}/{sub['uuid']}").status_code == 404
    assert other_api.get(SUBS).json() == {"items": []}

    r = api.delete(f"{SUBS}/{sub['uuid']}")
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"{SUBS}/{sub['uuid']}").status_code == 404
    assert api.get(SUBS).json() == {"items": []}


def test_firma_webhooks_and_subscriptions_do_not_mix(api):
    sub = api.post(SUBS, {"url": PUBLIC_URL, "triggers": ["document_updated"]}).json()
    assert api.get(f"/webhooks/{sub['uuid']}").status_code == 404
    hook = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["webhook.test"]}).json()
    assert api.get(f"{SUBS}/{hook['id']}").status_code == 404
    assert [s["uuid"] for s in api.get(SUBS).json()["items"]] == [sub["uuid"]]


def test_validation_errors_in_pandadoc_format(api, app):
    r = api.post(SUBS, {"url": "ftp://x", "triggers": ["nope"], "payload": ["x"], "active": 3})
    assert r.status_code == 400
    body = r.json()
    assert body["type"] == "request_error"
    assert set(body["detail"]) == {"url", "triggers[0]", "payload[0]", "active"}
    assert all(isinstance(v, list) for v in body["detail"].values())
    assert api.post(SUBS, {}).json()["detail"] == {
        "url": ["This field is required."], "triggers": ["This field is required."]}  # fmt: skip

    strict = create_app(app.state.signet.settings.model_copy(
        update={"webhook_allow_private": False}))  # fmt: skip
    try:
        client = TestClient(strict)
        for url in ("https://169.254.169.254/latest/meta-data", "https://10.0.0.1/x"):
            r = client.post(SUBS, json={"url": url, "triggers": ["document_updated"]},
                            headers=api.headers)  # fmt: skip
            assert r.status_code == 400, r.text
            assert r.json()["detail"]["url"][0].startswith("must not point at a")
    finally:
        strict.state.signet.db.dispose()


def _emit(db: Any, workspace_id: str, event_type: str) -> None:
    with transaction(db.write) as session:
        data = {"id": "doc", "metadata": {"k": "v"}, "fields": []}
        emit(session, workspace_id=workspace_id, event_type=event_type, firma_data={},
             pandadoc_data=data)  # fmt: skip


def test_webhook_events_log_lists_filters_and_details(api, worker, receiver: Receiver, db):
    receiver.behaviour = fail_first(1)
    r = api.post(SUBS, {"name": "log", "url": receiver.url("/p"),
                        "triggers": ["document_updated", "document_deleted"],
                        "payload": ["metadata"]})  # fmt: skip
    sub = r.json()
    receiver.pandadoc_keys = [sub["shared_key"]]
    _emit(db, api.workspace_id, "signing_request.updated")
    receiver.wait_for(lambda hs: [h.answered for h in hs] == [500, 200])
    receiver.behaviour = answer(500)
    _emit(db, api.workspace_id, "signing_request.deleted")
    receiver.wait_for(lambda hs: len(hs) == 3)
    wait_until(lambda: len([d for d in deliveries(db, sub["uuid"]) if d.attempts]) == 2)

    hits = receiver.snapshot()
    body = hits[1].json()
    assert body == [{"event": "document_updated", "data": {"id": "doc", "metadata": {"k": "v"}}}]
    assert all(h.pandadoc_valid for h in hits)

    page = api.get(EVENTS).json()
    assert [e["type"] for e in page["results"]] == ["document_deleted", "document_updated"]
    deleted, updated = page["results"]
    assert set(updated) == {"uuid", "name", "type", "http_status_code", "error", "delivery_time",
                            "event_time", "url"}  # fmt: skip
    assert updated["http_status_code"] == 200 and updated["name"] == "log"
    assert updated["uuid"] == hits[0].delivery_id == hits[1].delivery_id
    assert "signature=" in updated["url"]
    assert deleted["http_status_code"] == 500

    def uuids(query: str) -> list[str]:
        r = api.get(f"{EVENTS}?{query}")
        assert r.status_code == 200, r.text
        return [e["uuid"] for e in r.json()["results"]]

    assert uuids("type=document_updated") == [updated["uuid"]]
    assert uuids("type[]=document_deleted") == [deleted["uuid"]]
    assert uuids("http_status_code=500") == [deleted["uuid"]]
    assert uuids("http_status_code=200&http_status_code=500") == [deleted["uuid"], updated["uuid"]]
    assert uuids("error=TIMEOUT_ERROR") == []
    assert uuids("count=1&page=2") == [updated["uuid"]]
    assert uuids("since=2000-01-01&to=2001-01-01") == []
    r = api.get(f"{EVENTS}?error=NOPE&http_status_code=250")
    assert r.status_code == 400 and set(r.json()["detail"]) == {"error", "http_status_code"}

    detail = api.get(f"{EVENTS}/{updated['uuid']}").json()
    assert detail["request_body"] == hits[1].body.decode()
    assert detail["signature"] == hits[1].query["signature"][0]
    assert detail["response_body"] == "ok"
    assert '"content-length"' in detail["response_headers"]
    missing = api.get(f"{EVENTS}/{sub['uuid']}")
    assert missing.status_code == 404 and missing.json()["type"] == "request_error"
    api.delete(f"{SUBS}/{sub['uuid']}")  # stop the retries of the 500


def test_rotated_shared_key_signs_the_next_delivery(api, worker, receiver: Receiver, db):
    sub = api.post(SUBS, {"url": receiver.url("/k"), "triggers": ["document_updated"]}).json()
    new_key = api.patch(f"{SUBS}/{sub['uuid']}/shared-key").json()["shared_key"]
    receiver.pandadoc_keys = [new_key]
    _emit(db, api.workspace_id, "signing_request.updated")
    (hit,) = receiver.wait_for(lambda hs: len(hs) == 1)
    assert hit.pandadoc_valid and hit.answered == 200
    assert hit.json()[0]["data"] == {"id": "doc"}  # no payload options: no metadata, no fields
