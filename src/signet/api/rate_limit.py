"""Rate limits on every route of both faces, the signing page and public links
(docs/rate-limits.md), with the `limits` library: in memory for one process, or in Redis when
``SIGNET_REDIS_URL`` is set, so that every process of an installation enforces one limit.

Every limited response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (unix seconds); a refusal is a 429 with ``Retry-After`` in the face's
error format. Requests are counted per API key (by the key's hash, test keys included) in the
class of the route, and per client address where there is no key. A client address whose wrong
or missing keys passed ``ip.auth_failures`` is refused before its key is even looked up.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from limits import RateLimitItem, WindowStats, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signet.api.auth import KeyCache, extract_key
from signet.api.errors import error_response
from signet.api.rate_classes import ADDRESS, DEFAULT_LIMITS, RateClass, classify
from signet.errors import RateLimited, Unauthorized
from signet.kit.tokens import hash_token

log = logging.getLogger("signet.api")


class RateLimitConfigError(ValueError):
    """A limit setting that cannot be used; start-up stops with this message."""


def resolve_limits(overrides: dict[str, str]) -> dict[str, RateLimitItem]:
    """The limit of every class: the defaults with the operator's overrides, each checked."""
    unknown = sorted(set(overrides) - set(DEFAULT_LIMITS))
    if unknown:
        raise RateLimitConfigError(
            f"SIGNET_RATE_LIMITS names unknown classes {unknown}; known: {sorted(DEFAULT_LIMITS)}"
        )
    resolved: dict[str, RateLimitItem] = {}
    for name, default in DEFAULT_LIMITS.items():
        text = overrides.get(name, default)
        try:
            resolved[name] = parse(text)
        except ValueError:
            raise RateLimitConfigError(
                f'SIGNET_RATE_LIMITS["{name}"] = {text!r} is not a limit like "200/minute"'
            ) from None
    return resolved


def open_storage(redis_url: str | None, prefix: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    uri = redis_url
    for scheme in ("redis://", "rediss://"):
        if uri.startswith(scheme):
            uri = "async+" + uri
    return RedisStorage(uri, implementation="redispy", key_prefix=prefix)


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # unix seconds
    window: int  # seconds

    @property
    def reset(self) -> int:
        return math.ceil(self.reset_at)

    def retry_after(self) -> int:
        return max(1, min(self.window, math.ceil(self.reset_at - time.time())))

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]


def _verdict(allowed: bool, item: RateLimitItem, stats: WindowStats) -> Verdict:
    return Verdict(
        allowed, item.amount, max(0, stats.remaining), stats.reset_time, item.get_expiry()
    )


class RateLimiter:
    """One limiter per app: the classes' limits and where the counts live."""

    def __init__(self, storage: Storage, limits: dict[str, RateLimitItem]) -> None:
        self.storage = storage
        self.limits = limits
        self._limiter = SlidingWindowCounterRateLimiter(storage)

    async def check(self) -> bool:
        return bool(await self.storage.check())

    async def hit(self, name: str, identity: str) -> Verdict:
        """Count one request of ``identity`` in ``name``, and say whether it may pass."""
        return await self._verdict(name, identity, count=True)

    async def peek(self, name: str, identity: str) -> Verdict:
        """Where ``identity`` stands in ``name``, without counting a request."""
        return await self._verdict(name, identity, count=False)

    async def _verdict(self, name: str, identity: str, *, count: bool) -> Verdict:
        item = self.limits[name]
        check = self._limiter.hit if count else self._limiter.test
        allowed = await check(item, name, identity)
        stats = await self._limiter.get_window_stats(item, name, identity)
        remaining = max(0, stats.remaining)
        return Verdict(allowed, item.amount, remaining, stats.reset_time, item.get_expiry())


# An HTML page for a refused request that a browser posted from a form (the public /verify page,
# the signing page's code forms); None for the error in the face's format. The app passes it,
# since the pages live above this layer.
PageRefusal = Callable[[Request, int], Awaitable[Response | None]]


async def _refusal(scope: Scope, verdict: Verdict, page: PageRefusal | None) -> Response:
    retry_after = verdict.retry_after()
    request = Request(scope)
    response = await page(request, retry_after) if page else None
    if response is None:
        response = error_response(request, RateLimited(retry_after))
    response.headers["Retry-After"] = str(retry_after)
    for name, value in verdict.headers():
        response.headers[name.decode()] = value.decode()
    return response


class RateLimit:
    """Pure ASGI middleware (no body buffering): count, refuse or pass, then add the headers."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        key_cache: KeyCache,
        page_refusal: PageRefusal | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.key_cache = key_cache
        self.page_refusal = page_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = extract_key(headers.get(b"authorization", b"").decode("latin-1"))
        rate_class = classify(scope["method"], scope["path"], key is not None)
        if rate_class is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            verdict = await self._count(rate_class, key, address)
        except Exception:  # noqa: BLE001 - a limiter outage must not take the API down
            log.exception("rate limiter unavailable; request let through")
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            refusal = await _refusal(scope, verdict, self.page_refusal)
            await refusal(scope, receive, send)
            return
        status: list[int] = []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                message["headers"] = [*message.get("headers", []), *verdict.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if rate_class.per != ADDRESS and status and status[0] == 401:
            try:
                await self.limiter.hit("ip.auth_failures", address)
            except Exception:  # noqa: BLE001
                log.exception("rate limiter unavailable; failed key not counted")

    async def _count(self, rate_class: RateClass, key: str | None, address: str) -> Verdict:
        if rate_class.per == ADDRESS:
            return await self.limiter.hit(rate_class.name, address)
        digest = hash_token(key) if key else None
        if not self._known_good(digest):
            guard = await self.limiter.peek("ip.auth_failures", address)
            if not guard.allowed or digest is None:
                # Refused, or no key at all: the route answers 401, counted against the address.
                return guard
        assert digest is not None
        return await self.limiter.hit(rate_class.name, digest)

    def _known_good(self, digest: str | None) -> bool:
        if digest is None:
            return False
        try:
            return self.key_cache.get(digest) is not None
        except Unauthorized:
            return False
