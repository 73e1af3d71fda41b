"""Fixtures for the PandaDoc face: a PandaDoc client over the shared ``api`` fixture, and a
real HTTP server (uvicorn, own SQLite data dir, in-process worker) with Chromium for the
official SDK and the signing page."""

from __future__ import annotations

from typing import Any

import pytest
from pandadoc_helpers import PandaDoc

from signet.db import transaction


@pytest.fixture
def pd(api: Any, app: Any) -> PandaDoc:
    return PandaDoc(api, app)


@pytest.fixture
def other_pd(other_api: Any, app: Any) -> PandaDoc:
    return PandaDoc(other_api, app)


CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveSignet:
    """Signet served by uvicorn on 127.0.0.1 (own SQLite data dir, in-process worker)."""

    def __init__(self, app: Any, base_url: str, key: str, data_dir: Any) -> None:
        self.app, self.base_url, self.key, self.data_dir = app, base_url, key, data_dir


@pytest.fixture(scope="module")
def live_signet(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import threading
    import time

    import uvicorn

    from signet.app import create_app
    from signet.config import Settings
    from signet.db import open_database
    from signet.migrate import upgrade_database
    from signet.workspaces.service import create_api_key, ensure_workspace

    data_dir = tmp_path_factory.mktemp("pandadoc-sdk")
    port = _free_port()
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="pandadoc-sdk-tests",
        inline_worker=True,
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
        retry_base_seconds=0.2,
        # One address serves every test of the session: its per-address limits are out of the way.
        rate_limits={
            c: "100000/minute" for c in ("ip.signing_page", "ip.files", "ip.auth_failures")
        },
    )
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    app = create_app(settings)
    with transaction(app.state.signet.db.write) as session:
        ws = ensure_workspace(session, "pandadoc-sdk")
        key = create_api_key(session, ws, "SDK key", "live")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield LiveSignet(app, settings.public_base_url, key, data_dir)
    server.should_exit = True
    thread.join(timeout=10)
    app.state.signet.db.dispose()


@pytest.fixture(scope="module")
def chromium() -> Any:
    """Chromium through Playwright, for one module only: a live sync Playwright keeps an event
    loop running, which later tests (and the signing page's own browser) must not inherit."""
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI: {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
