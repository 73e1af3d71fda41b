"""``/files/{token}``: serve a stored PDF to whoever holds an unexpired signed link."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Literal

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from signet.api.deps import State
from signet.errors import SignetError
from signet.kit import signed_urls
from signet.kit.content_disposition import content_disposition
from signet.storage import BlobStore
from signet.storage.base import CHUNK

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
        "Content-Disposition": content_disposition("inline", name),
        "Cache-Control": "private, max-age=300",
    }
    try:
        return blob_response(state.store, sha, name, "inline", headers)
    except FileNotFoundError:
        raise SignetError("file_not_accessible", code="NOT_FOUND", status_code=404) from None


def blob_response(
    store: BlobStore,
    sha: str,
    name: str,
    disposition: Literal["attachment", "inline"],
    headers: dict[str, str],
) -> Response:
    """A stored PDF as a response: straight from the local disk when the store has a path, a
    redirect to a short-lived presigned URL when the S3 store allows them, else streamed in
    chunks (never held whole in memory). FileNotFoundError when the blob is absent."""
    path = store.local_path(sha)
    if path:
        return FileResponse(path, media_type="application/pdf", headers=headers)
    url = store.download_url(sha, name, disposition)
    if url:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    stream = store.open(sha)
    return StreamingResponse(_chunks(stream), media_type="application/pdf", headers=headers)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()
