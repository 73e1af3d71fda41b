"""Plain factories for signing-page tests: request bodies, and small helpers that act on a page
the way a person would (draw with the mouse, open a link)."""

from __future__ import annotations

import re
from typing import Any

from fixtures.pdfs import b64, make_pdf

NON_LATIN = "Çağrı Ğüneş Ωμέγα Жанна 李小龍 山田太郎 김민준"


def person(
    ref: str,
    email: str,
    first: str,
    last: str = "Tester",
    order: int = 1,
    designation: str = "Signer",
) -> dict[str, Any]:
    return {
        "id": ref,
        "first_name": first,
        "last_name": last,
        "email": email,
        "designation": designation,
        "order": order,
    }


def place(
    ref: str | None,
    type_: str,
    page: int,
    x: float,
    y: float,
    w: float = 25,
    h: float = 4,
    **kw: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "page_number": page,
        "position": {"x": x, "y": y, "width": w, "height": h},
    }
    if ref is not None:
        body["recipient_id"] = ref
    body.update(kw)
    return body


def two_signer_body(name: str = "Service agreement") -> dict[str, Any]:
    """Signer 1 fills every common field type on page 1; signer 2 signs page 2."""
    fields = [
        place("temp_1", "text", 1, 10, 10, name="Full name"),
        place("temp_1", "date", 1, 10, 16, name="Start date"),
        place(
            "temp_1",
            "date",
            1,
            40,
            16,
            name="Signing date",
            date_signing_default=True,
            format_rules={"dateFormat": "yyyy-MM-dd"},
        ),
        place("temp_1", "number", 1, 10, 22, w=10, name="Seats"),
        place("temp_1", "text_area", 1, 10, 28, w=40, h=8, name="Notes", required=False),
        place("temp_1", "checkbox", 1, 10, 40, w=3, h=3, name="I accept the terms"),
        place(
            "temp_1", "radio_buttons", 1, 10, 46, w=3, h=3, name="Monthly", multi_group_id="plan"
        ),
        place("temp_1", "radio_buttons", 1, 20, 46, w=3, h=3, name="Yearly", multi_group_id="plan"),
        place(
            "temp_1",
            "dropdown",
            1,
            10,
            52,
            w=20,
            name="Region",
            dropdown_options=["Europe", "Americas", "Asia"],
        ),
        place(
            None,
            "text",
            1,
            50,
            60,
            read_only=True,
            read_only_value="Contract no. 42",
            name="Reference",
        ),
        place("temp_1", "signature", 1, 10, 80, w=30, h=8),
        place("temp_2", "text", 2, 10, 10, w=60, name="Your name in full"),
        place("temp_2", "date", 2, 10, 20, name="Date"),
        place("temp_2", "signature", 2, 10, 80, w=30, h=8),
    ]
    return {
        "name": name,
        "document": b64(make_pdf(2, text="Agreement page")),
        "recipients": [
            person("temp_1", "one@example.com", "Signer", "One", 1),
            person("temp_2", "two@example.com", "Signer", "Two", 2),
        ],
        "fields": fields,
        "settings": {"use_signing_order": True},
    }


def one_signer_body(name: str = "Simple form", first: str = "Ada", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "document": b64(make_pdf(1)),
        "recipients": [person("temp_1", "ada@example.com", first, "Lovelace")],
        "fields": [
            place("temp_1", "text", 1, 10, 10, name="Company"),
            place("temp_1", "signature", 1, 10, 80, w=30, h=8),
        ],
    }
    body.update(kw)
    return body


def field_ids(body: dict[str, Any], created: dict[str, Any]) -> dict[str, str]:
    """Field ids by the name given in the body (else ``"<temp id>:<type>"``); the response
    lists fields in the order they were sent."""
    ids: dict[str, str] = {}
    for sent, made in zip(body["fields"], created["fields"], strict=True):
        key = sent.get("name") or f"{sent.get('recipient_id')}:{sent['type']}"
        ids[key] = str(made["id"])
    return ids


def csrf_of(html: str) -> str:
    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def draw_signature(page: Any) -> None:
    """Draw a squiggle on the open dialog's canvas with real mouse moves."""
    box = page.locator("#mark-canvas").bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 13):
        dy = -box["height"] * 0.25 if i % 2 else box["height"] * 0.1
        page.mouse.move(x0 + i * box["width"] * 0.05, y0 + dy, steps=4)
    page.mouse.up()
