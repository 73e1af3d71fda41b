"""PandaDoc: ``GET /public/v1/documents``, the document list with its filters."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from signet.api.deps import Auth, State
from signet.api.openapi import checked_as
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import serializers as ser
from signet.api.pandadoc.common import errors_of
from signet.api.pandadoc.status import STATUS_NAMES, parse_status_code
from signet.api.responses import JSONBytes, json_response
from signet.errors import ValidationFailed
from signet.kit.ids import parse_uuid
from signet.kit.timefmt import parse_time
from signet.signing.repository_search import ORDER_COLUMNS, DocumentQuery, search
from signet.signing.states import RequestState

router = APIRouter(tags=["PandaDoc: documents"])

_DATES = (
    "created_from",
    "created_to",
    "modified_from",
    "modified_to",
    "completed_from",
    "completed_to",
)


def _int(
    raw: str | None, loc: str, default: int, low: int, high: int, problems: list[tuple[str, str]]
) -> int:
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit():
        problems.append((loc, "A valid integer is required."))
        return default
    value = int(raw)
    if not low <= value <= high:
        problems.append((loc, f"Ensure this value is between {low} and {high}."))
        return default
    return value


def _metadata(request: Request) -> dict[str, str]:
    """``metadata_<key>=<value>`` parameters; the official SDK sends them as values of a
    repeated ``metadata`` parameter, which is accepted too."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k.startswith("metadata_")]
    for raw in request.query_params.getlist("metadata"):
        key, sep, value = raw.partition("=")
        if sep:
            pairs.append((key, value))
    return {k.removeprefix("metadata_"): v for k, v in pairs}


def parse_query(request: Request) -> DocumentQuery:
    params = request.query_params
    problems: list[tuple[str, str]] = []
    q = DocumentQuery()
    q.count = _int(params.get("count"), "count", 50, 1, 100, problems)
    q.page = _int(params.get("page"), "page", 1, 1, 10**6, problems)
    for key in ("status", "status__ne"):
        if params.get(key) not in (None, ""):
            try:
                setattr(q, key.replace("__", "_"), parse_status_code(params[key], key))
            except ValidationFailed as exc:
                problems.extend(exc.problems)
    for key in _DATES:
        if params.get(key):
            try:
                value = parse_time(params[key])
            except ValueError:
                problems.append((key, "Enter a valid ISO 8601 date or time."))
                continue
            if key.startswith("created"):
                setattr(
                    q.base, "created_after" if key.endswith("from") else "created_before", value
                )
            else:
                setattr(q, key, value)
    order_by = params.get("order_by") or "-date_created"
    if order_by.lstrip("-") not in ORDER_COLUMNS:
        problems.append(("order_by", "value is not a valid choice."))
    q.order_by = order_by
    if params.get("q"):
        term = params["q"].strip()
        canonical = parse_uuid(term)
        if canonical:
            q.document_id = canonical
        else:
            q.base.name = term
    for key, attr in (("id", "document_id"), ("template_id", "template_id")):
        if params.get(key):
            canonical = parse_uuid(params[key])
            setattr(q, attr, canonical)
            q.nothing |= canonical is None
    if (params.get("deleted") or "").lower() in ("true", "1"):
        q.base.states = {RequestState.DELETED}
    # Contacts are not stored yet, so no document can match a contact id.
    q.nothing |= bool(params.get("contact_id"))
    q.tag = params.get("tag") or None
    q.base.metadata = _metadata(request)
    if problems:
        raise ValidationFailed(problems)
    return q


# What parse_status_code accepts: an integer code, or its `document.*` name.
_STATUS = {
    "anyOf": [
        {"type": "integer", "enum": sorted(STATUS_NAMES)},
        {"type": "string", "enum": sorted(STATUS_NAMES.values())},
    ]
}


@router.get("/documents", response_model=sch.ListOut, responses=errors_of(400, 401, 429))
def list_documents(
    request: Request,
    auth: Auth,
    state: State,
    q: str | None = Query(None, description="Part of the name, or a document id"),
    status: str | None = Query(
        None, description="Integer status, e.g. 0 draft, 2 completed", json_schema_extra=_STATUS
    ),
    status__ne: str | None = Query(
        None, description="Exclude this integer status", json_schema_extra=_STATUS
    ),
    tag: str | None = None,
    count: str | None = Query(
        None,
        description="1–100, default 50",
        json_schema_extra=checked_as({"type": "integer", "minimum": 1, "maximum": 100}),
    ),
    page: str | None = Query(
        None,
        description="1-based page",
        json_schema_extra=checked_as({"type": "integer", "minimum": 1, "maximum": 10**6}),
    ),
    order_by: str | None = Query(
        None,
        description="e.g. date_created or -date_modified",
        json_schema_extra=checked_as(
            {"type": "string", "enum": [p + c for c in ORDER_COLUMNS for p in ("", "-")]}
        ),
    ),
) -> JSONBytes:
    """List documents, newest first by default. Filters: `q`, `id`, `template_id`, `tag`,
    `metadata_<key>=<value>`, `status` / `status__ne` (integer codes), `created_from`/`_to`,
    `modified_from`/`_to`, `completed_from`/`_to` (from inclusive, to exclusive), `deleted=true`
    (only deleted documents). Pages hold `count` items; stop at a short page."""
    del q, status, status__ne, tag, count, page, order_by  # parsed from the raw query below
    query = parse_query(request)
    with state.db.read() as session:
        rows = search(session, auth.workspace_id, query)
        body = sch.ListOut(results=[ser.list_item_out(r) for r in rows])
    return json_response(body)
