"""Delivery through the real job worker to a real HTTP receiver: signatures, retries, the
failure policy (410, 7 days, redirects, 429), SSRF checks at send time, test and redelivery."""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import timedelta
from typing import Any

from fixtures.requests import create_body
from webhook_kit import (
    Receiver,
    answer,
    attempts,
    deliveries,
    fail_first,
    start_worker,
    state_with,
    wait_until,
    webhook_row,
)

from signet.db import transaction
from signet.models import Webhook, WebhookSecret, Workspace
from signet.models.base import utcnow
from signet.webhooks.events import emit
from signet.webhooks.netguard import blocked_reason

EXT = "http://testserver/signet/v1"  # the Api helper prefixes other paths with the Firma mount
EVENTS = ["signing_request.created", "signing_request.sent", "signing_request.cancelled"]


def firma_hook(api: Any, receiver: Receiver, events: list[str]) -> tuple[str, str]:
    """A Firma webhook to the receiver, and the workspace secret (rotated to learn it)."""
    r = api.post("/webhooks", {"url": receiver.url("/firma"), "events": events})
    assert r.status_code == 201, r.text
    secret = api.post("/webhooks/rotate-secret").json()["new_secret"]
    receiver.firma_secrets = [secret]
    return r.json()["id"], secret


def pandadoc_sub(api: Any, receiver: Receiver, triggers: list[str], **kw: Any) -> dict[str, Any]:
    r = api.post(
        "/public/v1/webhook-subscriptions",
        {"name": "crm", "url": receiver.url("/pandadoc?source=signet"), "triggers": triggers, **kw},
    )
    assert r.status_code == 201, r.text
    receiver.pandadoc_keys = [r.json()["shared_key"]]
    return r.json()


def emit_events(db: Any, workspace_id: str, count: int, event_type: str) -> None:
    with transaction(db.write) as session:
        for i in range(count):
            emit(session, workspace_id=workspace_id, event_type=event_type,
                 firma_data={"n": i}, pandadoc_data={"n": i})  # fmt: skip


def test_state_changes_arrive_signed_and_retried_under_one_delivery_id(api, worker, receiver, db):
    receiver.behaviour = fail_first(2)  # 500, 500, then 200 for every delivery
    hook_id, _ = firma_hook(api, receiver, EVENTS)
    sub = pandadoc_sub(api, receiver, ["document_state_changed"])

    sr = api.post("/signing-requests", create_body()).json()
    assert api.post(f"/signing-requests/{sr['id']}/send").status_code == 200
    assert api.post(f"/signing-requests/{sr['id']}/cancel", {"reason": "typo"}).status_code == 200

    # 3 Firma events + 2 PandaDoc state changes, each answered 500 twice then 200.
    hits = receiver.wait_for(lambda hs: sum(h.answered == 200 for h in hs) == 5, timeout=20,
                             what="five delivered events")  # fmt: skip
    firma = [h for h in hits if "x-firma-event" in h.headers]
    assert {h.headers["x-firma-event"] for h in firma} == set(EVENTS)
    for name in EVENTS:
        tries = [h for h in firma if h.headers["x-firma-event"] == name]
        assert [h.answered for h in tries] == [500, 500, 200]
        assert len({h.delivery_id for h in tries}) == 1  # X-Firma-Delivery is stable
        envelopes = [h.json() for h in tries]
        assert len({e["id"] for e in envelopes}) == 1  # so is the event id
        assert all(h.firma_valid for h in tries)  # verified with the workspace secret
        assert envelopes[0]["type"] == name
        assert envelopes[0]["workspace_id"] == api.workspace_id
        assert envelopes[0]["data"]["id"] == sr["id"]
    cancelled = next(h for h in firma if h.headers["x-firma-event"] == EVENTS[2]).json()
    assert cancelled["data"]["reason"] == "typo"

    panda = [h for h in hits if "x-pandadoc-webhook-event-id" in h.headers]
    assert len(panda) == 6 and all(h.pandadoc_valid for h in panda)
    assert all(h.query["source"] == ["signet"] for h in panda)  # the URL's own query is kept
    by_id: dict[str, list[Any]] = {}
    for h in panda:
        by_id.setdefault(h.delivery_id, []).append(h)
    assert sorted(len(v) for v in by_id.values()) == [3, 3]
    statuses = sorted(v[0].json()[0]["data"]["status"] for v in by_id.values())
    assert statuses == ["document.sent", "document.voided"]
    assert all(v[0].json()[0]["event"] == "document_state_changed" for v in by_id.values())

    rows = deliveries(db, hook_id)
    wait_until(lambda: all(d.state == "succeeded" for d in deliveries(db, hook_id)))
    logged = attempts(db, [d.id for d in rows])
    assert sorted((a.status_code, a.attempt) for a in logged if a.delivery_id == rows[0].id) == [
        (200, 3), (500, 1), (500, 2)]  # fmt: skip
    assert all(a.duration_ms >= 0 and a.request_headers["X-Firma-Delivery"] == a.delivery_id
               for a in logged)  # fmt: skip
    assert webhook_row(db, hook_id).consecutive_failures == 0
    assert webhook_row(db, hook_id).last_success_at is not None
    assert webhook_row(db, sub["uuid"]).consecutive_failures == 0


def test_old_signature_is_sent_during_the_rotation_grace(api, worker, receiver, db):
    hook_id, first = firma_hook(api, receiver, ["signing_request.updated"])
    second = api.post("/webhooks/rotate-secret").json()["new_secret"]
    receiver.firma_secrets, receiver.firma_old_secrets = [second], [first]
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    hit = receiver.wait_for(lambda hs: len(hs) == 1)[0]
    assert hit.answered == 200 and hit.firma_valid and hit.firma_old_valid
    t_new = hit.headers["x-firma-signature"].split(",")[0]
    assert t_new == hit.headers["x-firma-signature-old"].split(",")[0]  # same t, both keys

    # Once the grace period is over, only the current secret signs.
    with transaction(db.write) as session:
        row = session.query(WebhookSecret).filter_by(owner_id=api.workspace_id).one()
        row.previous_expires_at = utcnow() - timedelta(seconds=1)
    receiver.firma_old_secrets = []
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    hit = receiver.wait_for(lambda hs: len(hs) == 2)[1]
    assert hit.firma_valid and "x-firma-signature-old" not in hit.headers
    assert api.get("/webhooks/secret-status").json()["grace_period_active"] is False
    assert hook_id


def _team_email(db: Any, workspace_id: str) -> str:
    address = f"team-{workspace_id[:8]}@example.com"
    with transaction(db.write) as session:
        workspace = session.get(Workspace, workspace_id)
        workspace.settings = {**(workspace.settings or {}), "team_email": address}
    return address


def _notice_text(message: Any) -> str:
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


def test_410_disables_at_once_and_cancels_pending_deliveries(app, api, receiver, db, mailbox):
    receiver.behaviour = answer(410)
    team = _team_email(db, api.workspace_id)
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    sub = pandadoc_sub(api, receiver, ["document_updated"])
    emit_events(db, api.workspace_id, 3, "signing_request.updated")
    w = start_worker(app.state.signet, concurrency=1)  # one at a time: the order is known
    try:
        wait_until(lambda: not webhook_row(db, hook_id).enabled, what="firma hook disabled")
        wait_until(lambda: not webhook_row(db, sub["uuid"]).enabled, what="subscription off")
        wait_until(lambda: all(d.state != "pending" for d in deliveries(db, hook_id)
                               + deliveries(db, sub["uuid"])))  # fmt: skip
        # The team is told, once per webhook turned off, with the address and the reason.
        notices = mailbox.wait_for(team, "webhook_disabled", count=2)
    finally:
        w.stop()
    for hook in (hook_id, sub["uuid"]):
        states = sorted(d.state for d in deliveries(db, hook))
        assert states == ["cancelled", "cancelled", "failed"], states
    assert len(receiver.snapshot()) == 2  # one 410 per webhook, nothing after it
    got = api.get(f"/webhooks/{hook_id}").json()
    assert got["enabled"] is False and got["auto_disabled_at"] is not None
    assert got["consecutive_failures"] == 1
    panda = api.get(f"/public/v1/webhook-subscriptions/{sub['uuid']}").json()
    assert panda["status"] == "DEACTIVATED" and panda["active"] is False
    assert {str(m["Subject"]) for m in notices} == {
        f"Webhook turned off: {receiver.url('/firma')}",
        f"Webhook turned off: {receiver.url('/pandadoc?source=signet')}",
    }
    assert all("410 Gone" in _notice_text(m) for m in notices)
    # Re-enabling resets the counters; missed events are not replayed.
    assert api.put(f"/webhooks/{hook_id}", {"enabled": True}).json()["consecutive_failures"] == 0
    assert len(receiver.snapshot()) == 2


def test_failures_only_for_seven_days_disable_the_webhook(api, worker, receiver, db, mailbox):
    receiver.behaviour = answer(503)
    team = _team_email(db, api.workspace_id)
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    with transaction(db.write) as session:
        row = session.get(Webhook, hook_id)
        row.consecutive_failures = 4
        row.first_failure_at = utcnow() - timedelta(days=7, minutes=1)
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    wait_until(lambda: not webhook_row(db, hook_id).enabled, what="auto-disabled")
    row = webhook_row(db, hook_id)
    assert row.auto_disabled_at is not None and row.consecutive_failures == 5
    assert [d.state for d in deliveries(db, hook_id)] == ["failed"]
    assert len(receiver.snapshot()) == 1
    (notice,) = mailbox.wait_for(team, "webhook_disabled")
    text = _notice_text(notice)
    assert receiver.url("/firma") in text and "failed for 7 days" in text and "503" in text


def test_a_company_level_webhook_is_reported_to_the_company_team_only(app, api, db):
    from sqlalchemy import select

    from signet.models import Job
    from signet.webhooks import service

    workspace_team = _team_email(db, api.workspace_id)
    with transaction(db.write) as session:
        company_id = session.get(Workspace, api.workspace_id).company_id
        protected = session.scalars(
            select(Workspace).where(
                Workspace.protected.is_(True), Workspace.company_id == company_id
            )
        ).one()
        before = dict(protected.settings or {})
        protected.settings = {**before, "team_email": "company-team@example.com"}
        hook = Webhook(
            company_id=protected.company_id,
            workspace_id=None,
            format="firma",
            url="https://hooks.example.com/secret-token",
            events=["signing_request.updated"],
            enabled=True,
        )
        session.add(hook)
        session.flush()
        hook_id = hook.id
    try:
        with transaction(db.write) as session:
            service.auto_disable(session, hook_id, utcnow(), "its endpoint answered 410 Gone")
        with db.read() as session:
            jobs = session.scalars(select(Job).where(Job.kind == "email.webhook_disabled")).all()
            addresses = [j.payload["to"] for j in jobs if j.payload["webhook_id"] == hook_id]
        # Only the company's key sees company-level hooks: no other workspace's team gets its URL.
        assert addresses == ["company-team@example.com"]
        assert workspace_team not in addresses
    finally:
        with transaction(db.write) as session:
            session.delete(session.get(Webhook, hook_id))
            session.get(Workspace, protected.id).settings = before


def test_four_failures_within_seven_days_keep_the_webhook_on(api, worker, receiver, db):
    receiver.behaviour = fail_first(1)
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    with transaction(db.write) as session:
        row = session.get(Webhook, hook_id)
        row.consecutive_failures, row.first_failure_at = 10, utcnow() - timedelta(days=6)
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    receiver.wait_for(lambda hs: [h.answered for h in hs] == [500, 200])
    wait_until(lambda: webhook_row(db, hook_id).consecutive_failures == 0)
    assert webhook_row(db, hook_id).enabled is True


def test_redirects_are_not_followed(api, worker, receiver, db):
    receiver.behaviour = answer(302, {"Location": receiver.url("/elsewhere")})
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    receiver.wait_for(lambda hs: len(hs) >= 2, what="a retry after the 302")
    assert all(h.path.endswith("/firma") for h in receiver.snapshot())  # never /elsewhere
    (delivery,) = deliveries(db, hook_id)
    logged = attempts(db, [delivery.id])
    assert logged[0].status_code == 302 and logged[0].error is None
    assert logged[0].response_headers["location"].endswith("/elsewhere")
    assert webhook_row(db, hook_id).consecutive_failures >= 1
    api.delete(f"/webhooks/{hook_id}")  # stops the retries


def test_429_waits_for_retry_after(api, worker, receiver, db):
    receiver.behaviour = fail_first(1, 429, {"Retry-After": "2"})
    firma_hook(api, receiver, ["signing_request.updated"])
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    hits = receiver.wait_for(lambda hs: len(hs) == 2, timeout=10)
    gap = hits[1].at - hits[0].at
    assert gap >= 1.9, gap  # the schedule alone would retry after ~0.2 s
    assert hits[1].answered == 200


def test_private_addresses_are_refused_at_delivery_time(app, api, receiver, db):
    """Webhooks stored while private targets were allowed are not sent once they are not:
    the host is resolved and every address checked before connecting."""
    # This machine's own name resolves to a loopback or private address (not to "localhost",
    # which is refused by name before any lookup).
    name = socket.gethostname()
    assert all(blocked_reason(ipaddress.ip_address(i[4][0])) for i in socket.getaddrinfo(name, 80))
    hook_ids = []
    for url in (receiver.url("/ip"), receiver.url("/name", host=name)):
        https = url.replace("http://", "https://")
        r = api.post("/webhooks", {"url": https, "events": ["signing_request.updated"]})
        hook_ids.append(r.json()["id"])
    strict = state_with(app, webhook_allow_private=False)
    w = start_worker(strict)
    try:
        emit_events(db, api.workspace_id, 1, "signing_request.updated")
        wait_until(lambda: all(attempts(db, [d.id for d in deliveries(db, h)]) for h in hook_ids))
    finally:
        w.stop()
    details = []
    for hook_id in hook_ids:
        (delivery,) = deliveries(db, hook_id)
        first = attempts(db, [delivery.id])[0]
        assert first.error == "NOT_VALID_URL" and first.status_code is None
        details.append(first.error_detail or "")
        api.delete(f"/webhooks/{hook_id}")
    assert details[0] == "must not point at a loopback address (127.0.0.1)"
    assert details[1].startswith(f"the host {name.lower()} resolves to a "), details[1]
    assert receiver.snapshot() == [] and receiver.stray == 0


def test_disabled_or_deleted_webhooks_pending_deliveries_are_not_sent(app, api, receiver, db):
    a, _ = firma_hook(api, receiver, ["signing_request.updated"])
    b = api.post("/webhooks", {"url": receiver.url("/b"), "events": ["signing_request.updated"]})
    emit_events(db, api.workspace_id, 2, "signing_request.updated")
    api.put(f"/webhooks/{a}", {"enabled": False})
    api.delete(f"/webhooks/{b.json()['id']}")
    # Workspace master switch: a later event for a re-enabled webhook is not sent either.
    api.put(f"/webhooks/{a}", {"enabled": True})
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    with transaction(db.write) as session:
        ws = session.get(Workspace, api.workspace_id)
        ws.settings = {**(ws.settings or {}), "webhook_enabled": False}
    w = start_worker(app.state.signet)
    try:
        wait_until(lambda: all(d.state == "cancelled" for d in deliveries(db, a))
                   and len(deliveries(db, a)) == 3)  # fmt: skip
        time.sleep(0.3)
    finally:
        w.stop()
    assert receiver.snapshot() == []
    assert [d.state for d in deliveries(db, b.json()["id"])] == ["cancelled", "cancelled"]


def test_test_endpoint_sends_synchronously_and_bypasses_the_master_switch(api, receiver, db):
    hook_id, _ = firma_hook(api, receiver, ["signing_request.completed"])
    with transaction(db.write) as session:
        ws = session.get(Workspace, api.workspace_id)
        ws.settings = {**(ws.settings or {}), "webhook_enabled": False}
    r = api.post(f"/webhooks/{hook_id}/test")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["status_code"] == 200
    (hit,) = receiver.snapshot()
    assert hit.firma_valid and hit.headers["x-firma-event"] == "webhook.test"
    assert body["webhook_event_id"] == hit.delivery_id
    assert body["headers_sent"]["X-Firma-Signature"] == hit.headers["x-firma-signature"]
    assert hit.json()["type"] == "webhook.test"

    receiver.behaviour = answer(500)
    failed = api.post(f"/webhooks/{hook_id}/test").json()
    assert failed["success"] is False and failed["status_code"] == 500
    assert "500" in failed["message"]
    assert webhook_row(db, hook_id).consecutive_failures == 0  # tests do not count
    assert len(receiver.snapshot()) == 2  # and are not retried


def test_delivery_log_and_redelivery_keep_the_event_id(api, worker, receiver, db):
    receiver.behaviour = fail_first(1)
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    receiver.wait_for(lambda hs: [h.answered for h in hs] == [500, 200])
    wait_until(lambda: deliveries(db, hook_id)[0].state == "succeeded")
    log = api.get(f"{EXT}/webhooks/{hook_id}/deliveries").json()
    assert log["pagination"]["total_count"] == 1
    (entry,) = log["results"]
    assert entry["state"] == "succeeded" and entry["attempts"] == 2
    assert [(a["attempt"], a["status_code"]) for a in entry["attempt_log"]] == [(1, 500), (2, 200)]
    assert entry["attempt_log"][0]["response_body"] == "not yet"
    assert entry["attempt_log"][1]["request_headers"]["X-Firma-Event"] == "signing_request.updated"

    receiver.behaviour = answer(200)
    r = api.post(f"{EXT}/webhooks/{hook_id}/deliveries/{entry['id']}/redeliver")
    assert r.status_code == 202, r.text
    assert r.json()["id"] != entry["id"] and r.json()["event_id"] == entry["event_id"]
    hits = receiver.wait_for(lambda hs: len(hs) == 3)
    assert hits[2].delivery_id == r.json()["id"] and hits[2].answered == 200
    assert hits[2].json()["id"] == hits[0].json()["id"] == entry["event_id"]
    assert api.get(f"{EXT}/webhooks/{hook_id}/deliveries?state=failed").json()[
        "results"] == []  # fmt: skip
    missing = api.post(f"{EXT}/webhooks/{hook_id}/deliveries/{hook_id}/redeliver")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_answer_bodies_are_logged_up_to_64_kb_even_binary(api, worker, receiver, db):
    big = b"ok\x00\xff" + b"x" * (100 * 1024)
    receiver.behaviour = lambda _hit, _seen: (200, {"X-Reply": "yes"}, big)
    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    emit_events(db, api.workspace_id, 1, "signing_request.updated")
    wait_until(lambda: deliveries(db, hook_id)[0].state == "succeeded")
    (logged,) = attempts(db, [deliveries(db, hook_id)[0].id])
    assert logged.response_excerpt is not None and len(logged.response_excerpt) == 64 * 1024
    assert logged.response_excerpt.startswith("ok\ufffd\ufffdxxx")
    assert logged.response_headers["x-reply"] == "yes"


def test_the_delivery_log_is_purged_after_30_days(api, worker, receiver, db):
    from signet.models import WebhookDelivery
    from signet.webhooks.service import purge_delivery_log

    hook_id, _ = firma_hook(api, receiver, ["signing_request.updated"])
    emit_events(db, api.workspace_id, 2, "signing_request.updated")
    wait_until(lambda: all(d.state == "succeeded" for d in deliveries(db, hook_id)))
    old, recent = deliveries(db, hook_id)
    with transaction(db.write) as session:
        session.get(WebhookDelivery, old.id).created_at = utcnow() - timedelta(days=31)
    with transaction(db.write) as session:
        assert purge_delivery_log(session, utcnow()) >= 1
    assert [d.id for d in deliveries(db, hook_id)] == [recent.id]
    assert attempts(db, [old.id]) == [] and len(attempts(db, [recent.id])) == 1
