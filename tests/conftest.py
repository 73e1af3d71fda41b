"""Shared fixtures: a real SQLite and a real PostgreSQL (own schema per run), the app on each,
and an API client per test with its own workspace and key."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from signet.api.rate_classes import DEFAULT_LIMITS
from signet.app import create_app
from signet.config import Settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.models import Company as CompanyRow
from signet.models import Workspace
from signet.workspaces.service import create_api_key, default_company, ensure_workspace

PG_URL = os.environ.get("SIGNET_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIRMA = "/functions/v1/signing-request-api"


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test run, dropped at the end."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    schema = f"signet_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'signet.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        import threading

        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def find(self, to: str, email_type: str | None = None) -> list[EmailMessage]:
        with self._lock:
            return [
                m
                for m in self.messages
                if to.lower() in str(m["To"]).lower()
                and (email_type is None or m["X-Signet-Email-Type"] == email_type)
            ]

    def wait_for(
        self, to: str, email_type: str | None = None, count: int = 1, timeout: float = 20.0
    ) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(to, email_type)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"no {email_type or 'email'} to {to} within {timeout}s; "
            f"have {[(m['To'], m['X-Signet-Email-Type']) for m in self.messages]}"
        )


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        base_url="http://testserver",
        secret_key="test-secret",
        inline_worker=False,
        retry_base_seconds=0.2,
        job_poll_interval=0.05,
        job_lease_seconds=5,
        expiry_sweep_seconds=0.5,
        webhook_allow_private=True,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",  # type: ignore[attr-defined]
        mail_from="Signet Tests <signet@example.com>",
        # The shared app serves the whole suite from one address: its limits are out of the way
        # (tests/api/test_rate_limits.py checks the limits on apps of their own).
        rate_limits={name: "1000000/minute" for name in DEFAULT_LIMITS},
    )


@pytest.fixture
def worker(app):  # type: ignore[no-untyped-def]
    """An in-process job worker for the test's duration."""
    from signet.app import start_worker

    w = start_worker(app.state.signet, 2)
    yield w
    w.stop()


@pytest.fixture(scope="session")
def app(settings: Settings):  # type: ignore[no-untyped-def]
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    application = create_app(settings)
    yield application
    application.state.signet.db.dispose()


class Api:
    """A client bound to one workspace's key, talking to the Firma face."""

    def __init__(self, client: TestClient, key: str, workspace_id: str, prefix: str = FIRMA):
        self.client = client
        self.key = key
        self.workspace_id = workspace_id
        self.prefix = prefix
        self.headers = {"Authorization": key}

    def url(self, path: str) -> str:
        return (
            path
            if path.startswith(("/files", "/v1/uploads", "/public", "http"))
            else (self.prefix + path)
        )

    def _call(self, method: str, path: str, **kw):  # type: ignore[no-untyped-def]
        kw["headers"] = {**self.headers, **kw.get("headers", {})}
        return self.client.request(method, self.url(path), **kw)

    def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
        return self._call("GET", path, **kw)

    def post(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self._call("POST", path, json=json, **kw)

    def patch(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self._call("PATCH", path, json=json, **kw)

    def put(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self._call("PUT", path, json=json, **kw)

    def delete(self, path: str, **kw):  # type: ignore[no-untyped-def]
        return self._call("DELETE", path, **kw)


def make_workspace_key(app, name: str | None = None, kind: str = "live") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.write) as session:
        ws = ensure_workspace(session, name or f"ws-{uuid.uuid4().hex[:8]}")
        return create_api_key(session, ws, "test key", kind), ws.id


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def api(app, client) -> Api:  # type: ignore[no-untyped-def]
    key, ws = make_workspace_key(app)
    return Api(client, key, ws)


@pytest.fixture
def other_api(app, client) -> Api:  # type: ignore[no-untyped-def]
    key, ws = make_workspace_key(app)
    return Api(client, key, ws)


@dataclass
class Company:
    """Keys of a company made for one test: settings set on it reach no other test."""

    id: str
    owner: Api  # the protected workspace's key: the one that may change the company
    member: Api  # a second workspace's live key
    member_test: Api  # a test key of that second workspace


@pytest.fixture
def company(app, client) -> Company:  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.write) as session:
        # The installation's default company is the oldest: make sure it is not this one.
        default_company(session)
        made = CompanyRow(name=f"co-{uuid.uuid4().hex[:8]}")
        session.add(made)
        session.flush()
        apis = []
        for protected, kinds in ((True, ("live",)), (False, ("live", "test"))):
            ws = Workspace(
                company_id=made.id, name=f"ws-{uuid.uuid4().hex[:8]}", protected=protected
            )
            session.add(ws)
            session.flush()
            apis += [Api(client, create_api_key(session, ws, "test key", k), ws.id) for k in kinds]
        return Company(made.id, *apis)


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    return app.state.signet.db


def data_path(settings: Settings) -> Path:
    return settings.data_dir
