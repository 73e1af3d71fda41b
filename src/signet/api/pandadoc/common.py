"""Small helpers every PandaDoc route shares: optional JSON bodies, loading a document, and
turning domain state refusals into PandaDoc's shapes (409 ``{id, status, info_message}`` while
a document is processed; ``validation_error`` for other state refusals)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.body import parse_body, read_body
from signet.api.pandadoc.status import pandadoc_status
from signet.errors import Conflict, NotFound, SignetError, ValidationFailed
from signet.kit.ids import parse_uuid, short_id
from signet.models import Recipient, SigningRequest
from signet.signing import repository
from signet.signing.service import NOT_READY_MESSAGE, NotReady

M = TypeVar("M", bound=BaseModel)

_ERROR_TEXT = {
    400: "Bad request",
    401: "Authentication error",
    403: "Permission error",
    404: "Not found",
    429: "Throttled",
    501: "Not implemented in Signet",
}


def errors_of(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for PandaDoc's error shapes."""
    from signet.api.pandadoc.schemas import NotReadyOut, PandaDocErrorOut

    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 409:
            out[code] = {
                "model": NotReadyOut,
                "description": "The document is still being processed",
            }
        else:
            out[code] = {"model": PandaDocErrorOut, "description": _ERROR_TEXT[code]}
    return out


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def body_of(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """An OpenAPI request body for a model the route parses itself (inlined schema)."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


async def optional_body(request: Request, model: type[M]) -> M:
    raw = await read_body(request, request.app.state.signet.settings.max_json_body_bytes)
    return await parse_body(raw if raw.strip() else b"{}", model)


def load(
    session: Session, auth: AuthContext, document_id: str, *, for_update: bool = False
) -> SigningRequest:
    return repository.get_request(session, auth.workspace_id, document_id, for_update=for_update)


def recipient_of(sr: SigningRequest, recipient_id: str) -> Recipient:
    rid = parse_uuid(recipient_id)
    found = next((r for r in sr.recipients if r.id == rid), None)
    if found is None:
        raise NotFound("Recipient not found")
    return found


def not_ready(sr: SigningRequest) -> Conflict:
    return Conflict(
        NOT_READY_MESSAGE,
        code="DOCUMENT_NOT_READY",
        extra={
            "pandadoc_body": {
                "id": short_id(sr.id),
                "status": pandadoc_status(sr),
                "info_message": NOT_READY_MESSAGE,
            }
        },
    )


@contextmanager
def pandadoc_errors(sr: SigningRequest | None = None) -> Iterator[None]:
    """Run a domain action and show its refusals the way PandaDoc does."""
    try:
        yield
    except NotReady:
        if sr is None:
            raise
        raise not_ready(sr) from None
    except ValidationFailed:
        raise
    except SignetError as exc:
        if exc.status_code in (400, 409) and "pandadoc_body" not in exc.extra:
            exc.extra.setdefault("pandadoc_type", "validation_error")
        raise
