"""Upstream Firma routes Signet does not build yet answer 501 naming the method and path; a
built path under those prefixes asked with a method it does not have answers 405; paths that
exist nowhere upstream answer 404."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from signet.api.errors import refuse_other_method
from signet.errors import NotFound, NotImplementedRoute, SignetError

router = APIRouter(include_in_schema=False)

_UPSTREAM = [
    r"templates(/.*)?",
    r"webhooks(/.*)?",
    r"workspaces(/.*)?",
    r"workspace/[^/]+/(settings|email-templates|signer-terms|custom-fields|domains|webhooks)(/.*)?",
    r"company(/.*)?",
    r"email-templates/(defaults/[^/]+|placeholders)",
    r"seals(/.*)?",
    r"generate-template-token",
    r"revoke-template-token",
    r"jwt/.*",
    r"signing-requests/[^/]+/custom-fields(/.*)?",
    r"signing-requests/[^/]+/signers/[^/]+/(signature|initials|stamps/[^/]+|files/[^/]+)",
    r"signing-requests/[^/]+/seal-participants(/.*)?",
]
_PATTERN = re.compile("^(" + "|".join(_UPSTREAM) + ")/?$")
# Paths under the prefixes above that Signet builds, with their methods. This catch-all takes
# every method, so the router cannot answer 405 for them by itself.
BUILT: dict[str, tuple[str, ...]] = {
    "company": ("GET", "PATCH", "PUT"),
    "company/settings": ("GET", "PUT"),
}


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_implemented(path: str, request: Request) -> None:
    refuse_other_method(request)
    built = BUILT.get(path.rstrip("/"))
    if built:
        raise SignetError(
            "Method not allowed",
            code="METHOD_NOT_ALLOWED",
            status_code=405,
            extra={"headers": {"Allow": ", ".join(built)}},
        )
    if _PATTERN.match(path):
        raise NotImplementedRoute(
            f"Signet does not implement {request.method} /{path}",
            details={"method": request.method, "path": f"/{path}"},
        )
    raise NotFound("Not found")
