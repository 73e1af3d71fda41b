"""Helpers for the identity tests: act on the signing page's identity step as a browser would
(plain form posts, cookies kept by the client), and read codes from the emails received."""

from __future__ import annotations

import re
from typing import Any

from fixtures.requests import create_body, field, signer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def new_email(tag: str) -> str:
    import uuid

    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def sent_request(api: Any, emails: list[str], **settings: Any) -> dict[str, Any]:
    """A Firma request to these signers (in parallel), sent; its body."""
    body = create_body(
        recipients=[signer(f"temp_{i + 1}", e) for i, e in enumerate(emails)],
        fields=[field(f"temp_{i + 1}") for i in range(len(emails))],
        settings={"use_signing_order": False, **settings},
    )
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    sent = api.post(f"/signing-requests/{r.json()['id']}/send")
    assert sent.status_code == 200, sent.text
    return dict(r.json())


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no identity form on the page"
    return match.group(1)


def open_page(client: Any, base: str) -> Any:
    r = client.get(base)
    assert r.status_code == 200, r.text
    return r


def send_code(client: Any, base: str, method: str = "email_otp") -> Any:
    token = csrf(open_page(client, base).text)
    return client.post(f"{base}/verify/send", data={"csrf": token, "method": method})


def enter_code(client: Any, base: str, code: str, method: str = "email_otp") -> Any:
    token = csrf(open_page(client, base).text)
    return client.post(
        f"{base}/verify",
        data={"csrf": token, "method": method, "code": code},
        follow_redirects=False,
    )


def code_from(message: Any) -> str:
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"^\s+(\d{6})\s*$", text, re.M)
    assert match, text
    html = message.get_body(("html",)).get_content()
    assert match.group(1) in html
    return match.group(1)


def audit_events(api: Any, request_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/signing-requests/{request_id}/audit")
    assert r.status_code == 200, r.text
    return list(r.json()["results"])
