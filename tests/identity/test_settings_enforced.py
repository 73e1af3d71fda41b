"""Settings that had no test proving Signet acts on them: each test here sets one and shows
what a user sees change (docs/settings.md). The walk in test_settings_walk.py points here."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pikepdf
from fastapi.testclient import TestClient
from pandadoc_helpers import doc_data, png_uri
from sqlalchemy import select

from identity.kit import new_email, open_page, sent_request
from signet.db import transaction
from signet.models import Job, SigningRequest, Webhook, WebhookDelivery, Workspace
from signet.models.base import utcnow
from signet.signing import notify


def _jobs(app: Any, request_id: str, email_type: str) -> list[Job]:
    with app.state.signet.db.read() as session:
        return [
            j
            for j in session.scalars(select(Job).where(Job.kind == "email.send")).all()
            if j.payload.get("signing_request_id") == request_id
            and j.payload.get("email_type") == email_type
        ]


def _sign(app: Any, recipient_id: str) -> TestClient:
    browser = TestClient(app)
    base = f"/signing/{recipient_id}"
    token = re.search(r'data-csrf="([^"]+)"', open_page(browser, base).text).group(1)  # type: ignore[union-attr]
    r = browser.post(
        f"{base}/finish",
        json={"consent": True, "values": {}, "signature": png_uri(), "signature_kind": "drawn"},
        headers={"X-Signet-CSRF": token},
    )
    assert r.status_code == 200, r.text
    return browser


def _wait_final(api: Any, request_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = api.get(f"/signing-requests/{request_id}").json()
        if detail["certificate"]["generated"]:
            return dict(detail)
        time.sleep(0.1)
    raise AssertionError("final PDF not generated")


def test_allow_presigning_download_serves_the_original_before_signing(api, app):
    on = sent_request(api, [new_email("presign")], allow_presigning_download=True)
    base = f"/signing/{on['recipients'][0]['id']}"
    browser = TestClient(app)
    assert f'href="{base}/download"' in open_page(browser, base).text
    pdf = browser.get(f"{base}/download")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "signed" not in pdf.headers["content-disposition"]
    off = sent_request(api, [new_email("nopresign")])
    base_off = f"/signing/{off['recipients'][0]['id']}"
    assert f'href="{base_off}/download"' not in open_page(browser, base_off).text
    assert browser.get(f"{base_off}/download").status_code == 403


def test_allow_download_false_offers_no_download_after_signing(api, app):
    off = sent_request(api, [new_email("nodl")], allow_download=False)
    browser = _sign(app, off["recipients"][0]["id"])
    assert browser.get(f"/signing/{off['recipients'][0]['id']}/download").status_code == 403
    on = sent_request(api, [new_email("dl")])
    browser = _sign(app, on["recipients"][0]["id"])
    assert browser.get(f"/signing/{on['recipients'][0]['id']}/download").status_code == 200


def test_guided_navigation_and_completion_texts_reach_the_page(api, app):
    plain = sent_request(api, [new_email("guided")])
    unguided = sent_request(
        api,
        [new_email("unguided")],
        disable_guided_navigation=True,
    )
    browser = TestClient(app)
    assert 'id="next-field"' in open_page(browser, f"/signing/{plain['recipients'][0]['id']}").text
    page = open_page(browser, f"/signing/{unguided['recipients'][0]['id']}").text
    assert 'id="next-field"' not in page and 'data-guided="false"' in page
    body = {"completion_title": "All set, Ada", "completion_message": "We will call you."}
    r = api.post(
        "/signing-requests",
        {
            **__import__("fixtures.requests", fromlist=["create_body"]).create_body(),
            **body,
        },
    )
    assert r.status_code == 201, r.text
    api.post(f"/signing-requests/{r.json()['id']}/send")
    page = open_page(browser, f"/signing/{r.json()['recipients'][0]['id']}").text
    assert 'data-completion-title="All set, Ada"' in page
    assert 'data-completion-message="We will call you."' in page


def test_workspace_consent_text_is_what_the_page_asks(api, app):
    r = api.put(
        f"/workspace/{api.workspace_id}/settings", {"consent_text": "I agree to Acme's e-terms."}
    )
    assert r.status_code == 200, r.text
    sr = sent_request(api, [new_email("consent")])
    page = open_page(TestClient(app), f"/signing/{sr['recipients'][0]['id']}").text
    assert "I agree to Acme&#39;s e-terms." in page


def test_send_cancellation_email_false_sends_no_cancellation(api, app):
    quiet = sent_request(api, [new_email("quietcancel")], send_cancellation_email=False)
    loud = sent_request(api, [new_email("loudcancel")])
    for sr in (quiet, loud):
        r = api.post(f"/signing-requests/{sr['id']}/cancel", {"notify_signers": True})
        assert r.status_code == 200, r.text
    assert _jobs(app, quiet["id"], "signing_cancelled") == []
    assert len(_jobs(app, loud["id"], "signing_cancelled")) == 1


def test_send_expiration_email_false_sends_no_expiry_email(api, app):
    quiet = sent_request(api, [new_email("quietexp")], send_expiration_email=False)
    loud = sent_request(api, [new_email("loudexp")])
    env = app.state.signet
    for sr in (quiet, loud):
        with transaction(env.db.write) as session:
            request = session.get(SigningRequest, sr["id"])
            notify.on_expired(session, env, request, None, utcnow())
    assert _jobs(app, quiet["id"], "signing_expired") == []
    assert len(_jobs(app, loud["id"], "signing_expired")) == 1


def test_show_partial_watermark_false_leaves_the_partial_pdf_unmarked(api, app):
    def partial_text(**settings: Any) -> str:
        sr = sent_request(api, [new_email("partial")], **settings)
        # The PandaDoc download of an in-progress document is the partial PDF.
        r = api.client.get(
            f"/public/v1/documents/{sr['id']}/download",
            headers={"Authorization": f"API-Key {api.key}"},
        )
        assert r.status_code == 200, r.text
        pdf = r.content
        # The mark is drawn in an overlay form: read every stream's decoded bytes.
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return " ".join(
                o.read_bytes().decode("latin-1")
                for o in doc.objects
                if isinstance(o, pikepdf.Stream)
            )

    from signet.signing.partial_pdf import PARTIAL_MARK

    assert f"({PARTIAL_MARK})" in partial_text()
    assert f"({PARTIAL_MARK})" not in partial_text(show_partial_watermark=False)


def test_ignore_company_webhooks_keeps_company_hooks_away(api, app):
    db = app.state.signet.db
    with transaction(db.write) as session:
        ws = session.get(Workspace, api.workspace_id)
        hook = Webhook(
            company_id=ws.company_id,
            workspace_id=None,
            format="firma",
            url="https://hooks.example.com/company",
            events=["signing_request.sent"],
            enabled=True,
        )
        session.add(hook)
        session.flush()
        hook_id = hook.id

    def deliveries() -> int:
        with db.read() as session:
            return len(
                session.scalars(
                    select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id)
                ).all()
            )

    try:
        sent_request(api, [new_email("company")])
        assert deliveries() == 1
        r = api.put(f"/workspace/{api.workspace_id}/settings", {"ignore_company_webhooks": True})
        assert r.status_code == 200, r.text
        sent_request(api, [new_email("ignored")])
        assert deliveries() == 1
    finally:
        with transaction(db.write) as session:
            for d in session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id)
            ).all():
                session.delete(d)
            session.delete(session.get(Webhook, hook_id))


def test_finish_email_and_attachment_follow_their_settings(api, app, worker, mailbox):
    silent_email, linked_email = new_email("nofinish"), new_email("linked")
    silent = sent_request(api, [silent_email], send_finish_email=False)
    linked = sent_request(api, [linked_email], attach_pdf_on_finish=False)
    for sr in (silent, linked):
        _sign(app, sr["recipients"][0]["id"])
    for sr in (silent, linked):
        _wait_final(api, sr["id"])
    message = mailbox.wait_for(linked_email, "signing_completed")[0]
    assert list(message.iter_attachments()) == []
    assert "/files/" in message.get_body(("plain",)).get_content()
    assert _jobs(app, silent["id"], "signing_completed") == []


def test_pandadoc_reply_to_is_the_reply_to_of_the_documents_emails(pd, worker, mailbox):
    email = new_email("replyto")
    data = doc_data()
    data["recipients"][0]["email"] = email
    details = pd.create(data)
    bad = pd.post(f"/documents/{details['id']}/send", {"reply_to": "not an address"})
    assert bad.status_code == 400 and "reply_to" in bad.text
    sent = pd.post(f"/documents/{details['id']}/send", {"reply_to": "sales@acme.example"})
    assert sent.status_code == 200, sent.text
    invite = mailbox.wait_for(email, "signing_invite")[0]
    assert invite["Reply-To"] == "sales@acme.example"
