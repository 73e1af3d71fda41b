"""A request made from a template is signed in a real browser (Chromium) and its final PDF
carries its own merge values and what was typed, not another request's."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from signing_page.builders import draw_signature
from signing_page.conftest import CHROMIUM, CHROMIUM_ARGS
from template_helpers import nda_template, pdf_text

from signet.models import SigningRequest

pytestmark = pytest.mark.timeout(120)


def _template_body() -> dict[str, Any]:
    return nda_template(
        users=[
            {"id": "temp_client", "designation": "Signer", "role": "Client"},
            {"id": "temp_legal", "designation": "CC", "first_name": "Legal",
             "email": "legal@acme.example"},
        ],
        fields=[
            {"type": "signature", "assigned_to_user_id": "temp_client", "page": 1, "x": 10,
             "y": 70, "width": 30, "height": 6},
            {"type": "text", "assigned_to_user_id": "temp_client", "page": 1, "x": 10, "y": 30,
             "width": 50, "height": 3, "read_only": True, "variable_name": "project_name"},
            {"type": "text", "assigned_to_user_id": "temp_client", "page": 1, "x": 10, "y": 40,
             "width": 50, "height": 3, "name": "Client.Title"},
        ],
        reminders=[],
    )  # fmt: skip


def _send(signet: Any, tid: str, first: str, project: str) -> dict[str, Any]:
    r = signet.api.post("/v1/signing-requests/create-and-send", json={
        "template_id": tid,
        "recipients": [{"first_name": first, "last_name": "Tester",
                        "email": f"{first.lower()}@client.example"}],
        "fields": [{"variable_name": "project_name", "read_only_value": f"Project {project}"}],
        "settings": {"send_signing_email": False, "send_finish_email": False},
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return dict(r.json())


def _final(signet: Any, request_id: str) -> bytes:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with signet.db.read() as session:
            sha = session.get(SigningRequest, request_id).final_sha256
        if sha:
            return bytes(signet.app.state.signet.store.get(sha))
        time.sleep(0.2)
    raise AssertionError("the final PDF was not made within 60 s")


def _in_own_thread(work: Callable[[Any], None]) -> None:
    """Run ``work(page)`` with a Chromium of its own in another thread: Playwright's sync API
    runs one instance per thread, and the signing page tests may hold the main thread's."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI: {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    failure: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.set_default_timeout(10_000)
                work(context.new_page())
                browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=100)
    assert not thread.is_alive(), "the browser did not finish within 100 s"
    if failure:
        raise failure[0]


def test_template_request_signed_in_the_browser_keeps_its_own_values(signet_server):
    created = signet_server.api.post("/v1/templates", json=_template_body())
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    ada = _send(signet_server, tid, "Ada", "Apollo")
    _send(signet_server, tid, "Alan", "Gemini")
    title_id = ada["fields"][2]["id"]

    def sign(page: Any) -> None:
        page.goto(f"{signet_server.base_url}/signing/{ada['recipients'][0]['id']}")
        page.get_by_label(re.compile("agree")).check()
        assert "Project Apollo" in page.content()
        page.locator(f'[data-field-id="{title_id}"]').locator("input").fill("Countess")
        page.locator(f'[data-field-id="{ada["fields"][0]["id"]}"]').locator("button").click()
        draw_signature(page)
        page.get_by_role("dialog").get_by_role("button", name="Adopt signature").click()
        page.get_by_role("button", name="Finish").click()
        page.get_by_role("heading", name="Thank you").wait_for()

    _in_own_thread(sign)
    text = pdf_text(_final(signet_server, ada["id"]))
    assert "Project Apollo" in text and "Countess" in text
    assert "Gemini" not in text and "Alan" not in text
