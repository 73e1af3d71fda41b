"""API key authentication, shared by both faces.

``Authorization`` may be ``<key>``, ``Bearer <key>`` or ``API-Key <key>`` (scheme case-insensitive).
Keys are looked up by their SHA-256; a short in-process cache keeps hot reads off the database.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from cachetools import TTLCache
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from signet.errors import Unauthorized
from signet.kit.tokens import hash_token
from signet.models.base import utcnow
from signet.signing.specs import Actor
from signet.workspaces.repository import api_key_with_workspace

_CACHE_TTL = 30.0
_MAX_CACHE = 10_000
# A key that matched nothing is refused from memory for a while: a client retrying with a wrong
# key, or someone trying keys, costs no database read and no worker thread. Short, so a key
# created just after a failed try with it works within seconds.
_UNKNOWN_TTL = 5.0
# The request's checked key context, so that a key checked before the body is read (see
# signet.api.http_guard) is not looked up again by the endpoint's dependency, and the reverse.
AUTH_SCOPE_KEY = "signet.auth"


@dataclass(frozen=True)
class AuthContext:
    key_id: str
    key_name: str
    workspace_id: str
    company_id: str
    workspace_protected: bool
    test: bool

    def actor(self, request: Request | None = None) -> Actor:
        return Actor(
            type="api_key",
            id=self.key_id,
            name=self.key_name,
            ip_address=client_ip(request) if request else None,
            user_agent=request.headers.get("user-agent") if request else None,
        )


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def extract_key(header: str | None) -> str | None:
    if not header:
        return None
    parts = header.strip().split(None, 1)
    if len(parts) == 2 and parts[0].lower() in ("bearer", "api-key", "apikey", "token"):
        return parts[1].strip() or None
    return parts[0] if len(parts) == 1 else None


class KeyCache:
    """Known keys for 30 s and refused ones for 5 s, at most 10,000 of each; when full, the
    least recently used entry goes. cachetools' caches are not thread-safe (a read reorders
    them) and keys are stored from worker threads, hence the lock around every use."""

    def __init__(self, size: int = _MAX_CACHE) -> None:
        self._lock = threading.Lock()
        self._items: TTLCache[str, AuthContext] = TTLCache(size, _CACHE_TTL, timer=time.monotonic)
        self._unknown: TTLCache[str, bool] = TTLCache(size, _UNKNOWN_TTL, timer=time.monotonic)

    def get(self, digest: str) -> AuthContext | None:
        """The key's context; raises Unauthorized for a key refused a moment ago."""
        with self._lock:
            try:
                return self._items[digest]  # [] rather than .get(): a quarter of the time
            except KeyError:
                refused = digest in self._unknown
        if refused:
            raise Unauthorized("Missing or invalid API key")
        return None

    def refuse(self, digest: str) -> None:
        with self._lock:
            self._unknown[digest] = True

    def put(self, digest: str, ctx: AuthContext) -> None:
        with self._lock:
            self._items[digest] = ctx

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._unknown.clear()


async def authenticate(request: Request) -> AuthContext:
    """The caller's key context. A cached key costs no thread hop and no query."""
    known: AuthContext | None = request.scope.get(AUTH_SCOPE_KEY)
    if known is not None:
        return known
    key = extract_key(request.headers.get("authorization"))
    if not key:
        raise Unauthorized("Missing or invalid API key")
    cache: KeyCache = request.app.state.key_cache
    digest = hash_token(key)
    ctx = cache.get(digest)
    if ctx is None:
        ctx = await run_in_threadpool(_load_key, request, digest)
    request.scope[AUTH_SCOPE_KEY] = ctx
    return ctx


def _load_key(request: Request, digest: str) -> AuthContext:
    state = request.app.state.signet
    cache: KeyCache = request.app.state.key_cache
    with state.db.read() as session:
        row = api_key_with_workspace(session, digest)
    if row is None:
        cache.refuse(digest)
        raise Unauthorized("Missing or invalid API key")
    api_key, workspace = row
    now = utcnow()
    if api_key.revoked_at is not None or (api_key.expires_at and api_key.expires_at <= now):
        cache.refuse(digest)
        raise Unauthorized("Missing or invalid API key")
    ctx = AuthContext(
        key_id=api_key.id,
        key_name=api_key.name,
        workspace_id=workspace.id,
        company_id=workspace.company_id,
        workspace_protected=workspace.protected,
        test=api_key.kind == "test",
    )
    cache.put(digest, ctx)
    return ctx
