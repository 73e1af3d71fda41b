"""PandaDoc: ``POST /public/v1/documents/{id}/session`` — an embedded signing session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.input_model import InputModel
from signet.api.openapi import PandaDocErrorOut
from signet.api.pandadoc.common import pandadoc_errors
from signet.api.pandadoc.status import PANDADOC_STATUS
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.kit.timefmt import pandadoc_time
from signet.signing import repository
from signet.signing.sessions import SessionRefused, create_session

router = APIRouter(tags=["PandaDoc: documents"])


class DocumentCreateLinkRequest(InputModel):
    recipient: str = Field(description="Email address of the recipient who will sign")
    lifetime: float = Field(
        default=3600, description="Seconds the link stays valid (60 – 31,536,000)"
    )


class DocumentCreateLinkResponse(BaseModel):
    id: str = Field(description="The session id; open /s/{id} to sign")
    expires_at: str


@router.post(
    "/documents/{document_id}/session",
    status_code=201,
    response_model=DocumentCreateLinkResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/DocumentCreateLinkRequest"}
                }
            },
        }
    },
    responses={
        400: {"model": PandaDocErrorOut},
        401: {"model": PandaDocErrorOut},
        404: {"model": PandaDocErrorOut},
    },
)
async def create_document_session(
    document_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Create a session for a recipient to view and sign a sent document inside your app:
    frame `{base}/s/{id}`. The page posts `session_view.document.loaded`, `…completed` and
    `…exception` messages to its parent window. A draft answers 400."""
    body = await read_model(request, DocumentCreateLinkRequest)
    actor = auth.actor(request)

    def work() -> DocumentCreateLinkResponse:
        with transaction(state.db.write) as session:
            sr = repository.get_request(session, auth.workspace_id, document_id, for_update=True)
            with pandadoc_errors(sr):
                try:
                    token, row = create_session(session, sr, body.recipient, body.lifetime, actor)
                except SessionRefused as exc:
                    detail = (
                        "Cannot create session ID for a document in "
                        f"{PANDADOC_STATUS[exc.state]} status"
                    )
                    raise ValidationFailed(
                        [("", detail)],
                        extra={"pandadoc_body": {"type": "validation_error", "detail": detail}},
                    ) from None
            return DocumentCreateLinkResponse(
                id=token, expires_at=pandadoc_time(row.expires_at) or ""
            )

    return json_response(await run_in_threadpool(work), 201)
