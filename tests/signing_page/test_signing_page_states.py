"""What each recipient sees in a real browser when it is not (or no longer) their turn to sign:
decline, waiting for others, copy only, expired session, closed requests; and that names
holding HTML show as text."""

from __future__ import annotations

import re

import pytest

from signing_page.builders import one_signer_body, person, place, two_signer_body

pytestmark = pytest.mark.timeout(120)


def test_decline_with_a_reason_declines_the_request(signet_server, new_page, screenshot_dir):
    created = signet_server.create_sent(one_signer_body("To decline"))
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    page.get_by_role("button", name="Decline").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Confirm decline").click()
    assert dialog.get_by_role("alert").inner_text() == "Tell the sender why you decline."
    dialog.get_by_label("Reason for declining").fill("The price is wrong")
    dialog.get_by_role("button", name="Confirm decline").click()
    page.get_by_role("heading", name="You declined to sign").wait_for()
    detail = signet_server.detail(created["id"])
    assert detail["status"]["declined"] is True
    page.reload()
    assert page.get_by_role("heading", name="This document was declined").is_visible()
    page.screenshot(path=str(screenshot_dir / "declined-notice.png"))
    assert page.get_by_role("button", name="Finish").count() == 0


def test_second_signer_sees_the_waiting_page_before_the_first_signs(
    signet_server, new_page, screenshot_dir
):
    created = signet_server.create_sent(two_signer_body("Waiting"))
    page = new_page()
    response = page.goto(f"{signet_server.base_url}/signing/{created['recipients'][1]['id']}")
    assert response.status == 200
    assert page.get_by_role("heading", name="It is not your turn to sign yet").is_visible()
    assert page.get_by_role("button", name="Finish").count() == 0
    assert page.get_by_label(re.compile("agree")).count() == 0
    fields = page.locator("[data-field-id]")
    assert fields.count() == 14
    assert page.locator("[data-field-id]:not([aria-disabled='true'])").count() == 0
    assert (
        page.locator(
            "[data-field-id] input, [data-field-id] select, "
            "[data-field-id] textarea, [data-field-id] button"
        ).count()
        == 0
    )
    assert page.locator(".page__img").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "waiting-desktop.png"))


def test_cc_recipient_sees_a_read_only_copy(signet_server, new_page):
    body = one_signer_body("With a copy")
    body["recipients"].append(
        person("temp_cc", "cc@example.com", "Carbon", "Copy", designation="CC")
    )
    created = signet_server.create_sent(body)
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][1]['id']}")
    assert page.get_by_role("heading", name="You receive a copy of this document").is_visible()
    assert page.get_by_role("button", name="Finish").count() == 0
    assert page.locator("form, input, select, textarea").count() == 0
    assert page.locator("[data-field-id][aria-disabled='true']").count() == 2


def test_expired_session_shows_a_link_expired_page_with_410(signet_server, new_page):
    created = signet_server.create_sent(one_signer_body("Expired session"))
    session_id = signet_server.create_session(created["id"], "ada@example.com")
    signet_server.expire_session(session_id)
    page = new_page()
    response = page.goto(f"{signet_server.base_url}/s/{session_id}")
    assert response.status == 410
    assert page.get_by_role("heading", name="This link has expired").is_visible()
    assert page.get_by_role("button", name="Finish").count() == 0


def test_cancelled_and_unknown_links_show_clear_pages(signet_server, new_page):
    created = signet_server.create_sent(one_signer_body("To cancel"))
    r = signet_server.api.post(
        f"/v1/signing-requests/{created['id']}/cancel", json={"reason": "Wrong version"}
    )
    assert r.status_code == 200, r.text
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    assert page.get_by_role("heading", name="This document was cancelled").is_visible()
    response = page.goto(f"{signet_server.base_url}/signing/not-a-recipient")
    assert response.status == 404
    assert page.get_by_role("heading", name="Link not found").is_visible()


def test_html_in_names_and_values_is_shown_as_text(signet_server, new_page):
    evil = '<img src=x id=injected onerror="window.pwned=1">'
    body = one_signer_body(f"Contract {evil}", first=evil)
    body["fields"].append(
        place(None, "text", 1, 50, 40, read_only=True, read_only_value="<b id=bold>not bold</b>")
    )
    created = signet_server.create_sent(body)
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    assert evil in page.locator(".topbar__who").inner_text()
    assert evil in page.locator(".topbar__title").inner_text()
    assert page.get_by_text("<b id=bold>not bold</b>").is_visible()
    assert page.locator("#injected, #bold").count() == 0
    assert page.evaluate("window.pwned") is None
