"""The identity step in Chromium (docs/identity.md#the-page): the emailed code is read from the
real email and typed into the page, unframed and framed by a host on another site (the proof
cookie must work in a third-party frame: docs/compat/framing.md#cookies)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signet.app import create_app
from signet.config import Settings
from signet.db import open_database, transaction
from signet.migrate import upgrade_database
from signet.workspaces.service import create_api_key, ensure_workspace
from signing_page.builders import one_signer_body
from signing_page.conftest import ServerThread, Signet, free_port

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def otp_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Any) -> Iterator[Signet]:
    """Signet on 127.0.0.1 that sends its email to the suite's SMTP mailbox."""
    data_dir: Path = tmp_path_factory.mktemp("signing-page-otp")
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="signing-page-otp-tests",
        inline_worker=True,
        job_poll_interval=0.05,
        retry_base_seconds=0.2,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",
        rate_limits={c: "100000/minute" for c in ("ip.signing_page", "ip.code_attempts")},
    )
    db = open_database(settings.resolved_database_url)
    upgrade_database(db.engine)
    db.dispose()
    app = create_app(settings)
    with transaction(app.state.signet.db.write) as session:
        ws = ensure_workspace(session, "otp-tests")
        live_key = create_api_key(session, ws, "live key", "live")
        test_key = create_api_key(session, ws, "test key", "test")
        workspace_id = ws.id
    with ServerThread(app, port):
        yield Signet(app, settings.public_base_url, live_key, test_key, workspace_id)
    app.state.signet.db.dispose()


@pytest.fixture(scope="module")
def other_site_host(host_site: str) -> str:
    """The example host page on another *site*: localhost instead of 127.0.0.1."""
    return host_site.replace("127.0.0.1", "localhost")


def _code(mailbox: Any, email: str, count: int = 1) -> str:
    text = mailbox.wait_for(email, "signing_otp", count=count)[-1].get_body(("plain",))
    match = re.search(r"^\s+(\d{6})\s*$", text.get_content(), re.M)
    assert match
    return match.group(1)


def _email(tag: str) -> str:
    import uuid

    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def _body(email: str, name: str) -> dict[str, Any]:
    body = one_signer_body(name, settings={"require_otp_verification": True})
    body["recipients"][0]["email"] = email
    return body


def _sign(frame: Any) -> None:
    frame.get_by_label(re.compile("agree")).check()
    frame.locator("[data-field-type='text'] input").fill("Analytical Engines Ltd")
    frame.locator("[data-field-type='signature'] button").click()
    frame.get_by_role("textbox", name="Or type your name").fill("Ada Lovelace")
    frame.get_by_role("button", name="Adopt signature").click()
    frame.get_by_role("button", name="Finish").click()


def test_unframed_the_code_from_the_email_opens_the_page(otp_server, new_page, mailbox):
    email = _email("browser")
    created = otp_server.create_sent(_body(email, "Code in a browser"))
    page = new_page()
    page.goto(f"{otp_server.base_url}/signing/{created['recipients'][0]['id']}")
    page.get_by_role("heading", name="Confirm it is you").wait_for()
    assert page.locator(".page__img").count() == 0
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_text(re.compile(r"We sent a code to .…@example\.com")).wait_for()

    page.get_by_label("6-digit code").fill("000000" if _code(mailbox, email) != "000000" else "1")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text(re.compile("tries left")).wait_for()
    page.get_by_label("6-digit code").fill(_code(mailbox, email))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Finish").wait_for()
    # Reloading keeps the proof (the cookie), so the code is not asked again.
    page.reload()
    page.get_by_role("button", name="Finish").wait_for()
    _sign(page)
    page.get_by_role("heading", name="Thank you").wait_for()
    assert otp_server.detail(created["id"])["status"]["finished"] is True


def test_framed_on_another_site_the_check_passes_and_signing_completes(
    otp_server, new_page, mailbox, other_site_host
):
    email = _email("framed")
    created = otp_server.create_sent(_body(email, "Code in a frame"), test=True)
    session_id = otp_server.create_session(created["id"], email, test=True)
    page = new_page()
    page.goto(f"{other_site_host}/embed.html?signet={otp_server.base_url}&session={session_id}")
    frame = page.frame_locator("#signing")
    frame.get_by_role("heading", name="Confirm it is you").wait_for()
    frame.get_by_role("button", name="Send me a code").click()
    frame.get_by_label("6-digit code").fill(_code(mailbox, email))
    frame.get_by_role("button", name="Confirm").click()
    frame.get_by_role("button", name="Finish").wait_for()
    page.wait_for_function(
        "window.signetEvents.some(e => e.type === 'session_view.document.loaded')"
    )
    _sign(frame)
    page.wait_for_function(
        "window.signetEvents.some(e => e.type === 'session_view.document.completed')"
    )
    cookies = page.context.cookies()
    proof = [c for c in cookies if c["name"] == "signet_verified"]
    assert proof and proof[0]["sameSite"] == "None" and proof[0]["secure"]
