"""Field behaviour in a real browser: live conditions, initials reuse, file uploads, uploaded
signature images, hand-drawn-only documents, and the completion redirect."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

from signet.models import Field, Recipient
from signing_page.builders import draw_signature, field_ids, one_signer_body, place

pytestmark = pytest.mark.timeout(120)


def _open(
    signet: Any, new_page: Any, body: dict[str, Any], **page_kw: Any
) -> tuple[Any, dict[str, Any], dict[str, str]]:
    created = signet.create_sent(body)
    page = new_page(**page_kw)
    page.goto(f"{signet.base_url}/signing/{created['recipients'][0]['id']}")
    page.get_by_label(re.compile("agree")).check()
    return page, created, field_ids(body, created)


def _box(page: Any, fid: str) -> Any:
    return page.locator(f'[data-field-id="{fid}"]')


def test_conditions_hide_and_require_fields_live(signet_server, new_page):
    body = one_signer_body("Conditions")
    body["fields"] += [
        place(
            "temp_1",
            "checkbox",
            1,
            10,
            30,
            w=3,
            h=3,
            name="Has a VAT number",
            required=False,
            id="temp_has_vat",
        ),
        place(
            "temp_1",
            "text",
            1,
            10,
            36,
            name="VAT number",
            visibility_conditions={
                "logic": "and",
                "groups": [
                    {
                        "conditions": [
                            {"field_id": "temp_has_vat", "operator": "equals", "value": "true"}
                        ]
                    }
                ],
            },
        ),
    ]
    created = signet_server.create_sent(body)
    ids = field_ids(body, created)
    assert (
        created["fields"][3]["visibility_conditions"]["groups"][0]["conditions"][0]["field_id"]
        == ids["Has a VAT number"]
    )
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    vat_box = _box(page, ids["VAT number"])
    assert vat_box.is_hidden()
    _box(page, ids["Has a VAT number"]).locator("input").check()
    assert vat_box.is_visible()
    page.get_by_label(re.compile("agree")).check()
    _box(page, ids["Company"]).locator("input").fill("ACME")
    _box(page, ids["temp_1:signature"]).locator("button").click()
    draw_signature(page)
    page.get_by_role("button", name="Adopt signature").click()
    page.get_by_role("button", name="Finish").click()
    assert page.get_by_role("alert").inner_text() == "One required field is still empty."
    assert vat_box.locator("input").evaluate("el => el === document.activeElement")
    vat_box.locator("input").fill("DE123")
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Thank you").wait_for()


def test_initials_are_adopted_once_and_reused(signet_server, new_page):
    body = one_signer_body("Initials")
    body["fields"] += [
        place("temp_1", "initial", 1, 70, 20, w=8, h=4),
        place("temp_1", "initial", 2 - 1, 70, 50, w=8, h=4),
    ]
    page, created, _ids = _open(signet_server, new_page, body)
    initials = page.locator("[data-field-type='initial'] button")
    initials.nth(0).click()
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_role("heading").inner_text() == "Adopt your initials"
    dialog.get_by_role("textbox", name="Or type your name").fill("AL")
    dialog.get_by_role("button", name="Adopt signature").click()
    initials.nth(1).click()
    assert not dialog.is_visible()
    assert page.locator("[data-field-type='initial'] img").count() == 2
    page.locator("[data-field-type='text'] input").fill("ACME")
    page.locator("[data-field-type='signature'] button").click()
    dialog.get_by_role("textbox", name="Or type your name").fill("Ada Lovelace")
    dialog.get_by_role("button", name="Adopt signature").click()
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    with signet_server.db.read() as session:
        r = session.get(Recipient, created["recipients"][0]["id"])
        assert r.initials_text == "AL" and r.initials_image.startswith("data:image/png")
        assert r.signature_kind == "typed" and r.signature_text == "Ada Lovelace"


def _png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), color).save(out, "PNG")
    return out.getvalue()


def test_file_field_and_uploaded_signature(signet_server, new_page):
    body = one_signer_body("Files")
    body["fields"].append(place("temp_1", "file", 1, 10, 40, name="Passport"))
    page, created, ids = _open(signet_server, new_page, body)
    file_box = _box(page, ids["Passport"])
    file_box.locator("input").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    page.get_by_role("alert").filter(has_text="accepts").wait_for()
    file_box.locator("input").set_input_files(
        files=[{"name": "passport.png", "mimeType": "image/png", "buffer": _png("blue")}]
    )
    file_box.get_by_text("passport.png").wait_for()
    _box(page, ids["Company"]).locator("input").fill("ACME")
    _box(page, ids["temp_1:signature"]).locator("button").click()
    page.get_by_label("Or upload an image of your signature").set_input_files(
        files=[{"name": "sig.png", "mimeType": "image/png", "buffer": _png("black")}]
    )
    page.get_by_role("button", name="Adopt signature").click()
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    with signet_server.db.read() as session:
        assert '"file_name":"passport.png"' in session.get(Field, ids["Passport"]).value
        assert session.get(Recipient, created["recipients"][0]["id"]).signature_kind == ("uploaded")


def test_hand_drawn_only_offers_no_typing_and_redirects_after_finish(signet_server, new_page):
    body = one_signer_body("Hand drawn", settings={"hand_drawn_only": True})
    body.update(
        completion_title="All set",
        completion_redirect_url="http://127.0.0.1:9/done",
        completion_redirect_delay=1,
    )
    created = signet_server.create_sent(body, test=True)
    page = new_page()
    page.goto(f"{signet_server.base_url}/signing/{created['recipients'][0]['id']}")
    page.get_by_label(re.compile("agree")).check()
    page.locator("[data-field-type='text'] input").fill("ACME")
    page.locator("[data-field-type='signature'] button").click()
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_role("textbox").count() == 0
    draw_signature(page)
    dialog.get_by_role("button", name="Adopt signature").click()
    redirects: list[str] = []
    page.route(
        "http://127.0.0.1:9/**",
        lambda route: (redirects.append(route.request.url), route.fulfill(body="bye")),
    )
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="All set").wait_for()
    page.wait_for_url("http://127.0.0.1:9/done", timeout=5000)
    assert redirects == ["http://127.0.0.1:9/done"]
