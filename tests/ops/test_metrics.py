"""GET /metrics (Prometheus text) and GET /readyz: what an operator scrapes and probes."""

from __future__ import annotations

import base64
import io
import socket
import time

from fixtures.requests import create_body
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from signet.db import transaction
from signet.signing import recipient_actions as ra

DETAIL = "/v1/signing-requests/{signing_request_id}"


def _scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _wait_for(client, name: str, at_least: float, timeout: float = 30, **labels: str) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = _value(_scrape(client), name, **labels)
        if value >= at_least:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{name}{labels} stayed below {at_least}")


def test_requests_are_counted_and_timed_by_route_template(api):
    ids = [api.post("/signing-requests", create_body()).json()["id"] for _ in range(2)]
    before = _scrape(api.client)
    for sid in (*ids, ids[0]):
        assert api.client.get(f"/v1/signing-requests/{sid}", headers=api.headers).status_code == 200
    assert api.client.get("/no/such/route/42").status_code == 404
    after = _scrape(api.client)
    labels = {"method": "GET", "route": DETAIL}
    total = "signet_http_requests_total"
    assert (
        _value(after, total, status="200", **labels) - _value(before, total, status="200", **labels)
        == 3
    )
    count = "signet_http_request_duration_seconds_count"
    assert _value(after, count, **labels) - _value(before, count, **labels) == 3
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _value(after, total, **unmatched) - _value(before, total, **unmatched) == 1
    # Raw paths (ids) never become labels.
    assert not any(ids[0] in value for _name, labels_ in after for _k, value in labels_)


def test_job_queue_depth_and_outcomes_are_reported(api, app, mailbox):
    from signet.app import start_worker

    sr = api.post("/signing-requests", create_body(recipients=[_signer("ops-q@example.com")]))
    assert api.post(f"/signing-requests/{sr.json()['id']}/send").status_code == 200
    # No worker yet: the invitation waits in the queue.
    queued = _scrape(api.client)
    assert _value(queued, "signet_jobs_queue_depth", kind="email.send") >= 1
    assert _value(queued, "signet_jobs_oldest_age_seconds", kind="email.send") >= 0
    sent_before = _value(queued, "signet_emails_total", outcome="sent")
    done_before = _value(
        queued, "signet_jobs_finished_total", kind="email.send", outcome="succeeded"
    )
    worker = start_worker(app.state.signet, 2)
    try:
        mailbox.wait_for("ops-q@example.com")
        _wait_for(api.client, "signet_emails_total", sent_before + 1, outcome="sent")
        _wait_for(
            api.client,
            "signet_jobs_finished_total",
            done_before + 1,
            kind="email.send",
            outcome="succeeded",
        )
    finally:
        worker.stop()


def test_sealing_time_and_failed_webhook_deliveries_are_reported(api, app, worker):
    with socket.socket() as sock:  # a port nothing listens on: every delivery fails
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    hook = api.post(
        "/webhooks",
        {"url": f"http://127.0.0.1:{closed}/hook", "events": ["signing_request.sent"]},
    )
    assert hook.status_code == 201, hook.text
    before = _scrape(api.client)
    sr = api.post("/signing-requests", create_body(recipients=[_signer("ops-s@example.com")]))
    sid = sr.json()["id"]
    assert api.post(f"/signing-requests/{sid}/send").status_code == 200
    _wait_for(
        api.client,
        "signet_webhook_deliveries_total",
        _value(before, "signet_webhook_deliveries_total", outcome="failed") + 1,
        outcome="failed",
    )
    _sign_all(app, sr.json())
    _wait_for(
        api.client,
        "signet_seal_duration_seconds_count",
        _value(before, "signet_seal_duration_seconds_count") + 1,
        timeout=90,
    )
    api.delete(f"/webhooks/{hook.json()['id']}")


def test_readyz_reports_database_and_storage(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "storage": "ok"}


def _signer(email: str) -> dict:
    return {"id": "temp_1", "first_name": "Ops", "last_name": "Test", "email": email}


def png_uri() -> str:
    buf = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _sign_all(app, detail: dict) -> None:
    state = app.state.signet
    for recipient in detail["recipients"]:
        with transaction(state.db.write) as s:
            request, who = ra.load_for_recipient(s, recipient["id"], for_update=True)
            actor = ra.actor_for(who, "127.0.0.1", "pytest")
            ra.accept_consent(s, request, who, actor, "I agree to sign electronically.")
            ra.finish(
                s,
                state,
                request,
                who,
                actor,
                ra.Submission(values={}, signature=png_uri(), signature_kind="drawn"),
            )
