"""Which rate-limit class a request falls in, and each class's default (docs/rate-limits.md).

Classes counted per API key mirror the limits the upstream APIs publish: Firma by kind of call,
PandaDoc per endpoint. Classes counted per client address cover what has no key: wrong or
missing keys, the signing page's actions, public verification, file links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from signet.kit.links import SIGNING_PAGE_PREFIXES

FIRMA_PREFIXES = ("/functions/v1/signing-request-api", "/v1", "/signet/v1")
PANDADOC_PREFIXES = ("/public/v1", "/public/v2")

# class → default limit, in `limits`' notation ("N/minute", "N per 10 seconds", …).
DEFAULT_LIMITS: dict[str, str] = {
    # Firma (and Signet's own /signet/v1 routes, which share its conventions)
    "firma.read": "200/minute",
    "firma.write": "120/minute",
    "firma.webhooks": "60/minute",
    "firma.send": "60/minute",
    "firma.webhook_test": "10/minute",
    "firma.secrets": "1/minute",
    # PandaDoc, per endpoint
    "pandadoc.create": "300/minute",
    "pandadoc.send": "400/minute",
    "pandadoc.details": "600/minute",
    "pandadoc.list_status_delete": "2000/minute",
    "pandadoc.download": "100/minute",
    "pandadoc.download_protected": "300/minute",
    "pandadoc.other": "600/minute",
    # Per client address
    "ip.auth_failures": "60/minute",
    "ip.signing_page": "120/minute",
    "ip.code_attempts": "30/minute",
    "ip.verify": "20/minute",
    "ip.files": "300/minute",
}

KEY = "key"
ADDRESS = "address"


@dataclass(frozen=True)
class RateClass:
    name: str
    per: str  # KEY or ADDRESS


_ID = r"[^/]+"
# The signing page's identity step: each code sent or tried (docs/identity.md).
_CODE_ATTEMPT = re.compile(r"^/(signing|s)/[^/]+/verify(/send)?$")
# (methods or None for any, path pattern relative to the face's prefix, class); first match wins.
_FIRMA_RULES: tuple[tuple[frozenset[str] | None, re.Pattern[str], str], ...] = tuple(
    (frozenset(m.split()) if m else None, re.compile(p), c)
    for m, p, c in (
        ("POST", rf"^/webhooks/{_ID}/test$", "firma.webhook_test"),
        ("POST", r"/rotate-secret$|/regenerate$|/api-keys/[^/]+/expire$", "firma.secrets"),
        (None, rf"^(/workspaces/{_ID})?/webhooks(/|$)", "firma.webhooks"),
        ("POST", rf"^/signing-requests/({_ID}/send|create-and-send)$", "firma.send"),
        ("GET HEAD", r"", "firma.read"),
        (None, r"", "firma.write"),
    )
)
_PANDADOC_RULES: tuple[tuple[frozenset[str] | None, re.Pattern[str], str], ...] = tuple(
    (frozenset(m.split()) if m else None, re.compile(p), c)
    for m, p, c in (
        ("POST", r"^/documents$", "pandadoc.create"),
        ("POST", rf"^/documents/{_ID}/send$", "pandadoc.send"),
        ("GET HEAD", rf"^/documents/{_ID}/details$", "pandadoc.details"),
        ("GET HEAD", rf"^/documents/{_ID}/download-protected$", "pandadoc.download_protected"),
        ("GET HEAD", rf"^/documents/{_ID}/download$", "pandadoc.download"),
        ("GET HEAD", rf"^/documents(/{_ID})?$", "pandadoc.list_status_delete"),
        ("DELETE", rf"^/documents/{_ID}$", "pandadoc.list_status_delete"),
        (None, r"", "pandadoc.other"),
    )
)


def _match(
    rules: tuple[tuple[frozenset[str] | None, re.Pattern[str], str], ...], method: str, rest: str
) -> str:
    for methods, pattern, name in rules:
        if (methods is None or method in methods) and pattern.search(rest):
            return name
    raise AssertionError("the last rule matches everything")


def _strip(path: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if path == prefix or path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return None


def classify(method: str, path: str, has_key: bool) -> RateClass | None:
    """The class of one request, or None for what is never limited (health, docs, assets)."""
    if path in ("/verify", "/signet/v1/verify") and method == "POST" and not has_key:
        return RateClass("ip.verify", ADDRESS)
    if method == "POST" and _CODE_ATTEMPT.match(path):
        return RateClass("ip.code_attempts", ADDRESS)
    if path.startswith(SIGNING_PAGE_PREFIXES) and method not in ("GET", "HEAD"):
        return RateClass("ip.signing_page", ADDRESS)
    if path.startswith(("/files/", "/v1/uploads/")):
        return RateClass("ip.files", ADDRESS)
    rest = _strip(path, PANDADOC_PREFIXES)
    if rest is not None:
        return RateClass(_match(_PANDADOC_RULES, method, rest), KEY)
    rest = _strip(path, FIRMA_PREFIXES)
    if rest is not None:
        return RateClass(_match(_FIRMA_RULES, method, rest), KEY)
    return None
