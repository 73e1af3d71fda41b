"""Sending sets off real emails through the job queue; expiry fires once at expires_at."""

from __future__ import annotations

import time
from datetime import timedelta

from fixtures.requests import create_body, field, signer

from signet.models import Job, SigningRequest
from signet.models.base import utcnow


def _email_of(n: int) -> str:
    import uuid

    return f"r{n}-{uuid.uuid4().hex[:8]}@example.com"


def test_send_emails_the_first_step_and_the_link_opens(api, worker, mailbox):
    a, b = _email_of(1), _email_of(2)
    r = api.post(
        "/signing-requests",
        create_body(
            recipients=[signer("temp_1", a, order=1), signer("temp_2", b, order=2)],
            fields=[field("temp_1"), field("temp_2")],
        ),
    )
    sid = r.json()["id"]
    first_id = r.json()["recipients"][0]["id"]
    assert (
        api.post(f"/signing-requests/{sid}/send", {"custom_message": "Hi <b>Ada</b>"}).status_code
        == 200
    )
    msg = mailbox.wait_for(a, "signing_invite")[0]
    text = msg.get_body(("plain",)).get_content()
    assert f"http://testserver/signing/{first_id}" in text
    assert "Hi <b>Ada</b>" in text
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;Ada&lt;/b&gt;" in html
    # Follow the link from the received mail: it opens this recipient's signing page.
    link = next(w for w in text.split() if w.startswith("http://testserver/signing/"))
    page = api.client.get(link.replace("http://testserver", ""))
    assert page.status_code == 200
    assert "Finish" in page.text and 'data-field-type="signature"' in page.text
    assert msg["Message-ID"]
    time.sleep(0.5)
    assert mailbox.find(b) == []  # the second signer's turn has not come


def test_cancel_notifies_invited_recipients_and_cc(api, worker, mailbox):
    a, cc = _email_of(1), _email_of(3)
    r = api.post(
        "/signing-requests",
        create_body(
            recipients=[signer("temp_1", a), {"first_name": "C", "email": cc, "designation": "CC"}]
        ),
    )
    sid = r.json()["id"]
    api.post(f"/signing-requests/{sid}/send")
    mailbox.wait_for(a, "signing_invite")
    out = api.post(f"/signing-requests/{sid}/cancel", {"reason": "Terms changed"})
    assert out.json()["emails_sent"] == 2
    mail = mailbox.wait_for(a, "signing_cancelled")[0]
    assert "Terms changed" in mail.get_body(("plain",)).get_content()
    mailbox.wait_for(cc, "signing_cancelled")


def test_send_signing_email_false_sends_nothing(api, worker, mailbox):
    a = _email_of(1)
    sid = api.post(
        "/signing-requests",
        create_body(recipients=[signer("temp_1", a)], settings={"send_signing_email": False}),
    ).json()["id"]
    api.post(f"/signing-requests/{sid}/send")
    time.sleep(1.0)
    assert mailbox.find(a) == []


def test_expiry_is_stored_audited_and_emailed_once(api, app, worker, mailbox):
    a = _email_of(1)
    sid = api.post("/signing-requests", create_body(recipients=[signer("temp_1", a)])).json()["id"]
    api.post(f"/signing-requests/{sid}/send")
    mailbox.wait_for(a, "signing_invite")
    db = app.state.signet.db
    with db.write() as s, s.begin():
        sr = s.get(SigningRequest, sid)
        sr.expires_at = utcnow() - timedelta(seconds=1)
        # Make the scheduled expiry job due now, as if its time had come.
        for job in s.query(Job).filter(Job.dedupe_key == f"expire:{sid}"):
            job.run_at = utcnow()
    mailbox.wait_for(a, "signing_expired")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.read() as s:
            if s.get(SigningRequest, sid).state == "expired":
                break
        time.sleep(0.05)
    time.sleep(1.0)  # let the sweep run again: it must not expire twice
    events = [e["event"] for e in api.get(f"/signing-requests/{sid}/audit").json()["results"]]
    assert events.count("expired") == 1
    assert len(mailbox.find(a, "signing_expired")) == 1


def test_reminder_fires_to_pending_recipients(api, app, worker, mailbox):
    a = _email_of(1)
    body = create_body(
        recipients=[signer("temp_1", a)],
        expiration_hours=48,
        reminders=[
            {
                "hours": 24,
                "all_users": True,
                "subject": "Gentle nudge",
                "message": "Please sign today",
            }
        ],
    )
    sid = api.post("/signing-requests", body).json()["id"]
    api.post(f"/signing-requests/{sid}/send")
    mailbox.wait_for(a, "signing_invite")
    with app.state.signet.db.write() as s, s.begin():
        for job in s.query(Job).filter(Job.kind == "reminder.fire"):
            if job.state == "pending":
                job.run_at = utcnow()
    mail = mailbox.wait_for(a, "resend_notification")[0]
    assert mail["Subject"] == "Gentle nudge"
    assert "Please sign today" in mail.get_body(("plain",)).get_content()
    reminders = api.get(f"/signing-requests/{sid}/reminders").json()
    assert reminders[0]["sent_on"] is not None
    events = [e["event"] for e in api.get(f"/signing-requests/{sid}/audit").json()["results"]]
    assert "reminder_sent" in events


def test_a_rolled_back_change_queues_nothing(api, app):
    from sqlalchemy import func, select

    with app.state.signet.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Job))
    bad = create_body(recipients=[signer("temp_1", "")])
    assert api.post("/signing-requests/create-and-send", bad).status_code == 400
    with app.state.signet.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == before
