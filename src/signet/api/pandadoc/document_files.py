"""PandaDoc: download a document (``/download``: the current PDF, or the final one once
completed) and its sealed final file (``/download-protected``)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from signet.api.deps import Auth, State
from signet.api.files import blob_response
from signet.api.openapi import checked_as
from signet.api.pandadoc.common import errors_of, load, not_ready
from signet.api.pandadoc.status import pandadoc_status
from signet.api.state import AppState
from signet.errors import SignetError, ValidationFailed
from signet.kit.content_disposition import content_disposition, download_name
from signet.models import SigningRequest
from signet.signing.partial_pdf import Watermark, completed_copy, current_pdf
from signet.signing.states import RequestState as S
from signet.signing.states import effective_state

router = APIRouter(tags=["PandaDoc: files"])

_PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The PDF",
    },
    202: {"description": "Not ready yet; retry after `Retry-After` seconds"},
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _pdf(data: bytes, name: str) -> Response:
    disposition = content_disposition("attachment", download_name(name))
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


def _stored_pdf(state: AppState, sha: str, name: str) -> Response:
    """A stored final file, served without a copy in memory (or redirected to the store)."""
    filename = download_name(name)
    headers = {"Content-Disposition": content_disposition("attachment", filename)}
    return blob_response(state.store, sha, filename, "attachment", headers)


def _later(seconds: int = 5) -> Response:
    return Response(status_code=202, headers={"Retry-After": str(seconds)})


def _watermark(
    text: str | None, color: str | None, size: int | None, opacity: float | None
) -> Watermark | None:
    problems = []
    if color is not None and not _COLOR.match(color):
        problems.append(("watermark_color", "must be a hex color such as #FF5733"))
    if size is not None and not 6 <= size <= 200:
        problems.append(("watermark_font_size", "must be between 6 and 200"))
    if opacity is not None and not 0 <= opacity <= 1:
        problems.append(("watermark_opacity", "must be between 0 and 1"))
    if problems:
        raise ValidationFailed(problems)
    if not text:
        return None
    return Watermark(
        text=text[:200],
        color=color or "#7f7f7f",
        font_size=size or 48,
        opacity=0.25 if opacity is None else opacity,
    )


def _refuse(sr: SigningRequest) -> SignetError:
    return SignetError(
        f"Document is in {pandadoc_status(sr)} status",
        code="INVALID_STATE",
        extra={"pandadoc_type": "validation_error"},
    )


@router.get(
    "/documents/{document_id}/download",
    response_class=Response,
    responses={**_PDF, **errors_of(400, 401, 404, 409, 429)},
)
async def download(
    document_id: str,
    auth: Auth,
    state: State,
    watermark_text: str | None = None,
    watermark_color: str | None = Query(
        None,
        description="Hex, e.g. #FF5733",
        json_schema_extra=checked_as({"type": "string", "pattern": _COLOR.pattern}),
    ),
    watermark_font_size: int | None = Query(
        None, json_schema_extra=checked_as({"type": "integer", "minimum": 6, "maximum": 200})
    ),
    watermark_opacity: float | None = Query(
        None,
        description="0 to 1",
        json_schema_extra=checked_as({"type": "number", "minimum": 0, "maximum": 1}),
    ),
    separate_files: bool | None = None,
) -> Response:
    """The document as a PDF: the sealed final file once completed (202 with `Retry-After`
    while it is being sealed; a watermark gives an unsealed copy), before that the current
    values on the original, marked "IN PROGRESS"."""
    del separate_files  # a document is always one PDF
    mark = _watermark(watermark_text, watermark_color, watermark_font_size, watermark_opacity)

    def work() -> Response:
        with state.db.read() as session:
            sr = load(session, auth, document_id)
            state_now = effective_state(sr)
            if state_now == S.UPLOADED:
                raise not_ready(sr)
            if state_now == S.ERROR or sr.document_sha256 is None:
                raise _refuse(sr)
            if state_now == S.COMPLETED:
                if not sr.final_sha256:
                    return _later()
                if mark is None:
                    return _stored_pdf(state, sr.final_sha256, sr.name)
                return _pdf(completed_copy(state.store, sr, mark), sr.name)
            return _pdf(current_pdf(state.store, sr, mark), sr.name)

    return await run_in_threadpool(work)


@router.get(
    "/documents/{document_id}/download-protected",
    response_class=Response,
    responses={**_PDF, **errors_of(400, 401, 404, 429)},
)
def download_protected(
    document_id: str, auth: Auth, state: State, separate_files: bool | None = None
) -> Response:
    """The sealed final PDF of a completed document, with its certificate of completion.
    202 with `Retry-After: 5` while it is being sealed; 400 before completion."""
    del separate_files
    with state.db.read() as session:
        sr: Any = load(session, auth, document_id)
        if effective_state(sr) != S.COMPLETED:
            raise _refuse(sr)
        if not sr.final_sha256:
            return _later()
        sha, name = sr.final_sha256, sr.name
    return _stored_pdf(state, sha, name)
