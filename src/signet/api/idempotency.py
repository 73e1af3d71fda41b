"""``Idempotency-Key`` on every POST of both faces (docs/idempotency.md).

The first request with a key runs and its response is kept 24 hours, scoped to the workspace,
method and path; a retry with the same key and body gets that response again with
``Idempotent-Replayed: true`` and does no work. The same key with another body answers 422
``IDEMPOTENCY_KEY_REUSED``; while the first still runs, 409 ``IDEMPOTENCY_KEY_IN_USE``: it holds
the key through a lease its process renews, so the key of a process that died is free again
within ``LEASE``. Responses with 5xx, 401 or 429 are not kept, so such a request may be retried
with its key.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signet.api.auth import authenticate
from signet.api.errors import error_response
from signet.api.rate_classes import FIRMA_PREFIXES, PANDADOC_PREFIXES
from signet.context import AppContext
from signet.db import transaction
from signet.errors import Conflict, PayloadTooLarge, SignetError, ValidationFailed
from signet.idempotency import repository as keys

log = logging.getLogger("signet.idempotency")

HEADER = b"idempotency-key"
MAX_KEY = 255
# A response larger than this is passed on but not kept (creates answer a few KB).
MAX_STORED_BODY = 1024 * 1024
_NOT_KEPT = {401, 429}
# Headers that belong to the moment of the answer, not to the answer.
_VOLATILE = {"date", "server", "content-length", "x-ratelimit-limit", "x-ratelimit-remaining"}
_VOLATILE |= {"x-ratelimit-reset", "retry-after"}
_BOUNDARY = re.compile(r"boundary=(\"[^\"]+\"|[^;\s]+)", re.IGNORECASE)


def request_digest(content_type: str, body: bytes) -> str:
    """SHA-256 of what the request says: a multipart body's random boundary is left out, so a
    client that encodes the same form again is recognised."""
    boundary = _BOUNDARY.search(content_type)
    if boundary:
        body = body.replace(boundary.group(1).strip('"').encode("latin-1"), b"")
    return hashlib.sha256(body).hexdigest()


IDEMPOTENT_PREFIXES = tuple(p + "/" for p in FIRMA_PREFIXES + PANDADOC_PREFIXES)


def _applies(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] != "POST":
        return False
    path: str = scope["path"]
    return path.startswith(IDEMPOTENT_PREFIXES)


class Idempotency:
    """Pure ASGI middleware; requests without the header pass straight through."""

    def __init__(self, app: ASGIApp, body_limit: int) -> None:
        self.app = app
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", [])).get(HEADER) if _applies(scope) else None
        if key is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            text = key.decode("ascii")
            if not text or len(text) > MAX_KEY or not text.isprintable():
                raise ValidationFailed(
                    [("Idempotency-Key", f"must be 1 to {MAX_KEY} printable ASCII characters")]
                )
            auth = await authenticate(request)
        except UnicodeDecodeError:
            bad = ValidationFailed([("Idempotency-Key", "must be printable ASCII")])
            await error_response(request, bad)(scope, receive, send)
            return
        except ValidationFailed as exc:
            await error_response(request, exc)(scope, receive, send)
            return
        except SignetError:
            await self.app(scope, receive, send)  # the route answers 401 in its own way
            return
        try:
            body = await self._read_body(receive)
        except PayloadTooLarge as exc:
            await error_response(request, exc)(scope, receive, send)
            return
        ctx: AppContext = scope["app"].state.signet
        target = keys.Scope(auth.workspace_id, "POST", scope["path"], text)
        digest = request_digest(request.headers.get("content-type", ""), body)

        def claim() -> keys.Claim:
            with transaction(ctx.db.write) as session:
                return keys.claim(session, target, digest)

        decision = await run_in_threadpool(claim)
        if decision.outcome == "reused":
            reused = SignetError(
                "This Idempotency-Key was used with another request body",
                code="IDEMPOTENCY_KEY_REUSED",
                status_code=422,
            )
            await error_response(request, reused)(scope, receive, send)
            return
        if decision.outcome == "in_flight":
            busy = Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly",
                code="IDEMPOTENCY_KEY_IN_USE",
            )
            await error_response(request, busy)(scope, receive, send)
            return
        if decision.outcome == "replay":
            assert decision.stored is not None
            await _replay(decision.stored, send)
            return
        assert decision.row_id is not None
        await self._run_and_keep(scope, body, send, ctx, decision.row_id)

    async def _read_body(self, receive: Receive) -> bytes:
        buf = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            buf += message.get("body", b"")
            if len(buf) > self.body_limit:
                raise PayloadTooLarge(f"The request body is over {self.body_limit} bytes")
            if not message.get("more_body", False):
                break
        return bytes(buf)

    async def _run_and_keep(
        self, scope: Scope, body: bytes, send: Send, ctx: AppContext, row_id: str
    ) -> None:
        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        start: Message = {}
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_STORED_BODY:
                    chunks.append(chunk)
            await send(message)

        heartbeat = asyncio.create_task(_keep_alive(ctx, row_id))
        try:
            await self.app(scope, replay_receive, capture)
        finally:
            heartbeat.cancel()
            status = int(start.get("status", 500))
            keep = status < 500 and status not in _NOT_KEPT and size <= MAX_STORED_BODY
            stored = keys.Stored(
                status,
                [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in start.get("headers", [])
                    if k.decode("latin-1").lower() not in _VOLATILE
                ],
                b"".join(chunks),
            )

            def finish() -> None:
                with transaction(ctx.db.write) as session:
                    if keep:
                        keys.record(session, row_id, stored)
                    else:
                        keys.release(session, row_id)

            await run_in_threadpool(finish)


async def _keep_alive(ctx: AppContext, row_id: str) -> None:
    """Renew the key's lease while the first request runs, so that only a dead process's key
    lapses (``keys.LEASE``); a failed renewal is retried at the next beat."""

    def renew() -> bool:
        with transaction(ctx.db.write) as session:
            return keys.renew(session, row_id)

    while True:
        await asyncio.sleep(keys.RENEW_EVERY)
        try:
            if not await run_in_threadpool(renew):
                return
        except Exception:  # noqa: BLE001 - e.g. the database restarting: try again next beat
            log.warning("could not renew the Idempotency-Key lease %s", row_id, exc_info=True)


async def _replay(stored: keys.Stored, send: Send) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(stored.body)).encode()))
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})
