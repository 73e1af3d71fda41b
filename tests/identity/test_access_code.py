"""PandaDoc ``verification_settings``: an access code set by the sender opens the document; it
is never shown back; five wrong tries lock until a reminder; email OTP is per recipient
(docs/identity.md, docs/compat/pandadoc.md#recipient-verification)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from pandadoc_helpers import PandaDoc, doc_data

from identity.kit import csrf, enter_code, open_page

ACCESS_CODE = "Tr0ub4dor&3"


def _sent(pd: PandaDoc, verification: dict, **kw) -> tuple[dict, dict]:  # type: ignore[type-arg]
    data = doc_data(**kw)
    data["recipients"][0]["verification_settings"] = verification
    details = pd.create(data)
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True})
    assert sent.status_code == 200, sent.text
    return details, sent.json()


def _link(sent: dict) -> str:  # type: ignore[type-arg]
    signer = next(r for r in sent["recipients"] if r["recipient_type"] == "signer")
    return str(signer["shared_link"]).replace("http://testserver", "")


def test_the_access_code_opens_the_document_and_is_never_shown(pd, app):
    details, sent = _sent(pd, {"passcode_verification": {"passcode": ACCESS_CODE}})
    base = _link(sent)
    browser = TestClient(app)
    page = open_page(browser, base)
    assert "access code" in page.text and "Send me a code" not in page.text
    assert "/pages/" not in page.text

    wrong = enter_code(browser, base, "guess", method="passcode")
    assert wrong.status_code == 400 and "4 tries left" in wrong.text
    right = enter_code(browser, base, ACCESS_CODE, method="passcode")
    assert right.status_code == 303
    assert "Finish" in open_page(browser, base).text

    everything = json.dumps(
        [details, sent, pd.get(f"/documents/{details['id']}/details").json()]
        + [pd.get(f"/public/v2/documents/{details['id']}/audit-trail").json()]
    )
    assert ACCESS_CODE not in everything
    actions = [
        e["action"]
        for e in pd.get(f"/public/v2/documents/{details['id']}/audit-trail").json()["results"]
    ]
    assert actions.count(54) == 1 and actions.count(53) == 1


def test_five_wrong_access_codes_lock_until_a_reminder(pd, app):
    details, sent = _sent(pd, {"passcode_verification": ACCESS_CODE})
    base = _link(sent)
    browser = TestClient(app)
    token = csrf(open_page(browser, base).text)
    for _ in range(4):
        assert enter_code(browser, base, "nope", method="passcode").status_code == 400
    assert enter_code(browser, base, "nope", method="passcode").status_code == 423
    again = browser.post(
        f"{base}/verify", data={"csrf": token, "method": "passcode", "code": ACCESS_CODE}
    )
    assert again.status_code == 423

    signer = next(r for r in sent["recipients"] if r["recipient_type"] == "signer")
    reminded = pd.post(
        f"/documents/{details['id']}/send-reminder",
        {"reminders": [{"recipient_id": signer["id"]}]},
    )
    assert reminded.status_code == 200, reminded.text
    assert reminded.json()["results"][0]["status"] == "sent"
    assert enter_code(browser, base, ACCESS_CODE, method="passcode").status_code == 303


def test_email_otp_applies_to_that_recipient_only(pd, app):
    data = doc_data()
    data["recipients"].append(
        {"email": "grace@example.com", "first_name": "Grace", "role": "Witness"}
    )
    data["recipients"][0]["verification_settings"] = {"email_otp_verification": True}
    details = pd.create(data)
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True}).json()
    links = {
        r["email"]: r["shared_link"].replace("http://testserver", "") for r in sent["recipients"]
    }
    browser = TestClient(app)
    assert "Confirm it is you" in open_page(browser, links["ada@example.com"]).text
    assert "Confirm it is you" not in open_page(browser, links["grace@example.com"]).text


def test_patching_verification_settings_replaces_the_checks(pd, app):
    data = doc_data()
    data["recipients"][0]["verification_settings"] = {"passcode_verification": "first"}
    details = pd.create(data)
    signer = next(r for r in details["recipients"] if r["recipient_type"] == "signer")
    r = pd.patch(
        f"/documents/{details['id']}/recipients/recipient/{signer['id']}",
        {"verification_settings": {"passcode_verification": {"passcode": "second"}}},
    )
    assert r.status_code == 204, r.text
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True}).json()
    base = _link(sent)
    browser = TestClient(app)
    assert enter_code(browser, base, "first", method="passcode").status_code == 400
    assert enter_code(browser, base, "second", method="passcode").status_code == 303


def test_unsupported_checks_are_refused_naming_why(pd):
    for verification, where in (
        ({"kba_verification": True}, "kba_verification"),
        ({"id_verification": True}, "id_verification"),
        ({"passcode_verification": {"passcode": ""}}, "passcode_verification"),
        ({"phone_verification": {"phone_number": "+15555550100"}}, "SIGNET_SMS_URL"),
        ({"email_otp_verification": True, "verification_place": "later"}, "verification_place"),
    ):
        data = doc_data()
        data["recipients"][0]["verification_settings"] = verification
        r = pd.upload(data)
        assert r.status_code == 400, (verification, r.text)
        assert where in r.text, (verification, r.text)
