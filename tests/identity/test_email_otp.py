"""Firma ``require_otp_verification``: the signing page asks for a 6-digit code sent by real
email before the document opens; wrong, expired and foreign codes fail, five failures lock, a
resend unlocks (docs/identity.md). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from fixtures.requests import create_body
from pandadoc_helpers import PandaDoc, doc_data
from sqlalchemy import select

from identity.kit import (
    audit_events,
    code_from,
    csrf,
    enter_code,
    new_email,
    open_page,
    send_code,
    sent_request,
)
from signet.db import transaction
from signet.models import RecipientVerification
from signet.models.base import utcnow


def _browser(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app)


def test_the_page_opens_only_after_the_emailed_code(api, app, worker, mailbox):
    email = new_email("otp")
    sr = sent_request(api, [email], require_otp_verification=True)
    rid = sr["recipients"][0]["id"]
    base = f"/signing/{rid}"
    browser = _browser(app)

    page = open_page(browser, base)
    assert "Confirm it is you" in page.text
    assert "Finish" not in page.text and "/pages/" not in page.text
    # Nothing of the document is reachable yet: page images, download, actions.
    sha12 = "0" * 12
    assert browser.get(f"{base}/pages/{sha12}/1-1000.webp").status_code in (403, 404)
    assert browser.get(f"{base}/download").status_code == 403

    sent = send_code(browser, base)
    assert sent.status_code == 200
    assert f"{email[0]}…@example.com" in sent.text
    code = code_from(mailbox.wait_for(email, "signing_otp")[0])

    wrong = enter_code(browser, base, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 400 and "4 tries left" in wrong.text

    passed = enter_code(browser, base, code)
    assert passed.status_code == 303 and passed.headers["location"] == base
    cookie = passed.headers["set-cookie"]
    assert f"Path={base}" in cookie and "HttpOnly" in cookie and "Max-Age=28800" in cookie
    page = open_page(browser, base)
    assert "Finish" in page.text and "/pages/" in page.text

    # The proof belongs to that browser: another one is asked again, and the code is spent.
    other = _browser(app)
    assert "Confirm it is you" in open_page(other, base).text
    assert enter_code(other, base, code).status_code == 400

    events = [e["event"] for e in audit_events(api, sr["id"])]
    assert events.count("otp_sent") == 1
    assert events.count("otp_failed") == 2 and events.count("otp_verified") == 1
    verified = next(e for e in audit_events(api, sr["id"]) if e["event"] == "otp_verified")
    assert verified["details"]["to"] == f"{email[0]}…@example.com"
    assert verified["ip_address"] and verified["actor"]["email"] == email


def test_the_code_is_kept_hashed_never_in_clear(api, app, worker, mailbox):
    email = new_email("hashed")
    sr = sent_request(api, [email], require_otp_verification=True)
    base = f"/signing/{sr['recipients'][0]['id']}"
    browser = _browser(app)
    send_code(browser, base)
    code = code_from(mailbox.wait_for(email, "signing_otp")[0])
    with app.state.signet.db.read() as session:
        row = session.scalars(
            select(RecipientVerification).where(
                RecipientVerification.recipient_id == sr["recipients"][0]["id"]
            )
        ).one()
        assert row.code_hash and code not in row.code_hash and len(row.code_hash) == 64
        from signet.models import Job

        payloads = [str(j.payload) for j in session.scalars(select(Job)).all()]
    assert not any(code in p for p in payloads)


def test_an_expired_code_fails_and_a_new_one_works(api, app, worker, mailbox):
    email = new_email("expired")
    sr = sent_request(api, [email], require_otp_verification=True)
    rid = sr["recipients"][0]["id"]
    base = f"/signing/{rid}"
    browser = _browser(app)
    send_code(browser, base)
    code = code_from(mailbox.wait_for(email, "signing_otp")[0])
    with transaction(app.state.signet.db.write) as session:
        row = session.scalars(
            select(RecipientVerification).where(RecipientVerification.recipient_id == rid)
        ).one()
        row.code_expires_at = utcnow() - timedelta(seconds=1)
    expired = enter_code(browser, base, code)
    assert expired.status_code == 400 and "expired" in expired.text
    send_code(browser, base)
    fresh = code_from(mailbox.wait_for(email, "signing_otp", count=2)[-1])
    assert enter_code(browser, base, fresh).status_code == 303
    failed = [e for e in audit_events(api, sr["id"]) if e["event"] == "otp_failed"]
    assert failed[0]["details"]["reason"] == "expired"


def test_a_code_for_another_recipient_does_not_open(api, app, worker, mailbox):
    first, second = new_email("first"), new_email("second")
    sr = sent_request(api, [first, second], require_otp_verification=True)
    base_1 = f"/signing/{sr['recipients'][0]['id']}"
    base_2 = f"/signing/{sr['recipients'][1]['id']}"
    browser = _browser(app)
    send_code(browser, base_1)
    send_code(browser, base_2)
    code_2 = code_from(mailbox.wait_for(second, "signing_otp")[0])
    code_1 = code_from(mailbox.wait_for(first, "signing_otp")[0])
    if code_1 != code_2:
        assert enter_code(browser, base_1, code_2).status_code == 400
    assert enter_code(browser, base_2, code_2).status_code == 303
    # Passing the second recipient's check opens nothing for the first.
    assert "Confirm it is you" in open_page(browser, base_1).text


def test_five_wrong_codes_lock_until_the_sender_resends(api, app, worker, mailbox):
    email = new_email("locked")
    sr = sent_request(api, [email], require_otp_verification=True)
    rid = sr["recipients"][0]["id"]
    base = f"/signing/{rid}"
    browser = _browser(app)
    send_code(browser, base)
    code = code_from(mailbox.wait_for(email, "signing_otp")[0])
    wrong = "000000" if code != "000000" else "111111"
    token = csrf(open_page(browser, base).text)
    for _ in range(4):
        assert enter_code(browser, base, wrong).status_code == 400
    locked = enter_code(browser, base, wrong)
    assert locked.status_code == 423 and "send the document" in locked.text
    # Locked: the page has no form left; even the right code fails, and no code is sent.
    page = open_page(browser, base).text
    assert "locked" in page and 'name="code"' not in page
    right = browser.post(
        f"{base}/verify", data={"csrf": token, "method": "email_otp", "code": code}
    )
    assert right.status_code == 423
    again = browser.post(f"{base}/verify/send", data={"csrf": token, "method": "email_otp"})
    assert again.status_code == 423
    assert len(mailbox.find(email, "signing_otp")) == 1

    resent = api.post(f"/signing-requests/{sr['id']}/resend", {"recipient_ids": [rid]})
    assert resent.status_code == 200, resent.text
    assert send_code(browser, base).status_code == 200
    fresh = code_from(mailbox.wait_for(email, "signing_otp", count=2)[-1])
    assert enter_code(browser, base, fresh).status_code == 303
    events = [e["event"] for e in audit_events(api, sr["id"])]
    assert events.count("otp_locked") == 1
    assert events.index("otp_locked") < events.index("verification_unlocked")
    assert events[-1] == "otp_verified"


def test_the_workspace_setting_applies_when_the_request_inherits(api, app, worker, mailbox):
    r = api.put(f"/workspace/{api.workspace_id}/settings", {"require_otp_verification": True})
    assert r.status_code == 200, r.text
    assert r.json()["require_otp_verification"] is True
    email = new_email("inherit")
    inherited = sent_request(api, [email])
    assert inherited["settings"]["require_otp_verification"] is None
    browser = _browser(app)
    assert (
        "Confirm it is you"
        in open_page(browser, f"/signing/{inherited['recipients'][0]['id']}").text
    )
    # An explicit false on the request wins over the workspace.
    off = sent_request(api, [new_email("off")], require_otp_verification=False)
    assert "Finish" in open_page(browser, f"/signing/{off['recipients'][0]['id']}").text


def test_the_company_setting_applies_when_workspace_and_request_inherit(
    company, app, worker, mailbox
):
    r = company.owner.put("/company/settings", {"require_otp_verification": True})
    assert r.status_code == 200, r.text
    # A request of another workspace of the company (test key too) that leaves it null.
    for api in (company.member, company.member_test):
        email = new_email("company")
        sr = sent_request(api, [email])
        assert sr["settings"]["require_otp_verification"] is None
        base = f"/signing/{sr['recipients'][0]['id']}"
        browser = _browser(app)
        page = open_page(browser, base)
        assert "Confirm it is you" in page.text and "/pages/" not in page.text
        token = csrf(page.text)
        finish = browser.post(f"{base}/finish", json={}, headers={"X-Signet-CSRF": token})
        assert finish.status_code == 403 and finish.json()["code"] == "VERIFICATION_REQUIRED"
        assert send_code(browser, base).status_code == 200
        code = code_from(mailbox.wait_for(email, "signing_otp")[0])
        assert enter_code(browser, base, code).status_code == 303
        assert "Finish" in open_page(browser, base).text
    # Through a template that leaves it null, too.
    tpl = company.member.post(
        "/templates",
        {
            "name": "T",
            "document": create_body()["document"],
            "users": [{"id": "temp_1", "designation": "Signer", "order": 1, "role": "Client"}],
            "fields": [
                {
                    "type": "signature",
                    "assigned_to_user_id": "temp_1",
                    "page": 1,
                    "x": 10,
                    "y": 70,
                    "width": 30,
                    "height": 6,
                }
            ],
        },
    )
    assert tpl.status_code == 201, tpl.text
    made = company.member.post(
        "/signing-requests",
        {
            "template_id": tpl.json()["id"],
            "recipients": [{"first_name": "Ada", "email": new_email("tpl")}],
            "settings": {"require_otp_verification": None},
        },
    )
    assert made.status_code == 201, made.text
    assert company.member.post(f"/signing-requests/{made.json()['id']}/send").status_code == 200
    page = open_page(_browser(app), f"/signing/{made.json()['recipients'][0]['id']}")
    assert "Confirm it is you" in page.text


def test_the_company_setting_reaches_pandadoc_documents_too(company, app, worker):
    assert (
        company.owner.put("/company/settings", {"require_otp_verification": True}).status_code
        == 200
    )
    pd = PandaDoc(company.member, app)
    details = pd.create(doc_data())
    sent = pd.post(f"/documents/{details['id']}/send", {"silent": True})
    assert sent.status_code == 200, sent.text
    link = next(r for r in sent.json()["recipients"] if r["recipient_type"] == "signer")
    page = open_page(_browser(app), link["shared_link"].replace("http://testserver", ""))
    assert "Confirm it is you" in page.text and "/pages/" not in page.text


def test_a_workspace_false_overrides_the_company_true(company, app, worker, mailbox):
    assert (
        company.owner.put("/company/settings", {"require_otp_verification": True}).status_code
        == 200
    )
    r = company.member.put(
        f"/workspace/{company.member.workspace_id}/settings", {"require_otp_verification": False}
    )
    assert r.status_code == 200 and r.json()["require_otp_verification"] is False
    browser = _browser(app)
    off = sent_request(company.member, [new_email("ws-off")])
    assert "Finish" in open_page(browser, f"/signing/{off['recipients'][0]['id']}").text
    # The protected workspace says nothing, so the company's true still reaches it.
    on = sent_request(company.owner, [new_email("ws-null")])
    assert "Confirm it is you" in open_page(browser, f"/signing/{on['recipients'][0]['id']}").text
    # And a request's own true wins over the workspace's false.
    asked = sent_request(company.member, [new_email("req-on")], require_otp_verification=True)
    page = open_page(browser, f"/signing/{asked['recipients'][0]['id']}")
    assert "Confirm it is you" in page.text


def test_actions_are_refused_without_the_check(api, app, worker, mailbox):
    email = new_email("actions")
    sr = sent_request(api, [email], require_otp_verification=True)
    rid = sr["recipients"][0]["id"]
    base = f"/signing/{rid}"
    browser = _browser(app)
    token = csrf(open_page(browser, base).text)
    for action in ("consent", "finish", "decline"):
        r = browser.post(f"{base}/{action}", json={}, headers={"X-Signet-CSRF": token})
        assert r.status_code == 403, (action, r.text)
        assert r.json()["code"] == "VERIFICATION_REQUIRED"


def test_a_new_code_waits_30_seconds_while_the_last_one_is_live(api, app, worker, mailbox):
    email = new_email("flood")
    sr = sent_request(api, [email], require_otp_verification=True)
    rid = sr["recipients"][0]["id"]
    base = f"/signing/{rid}"
    browser = _browser(app)
    assert send_code(browser, base).status_code == 200
    again = send_code(browser, base)
    assert again.status_code == 429 and "30 seconds" in again.text
    mailbox.wait_for(email, "signing_otp")
    # Once the first code is 30 seconds old, a new one may be asked for.
    with transaction(app.state.signet.db.write) as session:
        row = session.scalars(
            select(RecipientVerification).where(RecipientVerification.recipient_id == rid)
        ).one()
        row.code_sent_at = utcnow() - timedelta(seconds=31)
    assert send_code(browser, base).status_code == 200
    mailbox.wait_for(email, "signing_otp", count=2)
    sent = [e for e in audit_events(api, sr["id"]) if e["event"] == "otp_sent"]
    assert len(sent) == 2
