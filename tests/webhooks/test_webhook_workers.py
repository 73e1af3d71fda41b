"""Delivery under several workers, and after a worker process is killed mid-delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from webhook_kit import Receiver, attempts, deliveries, fail_first, start_worker, wait_until

from signet.db import transaction
from signet.webhooks.events import emit

ROOT = Path(__file__).resolve().parents[2]


def _hook(api: Any, receiver: Receiver) -> str:
    r = api.post("/webhooks", {"url": receiver.url(), "events": ["signing_request.updated"]})
    assert r.status_code == 201, r.text
    receiver.firma_secrets = [api.post("/webhooks/rotate-secret").json()["new_secret"]]
    return str(r.json()["id"])


def _emit(db: Any, workspace_id: str, count: int) -> None:
    with transaction(db.write) as session:
        for i in range(count):
            emit(session, workspace_id=workspace_id, event_type="signing_request.updated",
                 firma_data={"n": i})  # fmt: skip


def test_two_workers_never_run_the_same_job_attempt_twice(app, api, receiver, db):
    """Two Worker instances (four threads each) share 200 deliveries, half of which fail once:
    every attempt number of a delivery is used once, and every delivery arrives."""
    once = fail_first(1)
    receiver.behaviour = lambda hit, seen: (
        once(hit, seen) if int(hit.delivery_id[-1], 16) % 2 else (200, {}, b"ok")
    )
    hook_id = _hook(api, receiver)
    _emit(db, api.workspace_id, 200)
    workers = [start_worker(app.state.signet, concurrency=4) for _ in range(2)]
    try:
        wait_until(
            lambda: all(d.state == "succeeded" for d in deliveries(db, hook_id)),
            timeout=45, what="all 200 deliveries succeeded",
        )  # fmt: skip
    finally:
        for w in workers:
            w.stop()
    rows = deliveries(db, hook_id)
    assert len(rows) == 200
    logged = attempts(db, [d.id for d in rows])
    pairs = Counter((a.delivery_id, a.attempt) for a in logged)
    assert max(pairs.values()) == 1, [p for p, n in pairs.items() if n > 1][:5]
    per_delivery = Counter(a.delivery_id for a in logged)
    assert all(n == (2 if int(d[-1], 16) % 2 else 1) for d, n in per_delivery.items())
    assert len(per_delivery) == 200
    hits = receiver.snapshot()
    received = Counter(h.delivery_id for h in hits)
    assert set(received) == {d.id for d in rows}  # each delivery arrived
    assert received == Counter(a.delivery_id for a in logged)  # no send went unlogged
    assert all(h.firma_valid for h in hits)


def test_a_killed_worker_process_does_not_lose_the_delivery(app, api, receiver, db, settings):
    """A worker process is SIGKILLed while the receiver holds its request open; once its job
    lease runs out, a new worker process delivers the same delivery again."""
    receiver.hang_first = threading.Event()
    hook_id = _hook(api, receiver)
    _emit(db, api.workspace_id, 1)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SIGNET_")},
        "SIGNET_DATABASE_URL": settings.resolved_database_url,
        "SIGNET_DATA_DIR": str(settings.data_dir),
        "SIGNET_SECRET_KEY": settings.secret_key or "",
        "SIGNET_JOB_LEASE_SECONDS": "1.5",
        "SIGNET_JOB_POLL_INTERVAL": "0.05",
        "SIGNET_RETRY_BASE_SECONDS": "0.2",
        "SIGNET_WEBHOOK_ALLOW_PRIVATE": "1",
        "SIGNET_SMTP_URL": settings.smtp_url or "",
    }
    argv = [sys.executable, "-m", "signet", "worker", "--concurrency", "1"]

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    first = spawn()
    second = None
    try:
        hit = receiver.wait_for(lambda hs: len(hs) == 1, timeout=45, what="the first try")[0]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(5)
        receiver.hang_first.set()  # the killed worker never reads this answer
        assert deliveries(db, hook_id)[0].state == "pending"
        second = spawn()
        hits = receiver.wait_for(lambda hs: any(h.answered == 200 for h in hs[1:]), timeout=45,
                                 what="the retry by the new worker")  # fmt: skip
        assert {h.delivery_id for h in hits} == {hit.delivery_id}
        assert len({h.json()["id"] for h in hits}) == 1 and all(h.firma_valid for h in hits)
        wait_until(lambda: deliveries(db, hook_id)[0].state == "succeeded", timeout=10)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
    (row,) = deliveries(db, hook_id)
    logged = attempts(db, [row.id])
    # The killed attempt left no log row; the new worker's attempt number is a fresh one.
    assert [a.status_code for a in logged] == [200] and logged[0].attempt >= 2
