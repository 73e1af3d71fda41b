"""API keys: accepted forms, 401 format, and workspace isolation (404 like a missing id)."""

from __future__ import annotations

import uuid

import pytest
from fixtures.requests import create_body


@pytest.mark.parametrize(
    "form", ["{key}", "Bearer {key}", "API-Key {key}", "bearer {key}", "api-key {key}"]
)
def test_authorization_header_forms_are_accepted(api, form):
    r = api.client.get("/v1/signing-requests", headers={"Authorization": form.format(key=api.key)})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer wrong", "signet_live_nope", "Basic dXNlcjpwYXNz"]
)
def test_missing_or_wrong_key_is_401_in_firma_format(client, header):
    headers = {"Authorization": header} if header is not None else {}
    r = client.get("/functions/v1/signing-request-api/signing-requests", headers=headers)
    assert r.status_code == 401
    assert r.json() == {
        "error": "Unauthorized",
        "code": "UNAUTHORIZED",
        "message": "Missing or invalid API key",
    }


def test_keys_are_stored_only_as_hashes(api, app):
    from sqlalchemy import select

    from signet.models import ApiKey

    with app.state.signet.db.read() as s:
        rows = s.scalars(select(ApiKey)).all()
    assert rows and all(api.key not in (r.key_hash, r.name) for r in rows)
    assert len(api.key) >= len("signet_live_") + 43


def test_another_workspaces_request_is_404_like_a_missing_one(api, other_api):
    sid = api.post("/signing-requests", create_body()).json()["id"]
    missing = other_api.get(f"/signing-requests/{uuid.uuid4()}")
    foreign = other_api.get(f"/signing-requests/{sid}")
    assert foreign.status_code == missing.status_code == 404
    assert (
        foreign.json()
        == missing.json()
        == {"error": "Signing request not found", "code": "NOT_FOUND"}
    )
    for method, path in [
        ("post", "/send"),
        ("post", "/cancel"),
        ("get", "/users"),
        ("get", "/audit"),
        ("delete", ""),
        ("patch", ""),
    ]:
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        r = getattr(other_api, method)(f"/signing-requests/{sid}{path}", **kwargs)
        assert r.status_code == 404, (method, path, r.text)
    assert other_api.get("/signing-requests").json()["pagination"]["total_count"] == 0
    assert api.get(f"/signing-requests/{sid}").status_code == 200


def test_undecodable_ids_are_404(api):
    assert api.get("/signing-requests/not-a-uuid").status_code == 404


def test_a_wrong_key_tried_again_costs_no_database_read(client, app):
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "api_keys" in statement:
            statements.append(statement)

    wrong = f"signet_live_{uuid.uuid4().hex}"
    engine = app.state.signet.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            r = client.get("/v1/signing-requests", headers={"Authorization": wrong})
            assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1  # the first try looked the key up; the next two were refused


def test_a_full_key_cache_forgets_the_least_recently_used_key_only():
    from signet.api.auth import AuthContext, KeyCache

    cache = KeyCache(size=3)
    contexts = [AuthContext(f"k{i}", "key", "ws", "co", False, False) for i in range(4)]
    for i in range(3):
        cache.put(f"d{i}", contexts[i])
    assert cache.get("d0") is contexts[0]  # d1 is now the least recently used
    cache.put("d3", contexts[3])
    assert [cache.get(f"d{i}") for i in range(4)] == [contexts[0], None, contexts[2], contexts[3]]


def test_a_full_cache_of_refused_keys_keeps_refusing_the_recent_ones():
    from signet.api.auth import KeyCache
    from signet.errors import Unauthorized

    cache = KeyCache(size=2)
    for digest in ("a", "b", "c"):
        cache.refuse(digest)
    assert cache.get("a") is None  # the oldest went; before, a full cache forgot all of them
    for digest in ("b", "c"):
        with pytest.raises(Unauthorized):
            cache.get(digest)
