"""Embedded signing: the example host page on another origin frames /s/{id} and receives the
session_view.* and signet.signing.* messages (docs/compat/framing.md#postmessage-events)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from signet.kit.ids import short_id
from signing_page.builders import one_signer_body

pytestmark = pytest.mark.timeout(120)


def _events(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.signetEvents"))


def _wait_for_event(page: Any, type_: str) -> dict[str, Any]:
    page.wait_for_function(f"window.signetEvents.some(e => e.type === {type_!r})")
    return next(e for e in _events(page) if e["type"] == type_)


def test_framed_session_posts_loaded_and_completed_to_the_host(signet_server, new_page, host_site):
    body = one_signer_body("Embedded")
    # Framed, the page must not follow the redirect; it only posts messages.
    body.update(completion_redirect_url="http://127.0.0.1:9/after", completion_redirect_delay=0)
    created = signet_server.create_sent(body, test=True)
    session_id = signet_server.create_session(created["id"], "ada@example.com", test=True)
    page = new_page()
    page.goto(f"{host_site}/embed.html?signet={signet_server.base_url}&session={session_id}")
    loaded = _wait_for_event(page, "session_view.document.loaded")
    ids = {
        "document_id": short_id(created["id"]),
        "recipient_id": short_id(created["recipients"][0]["id"]),
        "session_id": session_id,
    }
    assert loaded["payload"] == {**ids, "status": "document.viewed"}
    assert _wait_for_event(page, "signet.signing.loaded")["payload"] == {
        "version": 1,
        "signing_request_id": created["id"],
        "recipient_id": created["recipients"][0]["id"],
        "status": "in_progress",
    }

    frame = page.frame_locator("#signing")
    frame.get_by_label(re.compile("agree")).check()
    frame.locator("[data-field-type='text'] input").fill("Analytical Engines Ltd")
    frame.locator("[data-field-type='signature'] button").click()
    frame.get_by_role("textbox", name="Or type your name").fill("Ada Lovelace")
    frame.get_by_role("button", name="Adopt signature").click()
    frame.get_by_role("button", name="Finish").click()

    completed = _wait_for_event(page, "session_view.document.completed")
    payload = completed["payload"]
    assert {k: payload[k] for k in ids} == ids
    assert payload["status"] == "document.completed" and payload["recipient_completed"] is True
    assert payload["completed_at"].endswith("Z")
    assert _wait_for_event(page, "signet.signing.signed")["payload"]["request_status"] == (
        "finished"
    )
    assert _wait_for_event(page, "signet.signing.completed")
    changed = [e for e in _events(page) if e["type"] == "signet.signing.field_changed"]
    assert {e["payload"]["filled"] for e in changed} == {True}
    assert all("value" not in e["payload"] for e in changed)
    # Framed, the page stays put and shows its completion message.
    frame.get_by_role("heading", name="Thank you").wait_for()
    page.wait_for_timeout(300)
    assert page.frames[1].url.endswith(f"/s/{session_id}")
    signed = next(e for e in _events(page) if e["type"] == "signet.signing.signed")
    assert signed["payload"]["redirect_url"] == "http://127.0.0.1:9/after"


def test_expired_session_posts_an_exception_to_the_host(signet_server, new_page, host_site):
    created = signet_server.create_sent(one_signer_body("Embedded, expired"), test=True)
    session_id = signet_server.create_session(created["id"], "ada@example.com", test=True)
    signet_server.expire_session(session_id)
    page = new_page()
    page.goto(f"{host_site}/embed.html?signet={signet_server.base_url}&session={session_id}")
    exception = _wait_for_event(page, "session_view.document.exception")
    assert exception["payload"]["code"] == "session_expired"
    assert exception["payload"]["session_id"] == session_id
    assert exception["payload"]["document_id"] == short_id(created["id"])
    page.frame_locator("#signing").get_by_role("heading", name="This link has expired").wait_for()
    assert not any(e["type"] == "session_view.document.loaded" for e in _events(page))


def test_decline_in_a_frame_posts_declined(signet_server, new_page, host_site):
    created = signet_server.create_sent(one_signer_body("Embedded, declined"), test=True)
    session_id = signet_server.create_session(created["id"], "ada@example.com", test=True)
    page = new_page()
    page.goto(f"{host_site}/embed.html?signet={signet_server.base_url}&session={session_id}")
    frame = page.frame_locator("#signing")
    frame.get_by_role("button", name="Decline").click()
    frame.get_by_label("Reason for declining").fill("Not today")
    frame.get_by_role("button", name="Confirm decline").click()
    exception = _wait_for_event(page, "session_view.document.exception")
    assert exception["payload"]["code"] == "declined"
    declined = _wait_for_event(page, "signet.signing.declined")
    assert declined["payload"]["reason"] == "Not today"
