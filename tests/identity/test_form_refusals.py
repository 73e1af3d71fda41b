"""The identity step and the public /verify page are plain HTML forms: a browser that posts one
must get a page back, not JSON, when the form's token has expired or the address posted too
often (docs/identity.md#the-page, docs/rate-limits.md)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from identity.kit import csrf, enter_code, new_email, open_page, sent_request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from test_rate_limits import limited_app, make_workspace_key  # noqa: E402

FIRMA = "/functions/v1/signing-request-api"
FORM = re.compile(r'<form method="post" action="/signing/[^"/]+/verify(/send)?"')


def test_an_expired_form_token_shows_the_step_again_with_a_fresh_one(api, app):
    sr = sent_request(api, [new_email("csrf")], require_otp_verification=True)
    base = f"/signing/{sr['recipients'][0]['id']}"
    browser = TestClient(app)
    open_page(browser, base)
    r = browser.post(f"{base}/verify", data={"csrf": "stale", "method": "email_otp", "code": "1"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "had been open too long" in r.text
    assert FORM.search(r.text) and csrf(r.text) != "stale"
    # The fresh token works: the code is checked (wrong, since none was sent).
    again = browser.post(
        f"{base}/verify", data={"csrf": csrf(r.text), "method": "email_otp", "code": "123456"}
    )
    assert again.status_code == 400 and "had been open too long" not in again.text


def _firma_request(client: TestClient, key: str) -> str:
    body = {
        "name": "Limits",
        "document": _pdf_b64(),
        "recipients": [
            {"id": "temp_1", "first_name": "Ada", "last_name": "L", "designation": "Signer",
             "email": new_email("limit"), "order": 1},
        ],
        "fields": [
            {"type": "signature", "recipient_id": "temp_1", "page_number": 1,
             "position": {"x": 10, "y": 80, "width": 30, "height": 8}},
        ],
        "settings": {"require_otp_verification": True},
    }  # fmt: skip
    headers = {"Authorization": key}
    created = client.post(f"{FIRMA}/signing-requests", json=body, headers=headers)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert client.post(f"{FIRMA}/signing-requests/{rid}/send", headers=headers).is_success
    return f"/signing/{created.json()['recipients'][0]['id']}"


def _pdf_b64() -> str:
    from fixtures.pdfs import b64, make_pdf

    return b64(make_pdf(1))


def test_too_many_code_attempts_answer_with_the_step_page(settings):
    with limited_app(settings, ip__code_attempts="2/minute") as (app, client):
        key, _ = make_workspace_key(app)
        base = _firma_request(client, key)
        for _ in range(2):
            assert enter_code(client, base, "000000").status_code == 400
        r = enter_code(client, base, "000000")
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("text/html")
        seconds = int(r.headers["Retry-After"])
        assert 1 <= seconds <= 60 and r.headers["X-RateLimit-Remaining"] == "0"
        assert "Too many attempts from your network" in r.text
        assert FORM.search(r.text), "the step's form, to try again later"
        # Asking for a new code is counted in the same class, and answered the same way.
        sent = client.post(
            f"{base}/verify/send", data={"csrf": csrf(r.text), "method": "email_otp"}
        )
        assert sent.status_code == 429 and "Too many attempts" in sent.text
        # A link that leads nowhere keeps the page's JSON error.
        r = client.post("/signing/not-a-real-link/verify", data={"code": "1"})
        assert r.status_code == 429 and r.json()["code"] == "RATE_LIMITED"


def test_too_many_checks_on_the_verify_page_answer_with_the_page(settings):
    with limited_app(settings, ip__verify="1/minute") as (_app, client):
        sha = "ab" * 32
        first = client.post("/verify", files={"sha256": (None, sha)})
        assert first.status_code == 200
        r = client.post("/verify", files={"sha256": (None, sha)})
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("text/html")
        assert "Too many checks from your network" in r.text
        assert int(r.headers["Retry-After"]) >= 1
        # The JSON route keeps the JSON answer.
        api = client.post("/signet/v1/verify", files={"sha256": (None, sha)})
        assert api.status_code == 429 and api.json()["code"] == "RATE_LIMITED"
