"""Send, sign, complete, void, decline, revert and delete through the PandaDoc face; every
change is one event seen through both faces."""

from __future__ import annotations

import pytest
from pandadoc_helpers import doc_data, events_of, finalize, jobs_of, sign

from signet.kit.ids import parse_uuid


def _two_parallel_and_one_after() -> dict:
    people = [("a@example.com", "A", 1), ("b@example.com", "B", 1), ("c@example.com", "C", 2)]
    return doc_data(
        recipients=[
            {"email": e, "first_name": r, "role": r, "signing_order": o} for e, r, o in people
        ],
        fields=[
            {
                "type": "signature",
                "assigned_to": r,
                "layout": {
                    "page": 1,
                    "position": {"offset_x": 50, "offset_y": 100 + 60 * i},
                    "style": {"width": 150, "height": 40},
                },
            }
            for i, (_e, r, _o) in enumerate(people)
        ],
    )


def test_send_returns_recipients_with_shared_links_and_invites_the_first_step(pd, app):
    doc = pd.create(_two_parallel_and_one_after())
    r = pd.post(f"/documents/{doc['id']}/send", {"subject": "Sign please", "message": "Hi"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "document.sent" and body["expiration_date"].endswith("Z")
    assert [x["signing_order"] for x in body["recipients"]] == [1, 1, 2]
    assert all(
        x["shared_link"].startswith("http://testserver/signing/") for x in body["recipients"]
    )
    invites = [j for j in jobs_of(app, doc["id"]) if j["email_type"] == "signing_invite"]
    # Equal signing_order values are one parallel step: A and B now, C later.
    assert sorted(i["recipient_id"] for i in invites) == sorted(
        parse_uuid(x["id"]) for x in body["recipients"][:2]
    )
    assert {i["extra"]["subject"] for i in invites} == {"Sign please"}
    assert {i["extra"]["custom_message"] for i in invites} == {"Hi"}


def test_parallel_signers_both_finish_before_the_next_step(pd, app):
    doc = pd.create(_two_parallel_and_one_after())
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    a, b, c = doc["recipients"]
    with pytest.raises(Exception, match="not your turn"):
        sign(app, c["id"])
    assert sign(app, b["id"]) is False
    assert sign(app, a["id"]) is False
    assert sign(app, c["id"]) is True
    status = pd.get(f"/documents/{doc['id']}").json()
    assert status["status"] == "document.completed" and status["date_completed"]
    completed = [
        r["has_completed"] for r in pd.get(f"/documents/{doc['id']}/details").json()["recipients"]
    ]
    assert completed == [True, True, True]


def test_a_silent_send_queues_no_email_at_all(pd, app):
    doc = pd.create()
    assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
    sign(app, doc["recipients"][0]["id"])
    finalize(app, doc["id"])
    assert jobs_of(app, doc["id"]) == []


def test_a_sent_document_cannot_be_updated_or_sent_again(pd):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    again = pd.post(f"/documents/{doc['id']}/send", {})
    assert again.status_code == 400 and again.json()["type"] == "validation_error"
    update = pd.patch(f"/documents/{doc['id']}", {"name": "Too late"})
    assert update.status_code == 400 and update.json()["type"] == "validation_error"


def test_manual_completion_is_finalised_with_a_certificate(pd, app):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    assert pd.get(f"/documents/{doc['id']}/download-protected").status_code == 400
    assert (
        pd.patch(
            f"/documents/{doc['id']}/status", {"status": 2, "note": "Signed on paper"}
        ).status_code
        == 204
    )
    assert pd.get(f"/documents/{doc['id']}").json()["status"] == "document.completed"
    waiting = pd.get(f"/documents/{doc['id']}/download-protected")
    assert waiting.status_code == 202 and waiting.headers["retry-after"] == "5"
    finalize(app, doc["id"])
    sealed = pd.get(f"/documents/{doc['id']}/download-protected")
    assert sealed.status_code == 200 and sealed.content.startswith(b"%PDF-")
    assert sealed.headers["content-type"] == "application/pdf"
    trail = pd.get(f"/public/v2/documents/{doc['id']}/audit-trail").json()
    assert 18 in [e["action"] for e in trail["results"]]


@pytest.mark.parametrize(
    ("code", "status", "action"), [(11, "document.voided", 19), (12, "document.declined", 27)]
)
def test_voiding_and_declining_by_hand(pd, api, code, status, action):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    r = pd.patch(
        f"/documents/{doc['id']}/status",
        {"status": code, "note": "Deal lost", "notify_recipients": False},
    )
    assert r.status_code == 204, r.text
    assert pd.get(f"/documents/{doc['id']}").json()["status"] == status
    firma = api.get(f"/signing-requests/{parse_uuid(doc['id'])}").json()["status"]
    assert firma["expired" if code == 11 else "declined"] is True
    results = pd.get(f"/public/v2/documents/{doc['id']}/audit-trail").json()["results"]
    manual = [e for e in results if e["action"] == action]
    assert manual and manual[0]["reason"] == "Deal lost"


@pytest.mark.parametrize(
    ("steps", "code", "ok"),
    [
        ([], 2, True),
        ([], 12, True),
        ([], 11, False),
        (["send"], 11, True),
        (["send", 2], 12, True),
        (["send", 2], 11, False),
        (["send", 12], 2, True),
        (["send", 12], 11, False),
        (["send", 11], 2, True),
        (["send", 11], 12, True),
        ([], 10, False),
        ([], 5, False),
    ],
)
def test_the_manual_status_matrix(pd, steps, code, ok):
    doc = pd.create()
    for step in steps:
        if step == "send":
            assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
        else:
            assert pd.patch(f"/documents/{doc['id']}/status", {"status": step}).status_code == 204
    r = pd.patch(f"/documents/{doc['id']}/status", {"status": str(code)})
    assert (r.status_code == 204) is ok, r.text
    if not ok:
        assert r.status_code == 400
        assert r.json()["type"] in ("validation_error", "request_error")


def test_revert_to_draft_clears_signing_and_allows_a_new_send(pd, app):
    doc = pd.create(_two_parallel_and_one_after())
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    a = doc["recipients"][0]
    sign(app, a["id"])
    r = pd.post(f"/documents/{doc['id']}/draft")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "document.draft" and r.json()["version"] == "2"
    details = pd.get(f"/documents/{doc['id']}/details").json()
    assert details["expiration_date"] is None and details["date_sent"] is None
    assert not any(x["has_completed"] for x in details["recipients"])
    assert all(f["value"] == "" for f in details["fields"])
    assert pd.post(f"/documents/{doc['id']}/send", {"silent": True}).status_code == 200
    assert sign(app, a["id"]) is False
    trail = [
        e["action"]
        for e in pd.get(f"/public/v2/documents/{doc['id']}/audit-trail").json()["results"]
    ]
    assert trail.count(6) == 2 and 2 in trail


def test_deleting_a_sent_document_cancels_then_deletes_it(pd, api):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    assert pd.delete(f"/documents/{doc['id']}").status_code == 204
    assert pd.get(f"/documents/{doc['id']}").status_code == 404
    assert api.get(f"/signing-requests/{parse_uuid(doc['id'])}").status_code == 404
    draft = pd.create()
    assert pd.delete(f"/documents/{draft['id']}").status_code == 204


def test_every_change_is_one_event_with_both_faces_payloads(pd, app):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    sign(app, doc["recipients"][0]["id"])
    types = [e.type for e in events_of(app, doc["id"])]
    assert types[:3] == ["signing_request.created", "signing_request.draft", "signing_request.sent"]
    assert "signing_request.recipient.signed" in types and "signing_request.completed" in types
    sent = next(e for e in events_of(app, doc["id"]) if e.type == "signing_request.sent")
    assert sent.data["pandadoc"]["status"] == "document.sent"
    assert sent.data["pandadoc"]["id"] == doc["id"]
    assert sent.data["firma"]["status"] == "in_progress"
    assert sent.data["firma"]["id"] == parse_uuid(doc["id"])


def test_the_v2_audit_trail_pages_with_limit_and_offset(pd, app):
    doc = pd.create()
    pd.post(f"/documents/{doc['id']}/send", {"silent": True})
    sign(app, doc["recipients"][0]["id"])
    full = pd.get(f"/public/v2/documents/{doc['id']}/audit-trail").json()
    assert [e["action"] for e in full["results"]] == [1, 6, 9, 7]
    assert full["count"] == 4
    signed = full["results"][2]
    assert signed["user"]["email"] == "ada@example.com" and signed["ip_address"] == "127.0.0.1"
    page = pd.get(f"/public/v2/documents/{doc['id']}/audit-trail?limit=2&offset=1").json()
    assert [e["action"] for e in page["results"]] == [6, 9] and page["count"] == 4
    bad = pd.get(f"/public/v2/documents/{doc['id']}/audit-trail?limit=500")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
    assert bad.json()["details"][0]["pointer"] == "/limit"
    missing = pd.get("/public/v2/documents/CnEqURgZ3swzj528KMLvX5/audit-trail")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
