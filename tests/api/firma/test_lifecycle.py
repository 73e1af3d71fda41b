"""The status model: draft → in progress → cancelled / expired, with the status each endpoint
shows, and the refusals of each state."""

from __future__ import annotations

from datetime import timedelta

from fixtures.requests import create_body, field, signer

from signet.models import SigningRequest
from signet.models.base import utcnow


def _create(api, **kw) -> str:
    r = api.post("/signing-requests", create_body(**kw))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_send_sets_dates_and_in_progress_status_everywhere(api):
    sid = _create(api, expiration_hours=48)
    r = api.post(f"/signing-requests/{sid}/send")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["signing_request_id"] == sid and body["recipients_notified"] == 1
    detail = api.get(f"/signing-requests/{sid}").json()
    assert detail["status"] == {
        "sent": True,
        "finished": False,
        "cancelled": False,
        "declined": False,
        "expired": False,
    }
    assert detail["timestamps"]["sent_on"] == body["sent_date"]
    assert detail["expires_at"] == body["expires_at"]
    listed = api.get("/signing-requests").json()["results"][0]
    assert listed["status"] == "in_progress"


def test_signing_order_notifies_only_the_first_step(api):
    recipients = [
        signer("temp_1", "a@example.com", order=1),
        signer("temp_2", "b@example.com", order=2),
    ]
    sid = _create(api, recipients=recipients, fields=[field("temp_1"), field("temp_2")])
    assert api.post(f"/signing-requests/{sid}/send").json()["recipients_notified"] == 1
    sid2 = _create(
        api,
        recipients=recipients,
        fields=[field("temp_1"), field("temp_2")],
        settings={"use_signing_order": False},
    )
    assert api.post(f"/signing-requests/{sid2}/send").json()["recipients_notified"] == 2


def test_a_sent_request_cannot_be_changed_deleted_or_sent_again(api):
    sid = _create(api)
    api.post(f"/signing-requests/{sid}/send")
    patch = api.patch(f"/signing-requests/{sid}", {"name": "New name"})
    assert patch.status_code == 400 and patch.json()["code"] == "ALREADY_SENT"
    put = api.put(f"/signing-requests/{sid}", {"signing_request_properties": {"name": "x"}})
    assert put.status_code == 400 and put.json()["code"] == "ALREADY_SENT"
    delete = api.delete(f"/signing-requests/{sid}")
    assert delete.status_code == 409 and delete.json()["code"] == "ALREADY_SENT"
    again = api.post(f"/signing-requests/{sid}/send")
    assert again.status_code == 400 and again.json()["code"] == "ALREADY_SENT"


def test_cancel_then_send_is_refused(api):
    sid = _create(api)
    api.post(f"/signing-requests/{sid}/send")
    r = api.post(
        f"/signing-requests/{sid}/cancel", {"reason": "Wrong terms", "notify_signers": False}
    )
    assert r.status_code == 200, r.text
    assert r.json()["notify_signers"] is False
    detail = api.get(f"/signing-requests/{sid}").json()
    assert detail["status"]["cancelled"] is True and detail["timestamps"]["cancelled_on"]
    assert api.get("/signing-requests?status=cancelled").json()["results"][0]["id"] == sid
    refused = api.post(f"/signing-requests/{sid}/send")
    assert refused.status_code == 409 and refused.json()["code"] == "INVALID_STATE"
    again = api.post(f"/signing-requests/{sid}/cancel", {})
    assert again.status_code == 409 and again.json()["code"] == "INVALID_STATE"


def test_cancel_of_a_draft_is_refused(api):
    sid = _create(api)
    r = api.post(f"/signing-requests/{sid}/cancel", {})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"


def _force_expiry(app, sid: str) -> None:
    with app.state.signet.db.write() as s, s.begin():
        sr = s.get(SigningRequest, sid)
        sr.expires_at = utcnow() - timedelta(minutes=1)


def test_expiry_is_computed_from_sent_time_everywhere(api, app):
    sid = _create(api)
    api.post(f"/signing-requests/{sid}/send")
    _force_expiry(app, sid)
    detail = api.get(f"/signing-requests/{sid}").json()
    assert detail["status"]["expired"] is True and detail["status"]["sent"] is True
    assert api.get("/signing-requests?status=expired").json()["results"][0]["id"] == sid
    assert api.get("/signing-requests?status=in_progress").json()["results"] == []
    assert api.get("/signing-requests").json()["results"][0]["status"] == "expired"
    refused = api.post(f"/signing-requests/{sid}/cancel", {})
    assert refused.status_code == 409
    resend = api.post(f"/signing-requests/{sid}/resend", {"recipient_ids": [detail["id"]]})
    assert resend.status_code == 409 and resend.json()["code"] == "INVALID_STATE"


def test_resend_reaches_pending_recipients_of_the_current_step_only(api):
    recipients = [
        signer("temp_1", "a@example.com", order=1),
        signer("temp_2", "b@example.com", order=2),
    ]
    r = api.post(
        "/signing-requests",
        create_body(recipients=recipients, fields=[field("temp_1"), field("temp_2")]),
    )
    sid = r.json()["id"]
    first, second = (x["id"] for x in r.json()["recipients"])
    api.post(f"/signing-requests/{sid}/send")
    ok = api.post(
        f"/signing-requests/{sid}/resend",
        {"recipient_ids": [first], "custom_message": "Please sign"},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["recipients"] == [
        {"id": first, "email": "a@example.com", "name": "Ada Lovelace"}
    ]
    bad = api.post(f"/signing-requests/{sid}/resend", {"recipient_ids": [second]})
    assert bad.status_code == 409
    assert bad.json()["code"] == "RESEND_NOT_ALLOWED"
    assert bad.json()["details"]["current_order"] == 1
    assert bad.json()["details"]["invalid_recipients"][0]["id"] == second
    empty = api.post(f"/signing-requests/{sid}/resend", {"recipient_ids": []})
    assert empty.status_code == 400


def test_delete_draft_is_soft_and_listed_only_when_filtered(api):
    sid = _create(api)
    r = api.delete(f"/signing-requests/{sid}")
    assert r.status_code == 200 and r.json()["signing_request_id"] == sid
    assert api.get(f"/signing-requests/{sid}").status_code == 404
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0
    deleted = api.get("/signing-requests?status=deleted").json()["results"]
    assert [d["id"] for d in deleted] == [sid] and deleted[0]["status"] == "deleted"


def test_send_checks_report_every_problem(api):
    r = api.post(
        "/documents",
        {"name": "Legacy", "recipients": [{"name": "Solo", "email": "solo@example.com"}]},
    )
    sid = r.json()["id"]
    sent = api.post(f"/signing-requests/{sid}/send")
    assert sent.status_code == 400
    assert any("document" in e["message"] for e in sent.json()["errors"])


def test_audit_trail_records_each_change_with_actor_and_chain(api, app):
    sid = _create(api)
    api.patch(f"/signing-requests/{sid}", {"description": "v2"})
    api.post(f"/signing-requests/{sid}/send", headers={**api.headers, "User-Agent": "pytest-ua"})
    api.post(f"/signing-requests/{sid}/cancel", {"reason": "done"})
    events = api.get(f"/signing-requests/{sid}/audit").json()["results"]
    assert [e["event"] for e in events] == ["created", "updated", "sent", "cancelled"]
    assert all(e["actor"]["type"] == "api_key" and e["source"] == "admin" for e in events)
    assert events[2]["user_agent"] == "pytest-ua"
    assert events[3]["details"]["reason"] == "done"
    from signet.audit.service import list_events, verify_chain

    with app.state.signet.db.read() as s:
        assert verify_chain(list_events(s, sid))


def test_a_failed_change_writes_no_audit_event(api):
    sid = _create(api)
    api.patch(f"/signing-requests/{sid}", {"expiration_hours": 0})
    events = api.get(f"/signing-requests/{sid}/audit").json()["results"]
    assert [e["event"] for e in events] == ["created"]


def test_download_follows_the_status(api, app):
    sid = _create(api)
    assert api.get(f"/signing-requests/{sid}/download").json()["error"] == "no_document_available"
    api.post(f"/signing-requests/{sid}/send")
    blocked = api.get(f"/signing-requests/{sid}/download")
    assert blocked.status_code == 409
    sid2 = _create(api, settings={"allow_partial_download": True})
    api.post(f"/signing-requests/{sid2}/send")
    ok = api.get(f"/signing-requests/{sid2}/download")
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "in_progress" and ok.json()["is_partial"] is True
    pdf = api.client.get(ok.json()["download_url"].replace("http://testserver", ""))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    api.post(f"/signing-requests/{sid2}/cancel", {})
    after = api.get(f"/signing-requests/{sid2}/download").json()
    assert after["status"] == "cancelled" and after["is_partial"] is False
    assert (
        api.get(f"/signing-requests/{'0' * 8}-0000-4000-8000-{'0' * 12}/download").json()["error"]
        == "not_found"
    )
