"""PandaDoc's asynchronous creation (docs/compat/pandadoc.md#asynchronous-creation): a
document is created ``uploaded`` and the ``document.process`` job turns it into a ``draft``
moments later, or into ``error`` (with a ``signing_request.creation_failed`` event) when a
problem only shows then: the URL cannot be fetched, the fetched file is not a usable PDF, or the
fields do not fit it.

Problems visible at request time are refused there with a 400 and nothing stored; until the
job has run, changes to the document answer 409 (``require_processed``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from signet.audit.service import record_event
from signet.context import AppContext
from signet.db import transaction
from signet.jobs.queue import Claimed, enqueue
from signet.jobs.registry import job_handler
from signet.models import SigningRequest
from signet.models.base import utcnow
from signet.pdf.inspect import PdfInfo, PdfProblem, inspect_pdf
from signet.signing import notify, repository
from signet.signing.documents import store_pdf
from signet.signing.editing import spec_from_request
from signet.signing.form_fields import FormField, read_form_fields, strip_form
from signet.signing.geometry import PointBox, page_size, to_percent
from signet.signing.rows import field_from_spec
from signet.signing.specs import SYSTEM, FieldSpec
from signet.signing.states import RequestState
from signet.signing.transitions import AWAIT_PROCESSING, PROCESSED, PROCESSING_FAILED, transition
from signet.signing.url_fetch import FetchFailed, UrlRefused, fetch_pdf
from signet.signing.validation import check_draft

PROCESS_JOB = "document.process"


@dataclass
class Pending:
    """What the job still has to do for a new document."""

    url: str | None = None
    # Fields placed in points, known before the PDF is: {"spec": FieldSpec kwargs, "box": PointBox}.
    placements: list[dict[str, Any]] = field(default_factory=list)
    parse_form_fields: bool = False
    # Form field name → {"recipient_id": id | None, "value": str | None}.
    form_assignments: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_recipient_id: str | None = None


def start(session: Session, request: SigningRequest, pending: Pending) -> None:
    """Mark a just-created request ``uploaded`` and queue its processing."""
    transition(session, request, AWAIT_PROCESSING)
    enqueue(
        session,
        PROCESS_JOB,
        {"signing_request_id": request.id, **asdict(pending)},
        dedupe_key=f"process:{request.id}",
    )


def _no_retry(attempt: int, base: float) -> float | None:
    return base if attempt < 3 else None


@job_handler(PROCESS_JOB, retry=_no_retry)
def process_job(ctx: AppContext, job: Claimed) -> None:
    process(ctx, job.payload)


def placed_specs(placements: list[dict[str, Any]], page_sizes: list[Any]) -> list[FieldSpec]:
    """Fields placed in points → percent specs, with this PDF's page sizes (a missing page
    keeps its number so validation reports it)."""
    specs = []
    for item in placements:
        box = PointBox(**item["box"])
        size = page_size(page_sizes, box.page) or page_size(page_sizes, 1) or (612.0, 792.0)
        x, y, w, h = to_percent(box, size)
        specs.append(
            FieldSpec(
                **{**item["spec"], "page_number": box.page, "x": x, "y": y, "width": w, "height": h}
            )
        )
    return specs


def form_specs(found: list[FormField], pending: Pending) -> list[tuple[FieldSpec, str | None]]:
    """Form widgets → (spec, prefill); assigned by the data's ``fields{name:{role}}``, else the
    first signer; an unassigned widget with a value becomes read-only, one without is dropped."""
    specs = []
    for f in found:
        key = f.group or f.name
        assigned = pending.form_assignments.get(key, {})
        rid = assigned.get("recipient_id") or pending.default_recipient_id
        value = assigned.get("value") if assigned.get("value") is not None else f.value
        if rid is None and value in (None, ""):
            continue
        specs.append(
            (
                FieldSpec(
                    type=f.type,
                    page_number=f.page,
                    x=f.x,
                    y=f.y,
                    width=f.width,
                    height=f.height,
                    recipient_ref=rid,
                    read_only=rid is None,
                    read_only_value=value if rid is None else None,
                    name=f.name,
                    variable_name=key,
                    dropdown_options=f.options,
                    multi_group_id=f.group,
                    required=False,
                ),
                value if rid is not None else None,
            )
        )
    return specs


def _fetch(ctx: AppContext, url: str) -> PdfInfo:
    data = fetch_pdf(
        url, allow_private=ctx.settings.webhook_allow_private, limit=ctx.settings.max_upload_bytes
    )
    return inspect_pdf(data)


def process(ctx: AppContext, payload: dict[str, Any]) -> str | None:
    """Run the pending steps once; returns the document's state afterwards (also when it had
    already been processed), or None when the document is gone."""
    rid = payload["signing_request_id"]
    pending = Pending(**{k: v for k, v in payload.items() if k != "signing_request_id"})
    with ctx.db.read() as session:
        request = repository.find_request(session, rid)
        if request is None or request.state != RequestState.UPLOADED:
            return request.state if request is not None else None
        sha = request.document_sha256
    info: PdfInfo | None = None
    failure: str | None = None
    found: list[FormField] = []
    try:
        if pending.url:
            info = _fetch(ctx, pending.url)
        if pending.parse_form_fields:
            if info is not None:
                data = info.data
            else:
                assert sha is not None, "a document that is not fetched was stored at create"
                data = ctx.store.get(sha)
            found = read_form_fields(data)
            if found:
                info = inspect_pdf(strip_form(data))
    except (UrlRefused, FetchFailed) as exc:
        failure = f"The document could not be fetched from the URL: {exc}"
    except PdfProblem as exc:
        failure = str(exc)
    return _finish(ctx, rid, pending, info, found, failure)


def _finish(
    ctx: AppContext,
    rid: str,
    pending: Pending,
    info: PdfInfo | None,
    found: list[FormField],
    failure: str | None,
) -> str | None:
    with transaction(ctx.db.write) as session:
        request = repository.lock_request(session, rid)
        if request is None or request.state != RequestState.UPLOADED:
            return request.state if request is not None else None
        if failure is None and info is not None:
            stored = store_pdf(session, ctx.store, info)
            request.document_sha256, request.page_count = stored.sha256, stored.page_count
            request.settings = {**request.settings, "allow_editing_before_sending": True}
        blob = repository.find_blob(session, request.document_sha256)
        new: list[FieldSpec] = []
        prefills: list[str | None] = []
        if failure is None and blob is not None:
            from_form = form_specs(found, pending)
            new = placed_specs(pending.placements, blob.page_sizes) + [fs for fs, _ in from_form]
            prefills = [v for _, v in from_form]
            prefills[:0] = [None] * len(pending.placements)
            spec = spec_from_request(request)
            spec.fields += new
            problems, _ = check_draft(spec, blob.page_count, require_signer=False)
            if problems:
                failure = "The fields do not fit the document: " + "; ".join(
                    f"{loc}: {msg}" for loc, msg in problems[:10]
                )
        elif failure is None:
            failure = "The document has no file"
        if failure is not None:
            return _fail(session, ctx, request, failure)
        start_at = len(request.fields)
        for i, fs in enumerate(new):
            field = field_from_spec(fs, start_at + i, fs.recipient_ref)
            field.value = prefills[i]
            request.fields.append(field)
        transition(session, request, PROCESSED)
        request.updated_at = utcnow()
        record_event(
            session,
            request,
            "processed",
            SYSTEM,
            details={"document_sha256": request.document_sha256, "form_fields": len(found)},
        )
        notify.event(
            session,
            ctx,
            request,
            "signing_request.draft",
            previous_state=RequestState.UPLOADED.value,
        )
        return RequestState.DRAFT.value


def _fail(session: Session, ctx: AppContext, request: SigningRequest, reason: str) -> str:
    transition(session, request, PROCESSING_FAILED)
    request.updated_at = utcnow()
    record_event(session, request, "creation_failed", SYSTEM, details={"reason": reason})
    notify.event(session, ctx, request, "signing_request.creation_failed", reason=reason)
    return RequestState.ERROR.value
