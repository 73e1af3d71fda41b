"""Fixtures for storage tests: one SeaweedFS S3 server for the session (a fresh bucket per
test), and a factory of Signet apps on SQLite whose blobs live wherever a test says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from signet.app import create_app
from signet.config import Settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.workspaces.service import create_api_key, ensure_workspace
from storage.seaweed import SeaweedS3


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(seaweed: SeaweedS3) -> str:
    return seaweed.create_bucket()


class Running:
    """A Signet app under a TestClient, with a key of its own workspace."""

    def __init__(self, app: Any, client: TestClient, key: str) -> None:
        self.app = app
        self.client = client
        self.headers = {"Authorization": key}

    @property
    def store(self) -> Any:
        return self.app.state.signet.store


def settings_for(data_dir: Path, storage_url: str | None, **extra: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        base_url="http://testserver",
        secret_key="storage-tests",
        storage_url=storage_url,
        inline_worker=True,
        job_poll_interval=0.05,
        expiry_sweep_seconds=3600,
        retry_base_seconds=0.2,
        **extra,
    )


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Any]:
    """``running(storage_url, **settings)``: a migrated SQLite Signet on that storage."""
    opened: list[tuple[Any, TestClient]] = []

    def start(storage_url: str | None, data_dir: Path | None = None, **extra: Any) -> Running:
        settings = settings_for(data_dir or tmp_path / "data", storage_url, **extra)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = open_database(settings.resolved_database_url)
        upgrade_database(db.engine)
        db.dispose()
        app = create_app(settings)
        client = TestClient(app)
        client.__enter__()
        opened.append((app, client))
        with transaction(app.state.signet.db.write) as session:
            ws = ensure_workspace(session, "storage-tests")
            key = create_api_key(session, ws, "storage key", "live")
        return Running(app, client, key)

    yield start
    for app, client in opened:
        client.__exit__(None, None, None)
        app.state.signet.db.dispose()
