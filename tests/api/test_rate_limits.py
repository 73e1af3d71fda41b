"""Rate limits (docs/rate-limits.md): per key and route class on both faces, per client address
for wrong keys and the signing page, the headers on every response, 429 in each face's format."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fixtures.rate_windows import clear_of_window_edge
from starlette.testclient import TestClient

from signet.api.rate_limit import RateLimitConfigError
from signet.app import create_app
from signet.config import Settings
from signet.db import transaction
from signet.workspaces.service import create_api_key, ensure_workspace

FIRMA = "/functions/v1/signing-request-api"


def make_workspace_key(app: Any, kind: str = "live") -> tuple[str, str]:
    with transaction(app.state.signet.db.write) as session:
        ws = ensure_workspace(session, f"ws-{uuid.uuid4().hex[:8]}")
        return create_api_key(session, ws, "limits", kind), ws.id


@pytest.fixture
def migrated(app: Any, settings: Settings) -> Settings:
    """The suite's settings, once the shared app has migrated their database."""
    return settings


@contextmanager
def limited_app(settings: Settings, **limits: str) -> Iterator[tuple[Any, TestClient]]:
    """An app of its own (its own counters): the given limits, the defaults for the rest."""
    overrides = {name.replace("__", "."): value for name, value in limits.items()}
    app = create_app(settings.model_copy(update={"rate_limits": overrides}))
    clear_of_window_edge()
    try:
        with TestClient(app) as client:
            yield app, client
    finally:
        app.state.signet.db.dispose()


def test_firma_reads_are_limited_per_key_with_headers_and_a_firma_429(migrated: Settings) -> None:
    with limited_app(migrated, firma__read="3/minute") as (app, client):
        key, _ = make_workspace_key(app)
        other, _ = make_workspace_key(app)
        seen = []
        for _ in range(3):
            r = client.get(f"{FIRMA}/signing-requests", headers={"Authorization": key})
            assert r.status_code == 200
            assert r.headers["X-RateLimit-Limit"] == "3"
            seen.append(int(r.headers["X-RateLimit-Remaining"]))
            assert int(r.headers["X-RateLimit-Reset"]) >= int(time.time())
        assert seen == [2, 1, 0]
        r = client.get(f"{FIRMA}/signing-requests", headers={"Authorization": key})
        assert r.status_code == 429
        retry_after = int(r.headers["Retry-After"])
        assert 1 <= retry_after <= 60
        body = r.json()
        assert body["error"] == "Rate Limit Exceeded"
        assert body["code"] == "RATE_LIMITED"
        assert body["details"] == {"retry_after": retry_after}
        assert r.headers["X-RateLimit-Remaining"] == "0"
        # Another key has a count of its own; writes are another class.
        assert client.get(f"{FIRMA}/signing-requests", headers={"Authorization": other}).is_success
        r = client.post(f"{FIRMA}/signing-requests", json={}, headers={"Authorization": key})
        assert r.status_code == 400 and r.headers["X-RateLimit-Limit"] == "120"


def test_test_keys_get_the_same_limits(migrated: Settings) -> None:
    with limited_app(migrated, firma__read="1/minute") as (app, client):
        key, _ = make_workspace_key(app, kind="test")
        assert client.get(f"{FIRMA}/signing-requests", headers={"Authorization": key}).is_success
        r = client.get(f"{FIRMA}/signing-requests", headers={"Authorization": key})
        assert r.status_code == 429


def test_pandadoc_limits_are_per_endpoint_and_answer_in_its_formats(migrated: Settings) -> None:
    with limited_app(migrated, pandadoc__list_status_delete="2/minute") as (app, client):
        key, _ = make_workspace_key(app)
        auth = {"Authorization": f"API-Key {key}"}
        for _ in range(2):
            assert client.get("/public/v1/documents", headers=auth).status_code == 200
        r = client.get("/public/v1/documents", headers=auth)
        assert r.status_code == 429
        seconds = int(r.headers["Retry-After"])
        assert r.json() == {
            "type": "throttled",
            "detail": f"Request was throttled. Expected available in {seconds} seconds.",
        }
        # Creating is another endpoint class with its own count.
        r = client.post("/public/v1/documents", json={}, headers=auth)
        assert r.status_code == 400 and r.headers["X-RateLimit-Limit"] == "300"


def test_pandadoc_v2_429_has_the_v2_shape(migrated: Settings) -> None:
    with limited_app(migrated, pandadoc__other="1/minute") as (app, client):
        key, _ = make_workspace_key(app)
        auth = {"Authorization": f"API-Key {key}"}
        url = "/public/v2/documents/nope/audit-trail"
        assert client.get(url, headers=auth).status_code == 404
        r = client.get(url, headers=auth)
        assert r.status_code == 429
        assert r.json()["code"] == "too_many_requests"


def test_wrong_keys_from_one_address_are_refused_before_any_lookup(migrated: Settings) -> None:
    with limited_app(migrated, ip__auth_failures="3/minute") as (app, client):
        good, _ = make_workspace_key(app)
        # A good key used once is known to this process and stays usable.
        assert client.get(f"{FIRMA}/signing-requests", headers={"Authorization": good}).is_success
        for i in range(3):
            r = client.get(f"{FIRMA}/signing-requests", headers={"Authorization": f"wrong-{i}"})
            assert r.status_code == 401
        assert client.get(f"{FIRMA}/signing-requests").status_code == 429  # no key at all
        r = client.get("/public/v1/documents", headers={"Authorization": "API-Key wrong-9"})
        assert r.status_code == 429 and r.json()["type"] == "throttled"
        fresh, _ = make_workspace_key(app)  # valid, but never seen: refused with the address
        assert (
            client.get(f"{FIRMA}/signing-requests", headers={"Authorization": fresh}).status_code
            == 429
        )
        assert client.get(f"{FIRMA}/signing-requests", headers={"Authorization": good}).is_success


def test_missing_key_responses_carry_the_headers_of_the_address(migrated: Settings) -> None:
    with limited_app(migrated, ip__auth_failures="5/minute") as (_app, client):
        r = client.get(f"{FIRMA}/signing-requests")
        assert r.status_code == 401
        assert r.headers["X-RateLimit-Limit"] == "5"
        assert r.headers["X-RateLimit-Remaining"] == "5"  # counted after the 401
        r = client.get(f"{FIRMA}/signing-requests")
        assert r.headers["X-RateLimit-Remaining"] == "4"


def test_signing_page_actions_are_limited_per_address(migrated: Settings) -> None:
    with limited_app(migrated, ip__signing_page="2/minute") as (_app, client):
        for _ in range(2):
            r = client.post("/signing/not-a-real-link/finish", json={})
            assert r.status_code != 429
        r = client.post("/signing/not-a-real-link/finish", json={})
        assert r.status_code == 429
        assert "Retry-After" in r.headers


def test_every_signing_page_post_of_both_link_kinds_counts_in_one_address_class(
    migrated: Settings,
) -> None:
    # Consent, finish, decline, file uploads and typed marks, by a recipient link or a PandaDoc
    # session link: one counter per address (the identity step has its own class).
    posts = [
        f"/{kind}/not-a-real-link/{action}"
        for kind in ("s", "signing")
        for action in ("consent", "finish", "decline", "upload/f1", "typed-mark")
    ]
    with limited_app(migrated, ip__signing_page=f"{len(posts)}/minute") as (_app, client):
        for path in posts:
            r = client.post(path, json={})
            assert r.status_code != 429, path
            assert r.headers["X-RateLimit-Limit"] == str(len(posts)), path
        assert client.post("/s/not-a-real-link/verify", data={}).status_code != 429
        r = client.post("/s/not-a-real-link/decline", json={"reason": "no"})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.headers["X-RateLimit-Remaining"] == "0"
        # The page's format: `error` is what the page shows the recipient, as it is.
        body = r.json()
        assert body["code"] == "RATE_LIMITED" and "details" not in body
        assert body["error"].startswith("Too many tries from your network: please wait")
        assert body["retry_after"] == int(r.headers["Retry-After"])
        # The signing page's GETs stay unlimited.
        assert client.get("/s/not-a-real-link").status_code != 429


def test_health_and_docs_are_never_limited(migrated: Settings) -> None:
    with limited_app(migrated, ip__auth_failures="1/minute") as (_app, client):
        for _ in range(3):
            r = client.get("/healthz")
            assert r.status_code == 200 and "X-RateLimit-Limit" not in r.headers


def test_an_unknown_class_or_a_bad_limit_stops_the_start(migrated: Settings) -> None:
    with pytest.raises(RateLimitConfigError, match="unknown classes"):
        create_app(migrated.model_copy(update={"rate_limits": {"firma.reads": "1/minute"}}))
    with pytest.raises(RateLimitConfigError, match="firma.read"):
        create_app(migrated.model_copy(update={"rate_limits": {"firma.read": "lots"}}))


def test_an_unreachable_redis_stops_the_start(migrated: Settings) -> None:
    app = create_app(migrated.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        with pytest.raises(RuntimeError, match="SIGNET_REDIS_URL"), TestClient(app):
            pass
    finally:
        app.state.signet.db.dispose()


def test_identity_codes_are_limited_per_address_on_both_link_kinds(migrated: Settings) -> None:
    # docs/identity.md#the-page: every code sent or tried counts, whichever link it came by.
    with limited_app(migrated, ip__code_attempts="3/minute") as (_app, client):
        for path in ("/signing/not-a-real-link/verify", "/s/not-a-session/verify/send"):
            assert client.post(path, data={"code": "123456"}).status_code != 429
        assert client.post("/signing/x/verify/send", data={}).status_code != 429
        r = client.post("/s/not-a-session/verify", data={"code": "123456"})
        assert r.status_code == 429 and "Retry-After" in r.headers
        # Other page actions are counted in their own class.
        assert client.post("/signing/not-a-real-link/finish", json={}).status_code != 429
