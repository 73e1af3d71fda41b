"""One signed request, finalised by the app's own worker, for the B-LTA and renewal tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from signing_page.builders import csrf_of, field_ids, one_signer_body
from starlette.testclient import TestClient

from signet.app import create_app
from signet.config import Settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.models import SigningRequest
from signet.workspaces.service import create_api_key, ensure_workspace

PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
    "hwGA60e6kgAAAABJRU5ErkJggg=="
)


@dataclass
class Running:
    app: Any
    client: TestClient
    key: str


@contextmanager
def running(settings: Settings) -> Iterator[Running]:
    """The app with its inline worker, on ``settings`` (the data dir is made and migrated)."""
    settings.data_dir.mkdir(exist_ok=True)
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    app = create_app(settings)
    with transaction(app.state.signet.db.write) as session:
        key = create_api_key(session, ensure_workspace(session, "lta"), "k", "live")
    try:
        with TestClient(app) as client:
            yield Running(app, client, key)
    finally:
        app.state.signet.db.dispose()


def sign_one(run: Running, name: str = "Kept for ten years") -> str:
    """Create, send and sign a one-signer request; its id (the worker finalises it)."""
    client, key = run.client, run.key
    body = one_signer_body(name)
    created = client.post("/v1/signing-requests", json=body, headers={"Authorization": key})
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    sent = client.post(f"/v1/signing-requests/{sid}/send", headers={"Authorization": key})
    assert sent.status_code == 200, sent.text
    rid = created.json()["recipients"][0]["id"]
    ids = field_ids(body, created.json())
    page = client.get(f"/signing/{rid}")
    done = client.post(
        f"/signing/{rid}/finish",
        json={
            "consent": True,
            "values": {ids["Company"]: "ACME"},
            "signature": PIXEL,
            "signature_kind": "drawn",
        },
        headers={"X-Signet-CSRF": csrf_of(page.text)},
    )
    assert done.status_code == 200, done.text
    return str(sid)


def files_of(run: Running, sid: str) -> tuple[str | None, str | None, str | None]:
    with run.app.state.signet.db.read() as session:
        sr = session.get(SigningRequest, sid)
        return (sr.final_sha256, sr.document_only_sha256, sr.certificate_only_sha256)


def wait_for(predicate: Any, seconds: float = 90) -> None:
    """Poll ``predicate`` until true; a bound, not a timed assert (the worker runs the job)."""
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)
