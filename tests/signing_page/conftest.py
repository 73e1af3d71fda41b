"""Fixtures for the signing page: a real Signet over HTTP on 127.0.0.1 (uvicorn in a thread, a
fresh SQLite data dir, the in-process job worker), a Firma API client, and Debian's Chromium
driven by Playwright. Browser tests skip without /usr/bin/chromium, and fail in CI."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from signet.app import create_app
from signet.config import Settings
from signet.db import open_database, transaction
from signet.kit.tokens import hash_token
from signet.migrate import upgrade_database
from signet.models import SigningSession, Workspace
from signet.models.base import utcnow
from signet.workspaces.service import create_api_key, ensure_workspace

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """uvicorn serving an ASGI app on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.port = port

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class Signet:
    """The running server: its URL, app, and API clients for a live and a test workspace key."""

    def __init__(
        self, app: Any, base_url: str, live_key: str, test_key: str, workspace_id: str
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.workspace_id = workspace_id
        self.api = httpx.Client(base_url=base_url, headers={"Authorization": live_key}, timeout=20)
        self.test_api = httpx.Client(
            base_url=base_url, headers={"Authorization": test_key}, timeout=20
        )
        self.http = httpx.Client(base_url=base_url, timeout=20)

    @property
    def db(self) -> Any:
        return self.app.state.signet.db

    def set_workspace_settings(self, **values: Any) -> None:
        with transaction(self.db.write) as session:
            ws = session.get(Workspace, self.workspace_id)
            ws.settings = {**(ws.settings or {}), **values}

    def create_sent(self, body: dict[str, Any], *, test: bool = False) -> dict[str, Any]:
        """POST /v1/signing-requests then /send; the created request (with recipient ids)."""
        client = self.test_api if test else self.api
        created = client.post("/v1/signing-requests", json=body)
        assert created.status_code == 201, created.text
        sent = client.post(f"/v1/signing-requests/{created.json()['id']}/send")
        assert sent.status_code == 200, sent.text
        return dict(created.json())

    def create_session(self, request_id: str, email: str, *, test: bool = False) -> str:
        """An embedded session through the PandaDoc face; its 22-char id."""
        client = self.test_api if test else self.api
        r = client.post(f"/public/v1/documents/{request_id}/session", json={"recipient": email})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def expire_session(self, session_id: str) -> None:
        with transaction(self.db.write) as session:
            row = session.scalars(
                select(SigningSession).where(SigningSession.token_hash == hash_token(session_id))
            ).one()
            row.expires_at = utcnow() - timedelta(minutes=1)

    def other_workspace(self, **settings: Any) -> httpx.Client:
        """An API client of a new workspace with these settings."""
        with transaction(self.db.write) as session:
            ws = ensure_workspace(session, f"ws-{uuid.uuid4().hex[:8]}")
            ws.settings = dict(settings)
            key = create_api_key(session, ws, "other key", "live")
        return httpx.Client(base_url=self.base_url, headers={"Authorization": key}, timeout=20)

    def detail(self, request_id: str) -> dict[str, Any]:
        r = self.api.get(f"/v1/signing-requests/{request_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture(scope="session")
def signet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signet]:
    data_dir: Path = tmp_path_factory.mktemp("signing-page")
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="signing-page-tests",
        inline_worker=True,
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
        retry_base_seconds=0.2,
        # One address serves every test of the session: its per-address limits are out of the way.
        rate_limits={
            c: "100000/minute"
            for c in (
                "ip.signing_page",
                "ip.files",
                "ip.auth_failures",
                "ip.verify",
                "ip.code_attempts",
            )
        },
    )
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    app = create_app(settings)
    with transaction(app.state.signet.db.write) as session:
        ws = ensure_workspace(session, "signing-page-tests")
        live_key = create_api_key(session, ws, "live key", "live")
        test_key = create_api_key(session, ws, "test key", "test")
        workspace_id = ws.id
    with ServerThread(app, port):
        yield Signet(app, settings.public_base_url, live_key, test_key, workspace_id)
    app.state.signet.db.dispose()


def _chromium_or_skip() -> None:
    if os.path.exists(CHROMIUM):
        return
    reason = f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh"
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageWatch:
    """Console messages and page errors of one page, to assert on CSP violations."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("console", lambda msg: self.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda err: self.messages.append(f"pageerror: {err}"))

    def problems(self) -> list[str]:
        words = ("content security policy", "refused to", "pageerror", "uncaught")
        return [m for m in self.messages if any(w in m.lower() for w in words)]


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A factory of fresh pages (own context each); every one is checked for CSP errors."""
    contexts: list[Any] = []
    watches: list[PageWatch] = []

    def make(viewport: dict[str, int] | None = None, **kw: Any) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, **kw)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch(page)  # type: ignore[attr-defined]
        watches.append(page.watch)  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()
    problems = [p for w in watches for p in w.problems()]
    assert not problems, f"console problems: {problems}"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("SIGNET_SCREENSHOT_DIR", "/tmp/signet-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def host_site() -> Iterator[str]:
    """The customer's site: ``examples/`` served on another 127.0.0.1 port (another origin)."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    examples = Path(__file__).resolve().parents[2] / "examples"
    handler = functools.partial(Quiet, directory=str(examples))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
