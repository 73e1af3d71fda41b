"""``/files/{token}``: serve a stored PDF to whoever holds an unexpired signed link."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from signet.api.deps import State
from signet.errors import SignetError
from signet.kit import signed_urls

router = APIRouter(tags=["Files"])


@router.get(
    "/files/{token}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The PDF"},
        403: {"description": "Invalid or expired link"},
    },
)
def get_file(token: str, state: State) -> Response:
    """Download a file through a signed, expiring link (as returned in `document_url` and the
    download URLs). An expired or altered link answers 403."""
    try:
        payload = signed_urls.verify(state.secret, token)
    except signed_urls.InvalidToken:
        raise SignetError(
            "Access denied: the link is invalid or has expired",
            code="ACCESS_DENIED",
            status_code=403,
        ) from None
    if payload.get("p") != "file":
        raise SignetError("Access denied", code="ACCESS_DENIED", status_code=403)
    sha, name = payload["s"], payload.get("n", "document.pdf")
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, max-age=300",
    }
    path = state.store.local_path(sha)
    if path:
        return FileResponse(path, media_type="application/pdf", headers=headers)
    try:
        data = state.store.get(sha)
    except FileNotFoundError:
        raise SignetError("file_not_accessible", code="NOT_FOUND", status_code=404) from None
    return Response(data, media_type="application/pdf", headers=headers)
