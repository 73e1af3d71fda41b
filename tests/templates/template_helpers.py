"""PDFs with text at known places, and template bodies, for the template tests."""

from __future__ import annotations

import io
import time
from typing import Any

import pypdfium2 as pdfium
from fixtures.pdfs import b64
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen import canvas

PAGE_W, PAGE_H = letter  # 612 x 792 pt


def text_pdf(
    lines: list[tuple[float, float, str]],
    pages: int = 1,
    size: tuple[float, float] = letter,
    font_size: float = 12,
) -> bytes:
    """A PDF with each (x, y-from-top, text) drawn in Helvetica on every page (1-based
    page number is prefixed with "p<n>:" when ``pages`` > 1 and the text contains "{p}")."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for p in range(1, pages + 1):
        c.setFont("Helvetica", font_size)
        for x, y_top, text in lines:
            c.drawString(x, size[1] - y_top, text.replace("{p}", str(p)))
        c.showPage()
    c.save()
    return buf.getvalue()


def nda_pdf() -> bytes:
    """A one-page NDA with PandaDoc tokens and anchor markers at known places."""
    return text_pdf(
        [
            (72, 72, "Mutual Non-Disclosure Agreement"),
            (72, 120, "Between Acme Corp and [Client.Name] of [Client.Company]."),
            (72, 160, "Effective date: [Document.Date]"),
            (72, 600, "Signed: {{SIGN_CLIENT}}"),
        ]
    )


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def a4_pdf(pages: int = 1) -> bytes:
    return text_pdf([(72, 72, "A4 page")], pages=pages, size=A4)


def nda_template(**kw: Any) -> dict[str, Any]:
    """A template: a client Signer with a signature, a read-only merge field and a text
    field; a countersigner; a CC; a reminder 24 h after sending."""
    body: dict[str, Any] = {
        "name": "Mutual NDA",
        "description": "Standard NDA",
        "document": b64(nda_pdf()),
        "expiration_hours": 72,
        "users": [
            {"id": "temp_client", "designation": "Signer", "order": 1, "role": "Client"},
            {
                "id": "temp_acme",
                "designation": "Signer",
                "order": 2,
                "role": "Acme",
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@acme.example",
            },
            {
                "id": "temp_legal",
                "designation": "CC",
                "first_name": "Legal",
                "email": "legal@acme.example",
            },
        ],
        "fields": [
            {
                "type": "signature",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 70,
                "width": 30,
                "height": 6,
            },
            {
                "type": "text",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 30,
                "width": 50,
                "height": 3,
                "read_only": True,
                "required": True,
                "variable_name": "project_name",
            },
            {
                "type": "text",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 40,
                "width": 50,
                "height": 3,
                "required": False,
                "name": "Client.Title",
            },
            {
                "type": "signature",
                "assigned_to_user_id": "temp_acme",
                "page": 1,
                "x": 55,
                "y": 70,
                "width": 30,
                "height": 6,
            },
        ],
        "reminders": [
            {
                "hours": 24,
                "all_users": True,
                "subject": "Please sign",
                "message": "A friendly reminder",
            }
        ],
    }
    body.update(kw)
    return body


def create_template(api: Any, **kw: Any) -> dict[str, Any]:
    r = api.post("/templates", nda_template(**kw))
    assert r.status_code == 201, r.text
    return r.json()


def wait_final(api: Any, sid: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = api.get(f"/signing-requests/{sid}").json()
        if detail["certificate"]["generated"]:
            return detail
        time.sleep(0.1)
    raise AssertionError("final PDF not generated")


def download(api: Any, url: str) -> bytes:
    r = api.client.get(url.replace("http://testserver", ""))
    assert r.status_code == 200, r.text
    return r.content


def png_uri() -> str:
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def finish(app: Any, recipient_id: str, values: dict[str, Any] | None = None, **marks: Any) -> bool:
    """Sign as a recipient through the domain, as the signing page does."""
    from signet.db import transaction
    from signet.signing import recipient_actions as ra

    state = app.state.signet
    with transaction(state.db.write) as s:
        request, recipient = ra.load_for_recipient(s, recipient_id, for_update=True)
        actor = ra.actor_for(recipient, "127.0.0.1", "pytest")
        ra.accept_consent(s, request, recipient, actor, "I agree to sign electronically.")
        return ra.finish(
            s, state, request, recipient, actor, ra.Submission(values=values or {}, **marks)
        )
