"""SMS codes through a Twilio-compatible provider (docs/identity.md#sms): a small provider on
127.0.0.1 records what Signet posts; without a provider, the settings that need SMS answer 400
naming why. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from fixtures.requests import create_body, field, signer
from pandadoc_helpers import PandaDoc, doc_data

from identity.kit import audit_events, enter_code, open_page, send_code
from signet.app import create_app, start_worker
from signet.config import Settings

PHONE = "+15555550123"


def _phone() -> str:
    """A number of its own per test run (the provider outlives one database's run)."""
    import random

    return f"+1555{random.randrange(10**6, 10**7)}"


class Provider:
    """A Twilio-shaped SMS API: form POSTs with basic auth, kept in ``messages``."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with box.lock:
                    box.messages.append(
                        {"path": self.path, "auth": self.headers.get("authorization"), **form}
                    )
                self.send_response(201)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"sid": "SM1", "status": "queued"}')

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, to: str, count: int = 1, timeout: float = 20) -> list[dict[str, Any]]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.messages if m.get("To") == to]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no SMS to {to}; have {self.messages}")


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    box = Provider()
    yield box
    box.server.shutdown()
    box.server.server_close()


@pytest.fixture(scope="module")
def sms_app(app, settings: Settings, provider: Provider, tmp_path_factory) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The suite's app again (same migrated database, same secret), with an SMS provider and
    a worker of its own."""
    configured = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("sms"),
            "sms_url": f"http://AC123:s3cret@127.0.0.1:{provider.port}/2010-04-01/Accounts/AC123/Messages.json",
            "sms_from": "+15550000000",
        }
    )
    application = create_app(configured)
    worker = start_worker(application.state.signet, 1)
    yield application
    worker.stop()
    application.state.signet.db.dispose()


@pytest.fixture
def sms_api(sms_app, api) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A Firma client of a new workspace on the SMS-enabled app (the suite's ``Api`` class)."""
    import uuid

    from signet.db import transaction
    from signet.workspaces.service import create_api_key, ensure_workspace

    with transaction(sms_app.state.signet.db.write) as session:
        ws = ensure_workspace(session, f"sms-{uuid.uuid4().hex[:8]}")
        key = create_api_key(session, ws, "sms key", "live")
        workspace_id = ws.id
    with TestClient(sms_app) as client:
        yield type(api)(client, key, workspace_id)


def _code(message: dict[str, Any]) -> str:
    match = re.match(r"^(\d{6}) is your code", message["Body"])
    assert match, message
    return match.group(1)


def test_the_sms_code_opens_the_document(sms_api, sms_app, provider):
    phone = _phone()
    body = create_body(
        recipients=[signer("temp_1", "sms@example.com", phone_number=phone)],
        fields=[field("temp_1")],
        settings={"require_sms_verification": True},
    )
    r = sms_api.post("/signing-requests/create-and-send", body)
    assert r.status_code == 201, r.text
    assert r.json()["settings"]["require_sms_verification"] is True
    base = f"/signing/{r.json()['recipients'][0]['id']}"
    browser = TestClient(sms_app)
    assert "We text you" in open_page(browser, base).text
    sent = send_code(browser, base, method="sms")
    assert sent.status_code == 200 and f"+…{phone[-4:]}" in sent.text

    message = provider.wait_for(phone)[0]
    assert message["From"] == "+15550000000"
    assert message["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert message["auth"] == "Basic " + base64.b64encode(b"AC123:s3cret").decode()
    assert "Employment Contract" in message["Body"]
    code = _code(message)
    wrong = "000000" if code != "000000" else "111111"
    assert enter_code(browser, base, wrong, method="sms").status_code == 400
    assert enter_code(browser, base, code, method="sms").status_code == 303
    assert "Finish" in open_page(browser, base).text
    events = [e for e in audit_events(sms_api, r.json()["id"]) if e["event"].startswith("sms_")]
    assert [e["event"] for e in events] == ["sms_code_sent", "sms_failed", "sms_verified"]
    assert events[-1]["details"]["to"] == f"+…{phone[-4:]}"


def test_pandadoc_phone_verification_sends_to_the_given_number(sms_api, sms_app, provider):
    pd = PandaDoc(sms_api, sms_app)
    data = doc_data()
    phone = _phone()
    data["recipients"][0]["verification_settings"] = {"phone_verification": {"phone_number": phone}}
    details = pd.create(data)
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True}).json()
    link = next(r for r in sent["recipients"] if r["recipient_type"] == "signer")["shared_link"]
    base = link.replace("http://testserver", "")
    browser = TestClient(sms_app)
    send_code(browser, base, method="sms")
    code = _code(provider.wait_for(phone)[0])
    assert enter_code(browser, base, code, method="sms").status_code == 303


def test_a_signer_without_a_phone_number_cannot_be_sent(sms_api):
    body = create_body(settings={"require_sms_verification": True})
    r = sms_api.post("/signing-requests/create-and-send", body)
    assert r.status_code == 400, r.text
    assert "recipients[0].phone_number" in r.text


def test_without_a_provider_the_sms_settings_answer_400(api, pd):
    for path in ("/signing-requests", "/signing-requests/create-and-send"):
        r = api.post(path, create_body(settings={"require_sms_verification": True}))
        assert r.status_code == 400, r.text
        assert "SIGNET_SMS_URL" in r.text and "require_sms_verification" in r.text
    draft = api.post("/signing-requests", create_body()).json()
    r = api.patch(
        f"/signing-requests/{draft['id']}", {"settings": {"require_sms_verification": True}}
    )
    assert r.status_code == 400 and "SIGNET_SMS_URL" in r.text
    data = doc_data()
    data["recipients"][0]["verification_settings"] = {"phone_verification": {"phone": PHONE}}
    r = pd.upload(data)
    assert r.status_code == 400 and "SIGNET_SMS_URL" in r.text
