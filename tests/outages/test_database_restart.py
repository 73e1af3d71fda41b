"""PostgreSQL stops dead (``pg_ctl stop -m immediate``) under a running ``signet serve`` and
``signet worker``, and comes back on the same port: calls during the outage answer 503 with
Retry-After in their face's error format (never a 500), both processes carry on by themselves
once the database is back, every create that was answered 201 is there, and the worker sends
the invitations of every request that was sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from outages.load import Load
from outages.own_postgres import OwnPostgres, free_port, unavailable_reason
from outages.processes import SignetProcess, run_signet, signet_env

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no PostgreSQL cluster of our own: {reason}")
    pg = OwnPostgres()
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.destroy()


def _requests_in(pg: OwnPostgres, ids: list[str]) -> set[str]:
    engine = create_engine(pg.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM signing_requests")).scalars().all()
    finally:
        engine.dispose()
    return set(rows) & set(ids)


def _check_outage_answer(answer) -> None:  # type: ignore[no-untyped-def]
    """A 503 in the face's own error format, with a Retry-After in seconds."""
    assert int(answer.headers["retry-after"]) > 0, answer
    if answer.call == "pandadoc-get":
        assert answer.body["type"] == "service_unavailable", answer
    else:
        assert answer.body["code"] == "DATABASE_UNAVAILABLE", answer
        assert "database" in answer.body["error"].lower(), answer


def test_postgres_restarted_under_load(own_postgres, mailbox, tmp_path: Path) -> None:
    pg = own_postgres
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = signet_env(
        SIGNET_DATABASE_URL=pg.url,
        SIGNET_DATA_DIR=str(tmp_path / "data"),
        SIGNET_SECRET_KEY="outage-tests",
        SIGNET_BASE_URL=base,
        SIGNET_PORT=str(port),
        SIGNET_INLINE_WORKER="0",
        SIGNET_JOB_POLL_INTERVAL="0.1",
        SIGNET_RETRY_BASE_SECONDS="0.2",
        SIGNET_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}",
        SIGNET_MAIL_FROM="Signet Outage <signet@example.com>",
        # The load does not wait out Retry-After: the limits would answer 429 instead.
        SIGNET_RATE_LIMITS_ENABLED="0",
    )
    run_signet(env, "migrate")
    key = run_signet(env, "api-keys", "create", "--name", "outage").strip()
    serve = SignetProcess(env, ["serve"], tmp_path / "serve.log")
    worker = SignetProcess(env, ["worker", "--concurrency", "2"], tmp_path / "worker.log")
    load = Load(base, key)
    try:
        serve.wait_http(f"{base}/readyz")
        load.start()
        load.wait_for("send", 200, more_than=3, timeout=60)

        pg.stop_immediately()
        load.wait_for("create", 503, more_than=2, timeout=60)
        load.wait_for("pandadoc-get", 503, more_than=2, timeout=60)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503, ready.text
        assert ready.json()["database"] == "the database does not answer"
        before = load.count("create", 201)

        pg.start()
        load.wait_for("create", 201, more_than=before + 3, timeout=60)
        load.wait_for("send", 200, more_than=load.count("send", 200) + 2, timeout=60)
        load.stop()
        ready = httpx.get(f"{base}/readyz", timeout=10)
        # The worker sends the invitation of every request that was sent, before, during and
        # after the outage.
        for sid in load.sent:
            mailbox.wait_for(load.created[sid], "signing_invite", timeout=60)
        # Neither process was restarted.
        assert serve.alive(), serve.log_tail()
        assert worker.alive(), worker.log_tail()
    finally:
        load.stop()
        serve.stop()
        worker.stop()

    print("answers by call and status:", load.summary())
    assert ready.status_code == 200, ready.text
    # Every call had an HTTP answer: success or a 503 to retry, never anything else.
    statuses = {(a.call, a.status) for a in load.answers}
    assert statuses <= {
        ("create", 201), ("create", 503), ("send", 200), ("send", 503),
        ("get", 200), ("get", 503), ("pandadoc-get", 200), ("pandadoc-get", 503),
    }, (load.summary(), load.odd()[:5])  # fmt: skip
    for answer in load.answers:
        if answer.status == 503:
            _check_outage_answer(answer)
    # No accepted create is lost.
    assert _requests_in(pg, list(load.created)) == set(load.created)
