"""PandaDoc: a document's fields. Positions are in PDF points from the page's top-left corner
(or the ``anchor_point`` corner); Signet stores them in percent of the page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import serializers as ser
from signet.api.pandadoc.common import body_of, errors_of, load, pandadoc_errors
from signet.api.pandadoc.convert import placements_in, renumber
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.kit.ids import parse_uuid
from signet.models import SigningRequest
from signet.signing.editing import spec_from_request, update_draft
from signet.signing.processing import placed_specs
from signet.signing.repository_reads import request_blob
from signet.signing.service import require_draft
from signet.signing.validation import check_draft

router = APIRouter(tags=["PandaDoc: fields"])


def _resolver(sr: SigningRequest):  # type: ignore[no-untyped-def]
    def resolve(assigned_to: str) -> str | None:
        key = assigned_to.strip()
        rid = parse_uuid(key)
        for r in sr.recipients:
            if r.id == rid or (r.role and r.role == key) or r.email.lower() == key.lower():
                return r.id
        return None

    return resolve


@router.get(
    "/documents/{document_id}/fields", response_model=sch.FieldsOut, responses=errors_of(401, 404)
)
def list_fields(document_id: str, auth: Auth, state: State) -> JSONBytes:
    """The document's fields with their values, assignees and layout (in points)."""
    with state.db.read() as session:
        sr = load(session, auth, document_id)
        body = sch.FieldsOut(fields=ser.fields_out(session, sr))
    return json_response(body)


@router.post(
    "/documents/{document_id}/fields",
    response_model=sch.FieldsOut,
    openapi_extra=body_of(sch.FieldsIn),
    responses=errors_of(400, 401, 404, 409),
)
async def create_fields(document_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Add fields to a draft. `layout.position.offset_x`/`offset_y` and `layout.style.width`/
    `height` are PDF points from `anchor_point` (default `topleft`); `assigned_to` is a
    recipient id, role or email. Returns the fields created."""
    body = await read_model(request, sch.FieldsIn)
    actor = auth.actor(request)

    def work() -> sch.FieldsOut:
        with transaction(state.db.write) as session:
            sr = load(session, auth, document_id, for_update=True)
            with pandadoc_errors(sr):
                require_draft(sr, action="add fields")
                problems: list[tuple[str, str]] = []
                placements = placements_in(body.fields, _resolver(sr), problems)
                blob = request_blob(session, sr)
                spec = spec_from_request(sr, steps_as_given=True)
                first_new = len(spec.fields)
                spec.fields += placed_specs(placements, blob.page_sizes if blob else [])
                more, _ = check_draft(spec, sr.page_count, test=sr.test)
                problems += renumber(more, placements, first_new)
                if problems:
                    raise ValidationFailed(problems)
                update_draft(session, state, sr, actor, spec, changed=["fields"])
            return sch.FieldsOut(fields=ser.fields_out(session, sr, sr.fields[first_new:]))

    return json_response(await run_in_threadpool(work))
