"""The identity checks a signer passed are evidence: audit events with address and user agent,
and the certificate of completion names them (docs/identity.md#evidence)."""

from __future__ import annotations

import re
import time

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from pandadoc_helpers import doc_data, png_uri

from identity.kit import code_from, enter_code, new_email, open_page, send_code
from signet.kit.ids import parse_uuid


def _certificate_text(api, request_id: str, timeout: float = 90) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = api.get(f"/signing-requests/{request_id}").json()
        if detail["certificate"]["generated"]:
            pdf = api.client.get(
                detail["final_document_download_url"].replace("http://testserver", "")
            )
            doc = pdfium.PdfDocument(pdf.content)
            return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        time.sleep(0.1)
    raise AssertionError("final PDF not generated")


def test_the_certificate_names_the_access_code_and_the_email_code(pd, api, app, worker, mailbox):
    email = new_email("evidence")
    data = doc_data()
    data["recipients"][0]["email"] = email
    data["recipients"][0]["verification_settings"] = {
        "passcode_verification": {"passcode": "4242"},
        "email_otp_verification": True,
    }
    details = pd.create(data)
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True}).json()
    signer = next(r for r in sent["recipients"] if r["recipient_type"] == "signer")
    base = signer["shared_link"].replace("http://testserver", "")
    request_id = str(parse_uuid(details["id"]))
    browser = TestClient(app, headers={"User-Agent": "EvidenceBrowser/1.0"})

    # The access code comes first, then the emailed code (sent even for a silent document).
    assert "access code" in open_page(browser, base).text
    assert enter_code(browser, base, "4242", method="passcode").status_code == 303
    assert "Send me a code" in open_page(browser, base).text
    send_code(browser, base)
    code = code_from(mailbox.wait_for(email, "signing_otp")[0])
    assert enter_code(browser, base, code).status_code == 303

    page = open_page(browser, base).text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    finished = browser.post(
        f"{base}/finish",
        json={
            "consent": True,
            "values": {},
            "signature": png_uri(),
            "signature_kind": "drawn",
        },
        headers={"X-Signet-CSRF": token},
    )
    assert finished.status_code == 200, finished.text

    events = api.get(f"/signing-requests/{request_id}/audit").json()["results"]
    passed = [e for e in events if e["event"] in ("passcode_passed", "otp_verified")]
    assert [e["event"] for e in passed] == ["passcode_passed", "otp_verified"]
    assert all(e["user_agent"] == "EvidenceBrowser/1.0" and e["ip_address"] for e in passed)

    text = " ".join(_certificate_text(api, request_id).split())
    masked = f"{email[0]}…@example.com"
    assert f"Email link + access code + email code to {masked}" in text
