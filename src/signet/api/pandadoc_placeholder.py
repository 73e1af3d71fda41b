"""PandaDoc routes not built yet: 501 in PandaDoc's format, naming the method and path; a
method another route does not take on its path: 405."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from signet.api.errors import refuse_other_method
from signet.errors import NotFound, NotImplementedRoute

router = APIRouter(include_in_schema=False)

_KNOWN = re.compile(
    r"^/public/(v1/(documents|templates|webhook-subscriptions|webhook-events|contacts|members|"
    r"content-library-items|forms|folders|quotes|products|notary|workspaces|users|logs)|"
    r"v2/(documents|settings|logs))(/.*)?$"
)


@router.api_route("/public/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def pandadoc_not_implemented(path: str, request: Request) -> None:
    refuse_other_method(request)
    full = f"/public/{path}"
    if _KNOWN.match(full):
        raise NotImplementedRoute(f"Not implemented in Signet: {request.method} {full}")
    raise NotFound("Not found")
