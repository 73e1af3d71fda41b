"""What every HTTP request must pass before the app reads it, and the headers every response gets.

- The request head is bounded: past ``MAX_HEADER_BYTES`` in all, 431.
- The body is bounded while it streams, whatever its framing (``Content-Length`` or chunked):
  413 once it passes the route's limit. A declared JSON body may be ``max_json_body_bytes``;
  other routes may take the largest body any endpoint accepts, and the endpoints that read their
  own bodies (``signet.api.body.read_body``) apply their tighter limit as they read.
- A route that needs an API key checks it before the first byte of the body is read: a missing
  or wrong key costs the server nothing but the headers (401).
- API and file responses are not sniffed and not stored by caches; with an ``https`` public base
  URL every response carries HSTS.

A refusal found while the app reads the body is raised inside ``receive``; whatever the app then
sends is dropped and the refusal is answered instead, in the face's own error format.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signet.api.auth import AUTH_SCOPE_KEY, authenticate
from signet.api.errors import error_response
from signet.config import Settings
from signet.errors import PayloadTooLarge, SignetError

# Browsers send a few KiB of headers; large cookies or tokens stay far below this.
MAX_HEADER_BYTES = 32 * 1024

API_PREFIXES = ("/functions/", "/v1/", "/public/", "/signet/", "/files/")
# The host only: sibling hosts of the base URL are not Signet's to speak for.
HSTS = b"max-age=31536000"


class _Refused(Exception):
    """Raised from ``receive`` to stop the app reading; the middleware answers ``error``."""

    def __init__(self, error: SignetError) -> None:
        super().__init__(error.message)
        self.error = error


def needs_key(route: Any) -> bool:
    """Whether the route's dependencies include API key authentication (memoised on the route)."""
    if route is None:
        return False
    cached = getattr(route, "_signet_needs_key", None)
    if cached is not None:
        return bool(cached)
    found = False
    if isinstance(route, APIRoute):
        stack = [route.dependant]
        while stack and not found:
            dep = stack.pop()
            found = dep.call is authenticate
            stack.extend(dep.dependencies)
    route._signet_needs_key = found
    return found


Headers = list[tuple[bytes, bytes]]


def _with_headers(send: Send, extra: Headers, names: frozenset[bytes]) -> Send:
    """``send`` setting the ``extra`` headers (``names``) on the response head, replacing the
    endpoint's own value of the same name (ASGI header names are lower case)."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [h for h in message.get("headers", ()) if h[0] not in names]
            message["headers"] = kept + extra
        await send(message)

    return send_with_headers


class HttpGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.json_limit = settings.max_json_body_bytes
        # The largest body any endpoint accepts, with room for multipart framing.
        self.body_limit = max(settings.max_upload_bytes, settings.max_json_body_bytes) + 64 * 1024
        hsts: Headers = []
        if (settings.base_url or "").lower().startswith("https://"):
            hsts.append((b"strict-transport-security", HSTS))
        # API answers and signed file links are never to be kept by a cache: no-store replaces
        # whatever the endpoint said.
        self.api_headers: Headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
            *hsts,
        ]
        self.other_headers: Headers = hsts
        self.api_names = frozenset(n for n, _ in self.api_headers)
        self.other_names = frozenset(n for n, _ in self.other_headers)

    def _limit_for(self, route: Any) -> int:
        if isinstance(route, APIRoute) and route.body_field is not None:
            return self.json_limit
        return self.body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = 0
        declared: int | None = None
        chunked = False
        for name, value in scope["headers"]:
            head += len(name) + len(value)
            if name == b"content-length":
                declared = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
        api = scope["path"].startswith(API_PREFIXES)
        extra, names = (
            (self.api_headers, self.api_names) if api else (self.other_headers, self.other_names)
        )
        if head > MAX_HEADER_BYTES:
            error = SignetError(
                f"The request headers are larger than {MAX_HEADER_BYTES} bytes",
                code="HEADERS_TOO_LARGE",
                status_code=431,
            )
            await self._answer(scope, receive, send, error, extra)
            return
        if declared is not None and declared > self.body_limit:
            await self._answer(scope, receive, send, _too_large(self.body_limit), extra)
            return
        if extra:
            send = _with_headers(send, extra, names)
        if not chunked and not declared:
            # No body to bound or to read before the key is checked: the common GET.
            await self.app(scope, receive, send)
            return
        await self._guard_body(scope, receive, send, declared)

    async def _guard_body(
        self, scope: Scope, receive: Receive, send: Send, declared: int | None
    ) -> None:
        refusal: SignetError | None = None
        started = False
        checked = False
        limit = self.body_limit
        received = 0

        async def guarded_receive() -> Message:
            nonlocal refusal, checked, limit, received
            if refusal is not None:
                raise _Refused(refusal)
            if not checked:
                checked = True
                route = scope.get("route")
                limit = self._limit_for(route)
                if declared is not None and declared > limit:
                    refusal = _too_large(limit)
                    raise _Refused(refusal)
                if AUTH_SCOPE_KEY not in scope and needs_key(route):
                    try:
                        await authenticate(Request(scope))
                    except SignetError as exc:
                        refusal = exc
                        raise _Refused(exc) from None
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refusal = _too_large(limit)
                    raise _Refused(refusal)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None:
                return  # the app's answer to a body it could not read; ours is sent below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except _Refused:
            pass
        except Exception:
            if refusal is None:
                raise
        if refusal is not None and not started:
            # ``send`` adds the API headers already.
            await self._answer(scope, receive, send, refusal, [])

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, error: SignetError, extra: Headers
    ) -> None:
        response = error_response(Request(scope), error)
        if error.status_code in (413, 431):
            # The rest of the body (or head) is not read: the connection cannot be reused.
            response.headers["connection"] = "close"
        for name, value in extra:
            response.headers[name.decode()] = value.decode()
        await response(scope, receive, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {limit} bytes")
