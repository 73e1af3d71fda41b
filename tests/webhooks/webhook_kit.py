"""Test kit for webhook tests: a real HTTP receiver on 127.0.0.1 that checks both signature
schemes, a worker with other settings, and readers of the delivery tables."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from signet.api.state import AppState
from signet.jobs.worker import Worker
from signet.models import Webhook, WebhookAttempt, WebhookDelivery
from signet.webhooks.signatures import verify_firma_signature, verify_pandadoc_signature


@dataclass
class Hit:
    """One request the receiver got."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float
    answered: int = 0
    firma_valid: bool | None = None  # X-Firma-Signature checked against the current secrets
    firma_old_valid: bool | None = None  # X-Firma-Signature-Old against the old secrets
    pandadoc_valid: bool | None = None  # ?signature= against the shared keys

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-firma-delivery") or self.headers.get(
            "x-pandadoc-webhook-event-id", ""
        )

    def json(self) -> Any:
        import json

        return json.loads(self.body)


# (hit, how many times this delivery id was seen including this one) → (status, headers, body)
Behaviour = Callable[[Hit, int], tuple[int, dict[str, str], bytes]]


def answer(status: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    return lambda _hit, _n: (status, headers or {}, b"ok")


def fail_first(n: int, status: int = 500, headers: dict[str, str] | None = None) -> Behaviour:
    """Answer ``status`` to the first ``n`` tries of each delivery, then 200."""

    def behave(_hit: Hit, seen: int) -> tuple[int, dict[str, str], bytes]:
        if seen <= n:
            return status, headers or {}, b"not yet"
        return 200, {}, b"ok"

    return behave


@dataclass
class Receiver:
    """A threaded HTTP server on 127.0.0.1 serving one random path prefix.

    Requests outside the prefix (e.g. retries of an earlier test's webhooks landing on a
    reused port) answer 404 and are not recorded. With secrets set, a request whose signature
    does not verify answers 401 (and is recorded with ``*_valid = False``).
    """

    behaviour: Behaviour = field(default_factory=answer)
    firma_secrets: list[str] = field(default_factory=list)
    firma_old_secrets: list[str] = field(default_factory=list)
    pandadoc_keys: list[str] = field(default_factory=list)
    hang_first: threading.Event | None = None  # block the first request until set
    hits: list[Hit] = field(default_factory=list)
    stray: int = 0
    prefix: str = field(default_factory=lambda: "/hook-" + secrets.token_hex(6))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, suffix: str = "", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{self.prefix}{suffix}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                if not parts.path.startswith(receiver.prefix):
                    with receiver._lock:
                        receiver.stray += 1
                    self._reply(404, {}, b"unknown path")
                    return
                hit = Hit(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.monotonic(),
                )
                receiver._verify(hit)
                with receiver._lock:
                    receiver.hits.append(hit)
                    first = len(receiver.hits) == 1
                    seen = sum(1 for h in receiver.hits if h.delivery_id == hit.delivery_id)
                if first and receiver.hang_first is not None:
                    receiver.hang_first.wait(20)
                if False in (hit.firma_valid, hit.firma_old_valid, hit.pandadoc_valid):
                    status, headers, payload = 401, {}, b"bad signature"
                else:
                    status, headers, payload = receiver.behaviour(hit, seen)
                hit.answered = status
                self._reply(status, headers, payload)

            def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client went away (e.g. a killed worker)

            do_POST = do_GET = do_PUT = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.hang_first is not None:
            self.hang_first.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _verify(self, hit: Hit) -> None:
        if self.firma_secrets and "x-firma-signature" in hit.headers:
            header = hit.headers["x-firma-signature"]
            hit.firma_valid = any(
                verify_firma_signature(s, hit.body, header) for s in self.firma_secrets
            )
        if self.firma_old_secrets and "x-firma-event" in hit.headers:
            old = hit.headers.get("x-firma-signature-old")
            hit.firma_old_valid = old is not None and any(
                verify_firma_signature(s, hit.body, old) for s in self.firma_old_secrets
            )
        if self.pandadoc_keys and "x-pandadoc-webhook-event-id" in hit.headers:
            sig = (hit.query.get("signature") or [""])[-1]
            hit.pandadoc_valid = any(
                verify_pandadoc_signature(k, hit.body, sig) for k in self.pandadoc_keys
            )

    def snapshot(self) -> list[Hit]:
        with self._lock:
            return list(self.hits)

    def wait_for(
        self, predicate: Callable[[list[Hit]], bool], timeout: float = 30.0, what: str = ""
    ) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hits = self.snapshot()
            if predicate(hits):
                return hits
            time.sleep(0.02)
        summary = [(h.headers.get("x-firma-event"), h.delivery_id[:8], h.answered)
                   for h in self.snapshot()]  # fmt: skip
        raise AssertionError(f"receiver: {what or 'condition'} not met in {timeout}s: {summary}")

    def of_event(self, name: str) -> list[Hit]:
        return [
            h
            for h in self.snapshot()
            if h.headers.get("x-firma-event") == name
            or (h.body.startswith(b"[") and h.json()[0]["event"] == name)
        ]


def state_with(app: Any, **overrides: Any) -> AppState:
    """The app's state (same database) with some settings changed."""
    base: AppState = app.state.signet
    return AppState(
        settings=base.settings.model_copy(update=overrides),
        db=base.db,
        store=base.store,
        secret=base.secret,
    )


def start_worker(ctx: AppState, concurrency: int = 2) -> Worker:
    s = ctx.settings
    worker = Worker(
        ctx,
        concurrency=concurrency,
        poll_interval=s.job_poll_interval,
        lease_seconds=s.job_lease_seconds,
        sweep_interval=30,
    )
    worker.start()
    return worker


def deliveries(db: Any, webhook_id: str) -> list[WebhookDelivery]:
    with db.read() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook_id)
                .order_by(WebhookDelivery.created_at)
            )
        )


def attempts(db: Any, delivery_ids: list[str]) -> list[WebhookAttempt]:
    with db.read() as session:
        return list(
            session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_(delivery_ids))
                .order_by(WebhookAttempt.at)
            )
        )


def webhook_row(db: Any, webhook_id: str) -> Webhook:
    with db.read() as session:
        hook = session.get(Webhook, webhook_id)
        assert hook is not None
        return hook


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what or 'condition'} not met within {timeout}s")
