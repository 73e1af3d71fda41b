"""Security headers and CSRF tokens for the signing page.

* **CSP.** No inline script or style: every script, style and font comes from Signet itself, data
  reaches the script through ``data-*`` attributes. ``frame-ancestors`` follows the workspace's
  ``embed_allowed_origins`` (docs/compat/framing.md#content-security-policy);
  ``X-Frame-Options`` is never sent.
* **CSRF.** Each rendered page carries a token ``<issued>.<mac>`` where ``mac`` is an HMAC of the
  recipient id and the issue time under a key derived from the app secret. The page's script
  sends it back in the ``X-Signet-CSRF`` header; a missing, altered, foreign or stale token → 403.
  No cookie is involved, so the page works the same framed (third-party) and unframed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping

from signet.errors import Forbidden

CSRF_HEADER = "X-Signet-CSRF"
CSRF_TTL_SECONDS = 24 * 3600
_CSRF_CONTEXT = b"signet.signing_page.csrf.v1"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_LOCAL_TEST_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")


def _csrf_key(secret: bytes) -> bytes:
    return hmac.new(secret, _CSRF_CONTEXT, hashlib.sha256).digest()


def _mac(secret: bytes, recipient_id: str, issued: int) -> str:
    msg = f"{recipient_id}|{issued}".encode()
    return hmac.new(_csrf_key(secret), msg, hashlib.sha256).hexdigest()


def issue_csrf_token(secret: bytes, recipient_id: str, now: float | None = None) -> str:
    """A token for one recipient's page, valid for a day."""
    issued = int(now if now is not None else time.time())
    return f"{issued}.{_mac(secret, recipient_id, issued)}"


def csrf_token_valid(
    secret: bytes, recipient_id: str, token: str | None, now: float | None = None
) -> bool:
    if not token or "." not in token:
        return False
    issued_text, mac = token.split(".", 1)
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    current = now if now is not None else time.time()
    if issued > current + 60 or current - issued > CSRF_TTL_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(secret, recipient_id, issued))


def require_csrf(secret: bytes, recipient_id: str, headers: Mapping[str, str]) -> None:
    """Raise 403 unless the request carries this recipient's valid page token."""
    if not csrf_token_valid(secret, recipient_id, headers.get(CSRF_HEADER)):
        raise Forbidden(
            "The page's security token is missing or has expired; reload the page and try again",
            code="CSRF_FAILED",
        )


def clean_origins(value: object) -> list[str]:
    """The well-formed origins of a workspace's ``embed_allowed_origins`` setting."""
    if not isinstance(value, list | tuple):
        return []
    return [o.rstrip("/") for o in value if isinstance(o, str) and _ORIGIN.match(o.rstrip("/"))]


def frame_ancestors(allowed: Iterable[str], *, test: bool) -> str:
    """The CSP ``frame-ancestors`` source list for a page of this workspace
    (docs/compat/framing.md#content-security-policy)."""
    origins = list(allowed)
    if origins:
        return " ".join(["'self'", *origins])
    sources = ["'self'", "https:"]
    if test:
        sources.extend(_LOCAL_TEST_ORIGINS)
    return " ".join(sources)


def content_security_policy(ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


def page_headers(ancestors: str) -> dict[str, str]:
    """Headers of every HTML page: CSP, no caching of capability pages, no referrer leaks."""
    return {
        "Content-Security-Policy": content_security_policy(ancestors),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
