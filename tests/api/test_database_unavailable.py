"""With no database to reach, every face answers 503 with Retry-After in its own error format
(never a 500), and the health checks say the database is down. The server here is a port where
nothing listens; ``tests/outages/test_database_restart.py`` stops a real PostgreSQL under load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from outages.own_postgres import free_port
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from starlette.testclient import TestClient

from signet.app import create_app
from signet.config import Settings
from signet.db import database_unavailable

KEY = {"Authorization": "signet_live_" + "a" * 43}


@pytest.fixture
def no_database(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone",
        secret_key="no-database",
        base_url="http://testserver",
        inline_worker=False,
    )
    app = create_app(settings)
    # Not raising server exceptions: a middleware's database error reaches the client as the
    # answer Starlette's outermost handler sends, as it would over a socket.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.signet.db.dispose()


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("GET", "/v1/signing-requests/x", {}, None),
        ("POST", "/v1/signing-requests", {}, {"name": "x"}),
        # The idempotency middleware reads the database before any route runs.
        ("POST", "/v1/signing-requests", {"Idempotency-Key": "k-1"}, {"name": "x"}),
        ("GET", "/public/v1/documents/x", {}, None),
        ("GET", "/public/v2/documents/x/audit-trail", {}, None),
    ],
)
def test_each_face_answers_503_with_retry_after(no_database, method, path, headers, body):
    r = no_database.request(method, path, headers={**KEY, **headers}, json=body)
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    got = r.json()
    if path.startswith("/public/v2/"):
        assert got["code"] == "service_unavailable"
    elif path.startswith("/public/"):
        assert got == {
            "type": "service_unavailable",
            "detail": "The database is unavailable; retry later",
        }
    else:
        assert got == {
            "error": "The database is unavailable; retry later",
            "code": "DATABASE_UNAVAILABLE",
        }
    assert "127.0.0.1" not in r.text  # the driver's words stay in the log


def test_health_checks_say_the_database_is_down(no_database):
    ready = no_database.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "the database does not answer"
    assert no_database.get("/healthz").status_code == 503


def test_only_errors_of_an_unreachable_database_count_as_an_outage():
    def wrapped(kind: type, invalidated: bool = False) -> Exception:
        return kind("SELECT 1", {}, Exception("driver says"), connection_invalidated=invalidated)

    assert database_unavailable(wrapped(OperationalError))
    assert database_unavailable(wrapped(InterfaceError))
    assert database_unavailable(wrapped(IntegrityError, invalidated=True))
    # A broken rule or statement is a bug, answered 500 and logged with its traceback.
    assert not database_unavailable(wrapped(IntegrityError))
    assert not database_unavailable(ValueError("not a database error"))


def test_the_openapi_document_declares_the_503(no_database):
    paths = no_database.get("/openapi.json").json()["paths"]
    api_operations = [
        (path, op)
        for path, ops in paths.items()
        if path.startswith(("/functions/", "/public/", "/signet/"))
        for op in ops.values()
    ]
    assert api_operations
    for path, op in api_operations:
        assert "Retry-After" in op["responses"]["503"].get("headers", {"Retry-After": 1}), path
    create = paths["/functions/v1/signing-request-api/signing-requests"]["post"]["responses"]
    assert create["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert create["503"]["content"]["application/json"]["schema"]["$ref"].endswith("FirmaError")
