"""Two signers in order sign in a real browser: the first draws, the second types a
non-Latin name; the request completes and the values arrive as typed."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from signet.models import Recipient, SigningRequest
from signet.pdf.verify import verify_pdf
from signing_page.builders import NON_LATIN, draw_signature, field_ids, two_signer_body

pytestmark = pytest.mark.timeout(120)


def _field(page: Any, fid: str) -> Any:
    return page.locator(f'[data-field-id="{fid}"]')


def _sign_as_first(
    page: Any, created: dict[str, Any], ids: dict[str, str], base: str, shots: Path
) -> None:
    rid = created["recipients"][0]["id"]
    page.goto(f"{base}/signing/{rid}")
    page.get_by_label(re.compile("agree")).check()
    page.get_by_role("button", name="Next field").click()
    first_text = _field(page, ids["Full name"]).locator("input")
    assert first_text.evaluate("el => el === document.activeElement")
    first_text.fill("Grace <b>Hopper</b>")
    _field(page, ids["Start date"]).locator("input").fill("2025-03-01")
    _field(page, ids["Seats"]).locator("input").fill("42")
    _field(page, ids["Notes"]).locator("textarea").fill("Line one\nLine two")
    _field(page, ids["I accept the terms"]).locator("input").check()
    _field(page, ids["Yearly"]).locator("input").check()
    _field(page, ids["Region"]).locator("select").select_option("Asia")
    signature = _field(page, ids["temp_1:signature"])
    signature.locator("button").click()
    dialog = page.get_by_role("dialog")
    assert dialog.locator("canvas").is_visible()
    draw_signature(page)
    page.screenshot(path=str(shots / "signature-dialog-desktop.png"))
    dialog.get_by_role("button", name="Adopt signature").click()
    assert signature.locator("img").is_visible()
    assert page.locator("#progress").inner_text() == "8 of 8 required fields done"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "signing-desktop.png"))
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert page.get_by_role("link", name="Download the document").is_visible()


def _sign_as_second(
    page: Any, created: dict[str, Any], ids: dict[str, str], base: str, shots: Path
) -> None:
    rid = created["recipients"][1]["id"]
    page.goto(f"{base}/signing/{rid}")
    page.get_by_label(re.compile("agree")).check()
    _field(page, ids["Your name in full"]).locator("input").fill(NON_LATIN)
    _field(page, ids["Date"]).locator("input").fill("2025-03-02")
    _field(page, ids["temp_2:signature"]).locator("button").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Or type your name").fill(NON_LATIN)
    dialog.locator("canvas[data-preview='server']").wait_for()  # the server's rendering
    page.screenshot(path=str(shots / "typed-signature-dialog.png"))
    dialog.get_by_role("button", name="Adopt signature").click()
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    assert "Everyone has signed" in page.locator("#completion-message").inner_text()
    page.screenshot(path=str(shots / "completion-desktop.png"))


def _stored(signet: Any, request_id: str) -> tuple[dict[str, str | None], list[Recipient]]:
    with signet.db.read() as session:
        sr = session.get(SigningRequest, request_id)
        values = {f.name or f.id: f.value for f in sr.fields}
        recipients = list(sr.recipients)
        return values, recipients


def test_two_signers_in_order_complete_the_request(signet_server, new_page, screenshot_dir):
    body = two_signer_body()
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    page = new_page()
    _sign_as_first(page, created, ids, signet_server.base_url, screenshot_dir)
    second = new_page()
    _sign_as_second(second, created, ids, signet_server.base_url, screenshot_dir)

    detail = signet_server.detail(created["id"])
    assert detail["status"]["finished"] is True
    values, recipients = _stored(signet_server, created["id"])
    assert values["Full name"] == "Grace <b>Hopper</b>"
    assert values["Start date"] == "2025-03-01"
    assert values["Signing date"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert values["Seats"] == "42" and values["Notes"] == "Line one\nLine two"
    assert values["I accept the terms"] == "true"
    assert (values["Monthly"], values["Yearly"]) == ("false", "true")
    assert values["Region"] == "Asia"
    assert values["Your name in full"] == NON_LATIN and values["Date"] == "2025-03-02"
    first, second_r = recipients
    assert first.signature_kind == "drawn" and first.signature_image.startswith("data:image/png")
    assert second_r.signature_kind == "typed" and second_r.signature_text == NON_LATIN
    assert first.consent_at is not None and second_r.consent_at is not None
    assert first.consent_ip == "127.0.0.1" and "Chrome" in (first.consent_user_agent or "")
    _check_final_pdf(signet_server, created["id"], created["recipients"][1]["id"])


def _check_final_pdf(signet: Any, request_id: str, recipient_id: str) -> None:
    """The finalisation job's sealed PDF validates, carries the typed texts as real text, and is
    what the signing page's download button serves."""
    deadline = time.monotonic() + 30
    sha = None
    while time.monotonic() < deadline and sha is None:
        with signet.db.read() as session:
            sha = session.get(SigningRequest, request_id).final_sha256
        time.sleep(0.2)
    assert sha, "the finalisation job did not produce the final PDF within 30 s"
    data = signet.app.state.signet.store.get(sha)
    assert verify_pdf(data).intact
    doc = pdfium.PdfDocument(data)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    squeezed = re.sub(r"\s+", "", text)
    # Once as the text field's value, once as the typed signature (stamped as real text).
    assert squeezed.count(re.sub(r"\s+", "", NON_LATIN)) >= 2, text
    download = signet.http.get(f"/signing/{recipient_id}/download")
    assert download.status_code == 200 and download.content == data


def test_phone_layout_fits_the_screen(signet_server, new_page, screenshot_dir):
    body = two_signer_body("Phone layout")
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    page = new_page(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    image = page.locator(".page__img").first
    image.wait_for()
    page.wait_for_function("document.querySelector('.page__img').complete")
    # A 3x phone picks a large rendition from srcset.
    assert re.search(r"-(1200|1600)\.jpg$", image.evaluate("el => el.currentSrc"))
    finish = page.get_by_role("button", name="Finish")
    box = finish.bounding_box()
    assert box and box["y"] + box["height"] <= 844
    page.screenshot(path=str(screenshot_dir / "signing-phone.png"))
    _field(page, ids["temp_1:signature"]).locator("button").click()
    page.screenshot(path=str(screenshot_dir / "signature-dialog-phone.png"))
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('field__mark')")
