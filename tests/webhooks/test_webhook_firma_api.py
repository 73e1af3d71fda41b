"""Firma webhook endpoints: CRUD, validation in Firma's format, scope, secrets, OpenAPI."""

from __future__ import annotations

import re
from datetime import timedelta

from fixtures.requests import create_body
from starlette.testclient import TestClient
from webhook_kit import deliveries, webhook_row

from signet.app import create_app
from signet.db import transaction
from signet.models import Webhook, Workspace
from signet.models.base import utcnow
from signet.webhooks import schemas

PUBLIC_URL = "https://93.184.216.34/hooks/signet"  # a public IP literal: no DNS needed


def test_create_get_list_update_delete_roundtrip(api):
    r = api.post(
        "/webhooks",
        {"url": PUBLIC_URL, "events": ["signing_request.completed", "signing_request.signed"],
         "description": "Production"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    hook = r.json()
    assert set(hook) == {"id", "url", "description", "events", "enabled", "consecutive_failures",
                         "auto_disabled_at", "created_at", "updated_at"}  # fmt: skip
    assert hook["enabled"] is True and hook["consecutive_failures"] == 0
    assert hook["auto_disabled_at"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hook["created_at"])

    assert api.get(f"/webhooks/{hook['id']}").json() == hook
    listed = api.get("/webhooks").json()
    assert [w["id"] for w in listed["results"]] == [hook["id"]]
    assert listed["pagination"] == {"current_page": 1, "page_size": 50, "total_count": 1,
                                    "total_pages": 1}  # fmt: skip

    r = api.put(f"/webhooks/{hook['id']}", {"events": ["signing_request.sent"], "enabled": False})
    assert r.status_code == 200, r.text
    assert r.json()["events"] == ["signing_request.sent"] and r.json()["enabled"] is False
    assert r.json()["url"] == PUBLIC_URL

    r = api.delete(f"/webhooks/{hook['id']}")
    assert r.status_code == 200 and r.json()["id"] == hook["id"]
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404
    assert api.get("/webhooks").json()["results"] == []


def test_the_v1_alias_serves_the_same_webhooks(api):
    hook = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.sent"]}).json()
    r = api.client.get(f"/v1/webhooks/{hook['id']}", headers=api.headers)
    assert r.status_code == 200 and r.json()["id"] == hook["id"]


def test_every_validation_problem_is_listed_in_firma_format(api):
    r = api.post("/webhooks", {"url": "ftp://example.com/x", "events": ["nope.event", 3]})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR"
    messages = [e["message"] for e in body["errors"]]
    assert len(messages) == 3, messages
    assert messages[0].startswith("url: ") and "https" in messages[0]
    assert "events[0]: unknown event 'nope.event'" in messages
    assert "events[1]: must be a string" in messages
    assert body["error"] == messages[0]

    r = api.post("/webhooks", {})
    assert [e["message"] for e in r.json()["errors"]] == ["url: is required", "events: is required"]
    r = api.post("/webhooks", {"url": PUBLIC_URL, "events": []})
    assert r.json()["errors"] == [{"message": "events: must contain at least one event"}]
    r = api.post("/webhooks", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"
    assert api.get("/webhooks").json()["results"] == []


def test_aliases_and_accepted_only_events_are_valid(api):
    events = ["signing_request.voided", "signing_request.field.filled", "seal.created",
              "credits.purchased", "webhook.test"]  # fmt: skip
    r = api.post("/webhooks", {"url": PUBLIC_URL, "events": events})
    assert r.status_code == 201, r.text
    assert r.json()["events"] == events


def test_unknown_keys_are_ignored_with_a_warning(api):
    r = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.sent"], "x": 1})
    assert r.status_code == 201
    assert r.json()["warnings"] == ["x: unknown key ignored"]


def test_another_workspaces_webhook_answers_404(api, other_api):
    hook = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.sent"]}).json()
    for call in (
        lambda: other_api.get(f"/webhooks/{hook['id']}"),
        lambda: other_api.put(f"/webhooks/{hook['id']}", {"enabled": False}),
        lambda: other_api.delete(f"/webhooks/{hook['id']}"),
        lambda: other_api.post(f"/webhooks/{hook['id']}/test"),
        lambda: other_api.get(f"http://testserver/signet/v1/webhooks/{hook['id']}/deliveries"),
    ):  # fmt: skip
        r = call()
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "NOT_FOUND"
    assert other_api.get("/webhooks").json()["results"] == []
    assert api.get(f"/webhooks/{hook['id']}").json()["enabled"] is True
    # Another workspace's id in the path or the body is a 404 too.
    assert other_api.get(f"/workspaces/{api.workspace_id}/webhooks/secret-status").status_code \
        == 404  # fmt: skip
    r = other_api.post(
        "/webhooks",
        {"url": PUBLIC_URL, "events": ["signing_request.sent"], "workspace_id": api.workspace_id},
    )
    assert r.status_code == 404
    assert other_api.get(f"/webhooks?workspace_id={api.workspace_id}").status_code == 404
    assert api.get("/webhooks/not-a-uuid").status_code == 404


def test_list_paginates_and_filters(api):
    ids = []
    for i, event in enumerate(["signing_request.sent", "signing_request.completed"] * 3):
        r = api.post("/webhooks", {"url": f"{PUBLIC_URL}/{i}", "events": [event]})
        ids.append(r.json()["id"])
    api.put(f"/webhooks/{ids[0]}", {"enabled": False})
    page = api.get("/webhooks?page=2&page_size=4&sort_order=asc").json()
    assert [w["id"] for w in page["results"]] == ids[4:]
    assert page["pagination"] == {"current_page": 2, "page_size": 4, "total_count": 6,
                                  "total_pages": 2}  # fmt: skip
    completed = api.get("/webhooks?event=signing_request.completed").json()["results"]
    assert {w["id"] for w in completed} == {ids[1], ids[3], ids[5]}
    assert [w["id"] for w in api.get("/webhooks?enabled=false").json()["results"]] == [ids[0]]
    assert [w["id"] for w in api.get("/webhooks?url=SIGNET/3").json()["results"]] == [ids[3]]
    own = api.get(f"/webhooks?workspace_id={api.workspace_id}").json()
    assert own["pagination"]["total_count"] == 6
    assert api.get("/webhooks?page_size=500").status_code == 400


def test_put_enabled_true_resets_the_failure_counters(api, db):
    hook = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.sent"]}).json()
    with transaction(db.write) as session:
        row = session.get(Webhook, hook["id"])
        row.enabled, row.consecutive_failures = False, 7
        row.first_failure_at = utcnow() - timedelta(days=8)
        row.auto_disabled_at = utcnow()
    got = api.get(f"/webhooks/{hook['id']}").json()
    assert got["enabled"] is False and got["consecutive_failures"] == 7
    assert got["auto_disabled_at"] is not None
    r = api.put(f"/webhooks/{hook['id']}", {"enabled": True})
    assert r.json()["enabled"] is True and r.json()["consecutive_failures"] == 0
    assert r.json()["auto_disabled_at"] is None
    assert webhook_row(db, hook["id"]).first_failure_at is None


def test_disabling_or_deleting_cancels_pending_deliveries(api, db):
    a = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.created"]}).json()
    b = api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.created"]}).json()
    assert api.post("/signing-requests", create_body()).status_code == 201  # no worker running
    assert [d.state for d in deliveries(db, a["id"])] == ["pending"]
    api.put(f"/webhooks/{a['id']}", {"enabled": False})
    api.delete(f"/webhooks/{b['id']}")
    assert [d.state for d in deliveries(db, a["id"])] == ["cancelled"]
    assert [d.state for d in deliveries(db, b["id"])] == ["cancelled"]


def test_rotate_secret_and_secret_status(api, db):
    status = api.get("/webhooks/secret-status").json()
    assert status == {"created_at": None, "last_rotated_at": None, "grace_period_active": False,
                      "grace_period_ends_at": None}  # fmt: skip
    api.post("/webhooks", {"url": PUBLIC_URL, "events": ["signing_request.sent"]})
    created = api.get("/webhooks/secret-status").json()
    assert created["created_at"] is not None and created["grace_period_active"] is False

    r = api.post("/webhooks/rotate-secret")
    assert r.status_code == 200
    body = r.json()
    assert re.fullmatch(r"[0-9a-f]{64}", body["new_secret"])
    assert body["grace_period_hours"] == 168 and body["message"] and body["warning"]
    status = api.get("/webhooks/secret-status").json()
    assert status["grace_period_active"] is True and status["last_rotated_at"] is not None
    ends = status["grace_period_ends_at"]
    expected = (utcnow() + timedelta(hours=168)).strftime("%Y-%m-%dT%H")
    assert ends.startswith(expected)

    # The same two routes under /workspaces/{own id}/ act on the workspace's secret.
    path = f"/workspaces/{api.workspace_id}/webhooks"
    again = api.post(f"{path}/rotate-secret").json()["new_secret"]
    assert again != body["new_secret"]
    assert api.get(f"{path}/secret-status").json()["grace_period_active"] is True


def test_protected_key_manages_company_level_webhooks(app, client, api):
    from signet.workspaces.service import create_api_key

    with transaction(app.state.signet.db.write) as session:
        company_id = session.get(Workspace, api.workspace_id).company_id
        protected = (
            session.query(Workspace)
            .filter(Workspace.protected.is_(True), Workspace.company_id == company_id)
            .one()
        )
        key = create_api_key(session, protected, "company admin")
    headers = {"Authorization": key}
    prefix = "/functions/v1/signing-request-api"
    r = client.post(f"{prefix}/webhooks", json={"url": PUBLIC_URL, "events": ["webhook.test"]},
                    headers=headers)  # fmt: skip
    assert r.status_code == 201, r.text
    company_hook = r.json()["id"]
    try:
        with app.state.signet.db.read() as session:
            assert session.get(Webhook, company_hook).workspace_id is None
        assert [w["id"] for w in client.get(f"{prefix}/webhooks", headers=headers).json()[
            "results"]] == [company_hook]  # fmt: skip
        # A workspace key neither lists nor reads the company-level webhook.
        assert api.get(f"/webhooks/{company_hook}").status_code == 404
        assert company_hook not in [w["id"] for w in api.get("/webhooks").json()["results"]]
    finally:
        # A company-level webhook gets every workspace's events: do not leave it behind.
        client.delete(f"{prefix}/webhooks/{company_hook}", headers=headers)


def test_urls_into_private_networks_are_refused_at_create(app, api):
    strict = create_app(app.state.signet.settings.model_copy(
        update={"webhook_allow_private": False}))  # fmt: skip
    try:
        client = TestClient(strict)
        prefix = "/functions/v1/signing-request-api"
        refused = [
            "https://127.0.0.1/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest",
            "https://[::1]/hook", "http://93.184.216.34/hook", "https://localhost:8443/hook",
            "https://[::ffff:127.0.0.1]/hook", "https://100.64.0.1/hook", "https://0.0.0.0/",
            "https://192.168.1.1/", "https://[fd00::1]/", "https://[fe80::1]/",
            "https://224.0.0.1/", "https://user:pw@93.184.216.34/",
        ]  # fmt: skip
        for url in refused:
            r = client.post(f"{prefix}/webhooks", json={"url": url, "events": ["webhook.test"]},
                            headers=api.headers)  # fmt: skip
            assert r.status_code == 400, (url, r.text)
            assert r.json()["errors"][0]["message"].startswith("url: "), r.json()
        ok = client.post(f"{prefix}/webhooks", json={"url": PUBLIC_URL, "events": ["webhook.test"]},
                         headers=api.headers)  # fmt: skip
        assert ok.status_code == 201
        # The same rule, called directly.
        assert schemas.url_problems("https://10.1.2.3/", allow_private=False) == [
            ("url", "must not point at a private address (10.1.2.3)")
        ]
        assert schemas.url_problems("http://10.1.2.3/", allow_private=True) == []
    finally:
        strict.state.signet.db.dispose()


def test_openapi_documents_the_webhook_shapes(client):
    spec = client.get("/openapi.json").json()
    base = "/functions/v1/signing-request-api"
    post = spec["paths"][f"{base}/webhooks"]["post"]
    ref = post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    shape = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"consecutive_failures", "auto_disabled_at", "events"} <= set(shape["properties"])
    assert "url" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert post["description"].startswith("Subscribe an https URL")
    for path in ("/public/v1/webhook-subscriptions", "/public/v1/webhook-events/{event_id}",
                 "/signet/v1/webhooks/{webhook_id}/deliveries"):  # fmt: skip
        assert path in spec["paths"]
