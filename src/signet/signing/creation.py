"""The one create pipeline of a signing request, for every face.

read the document → place anchor tags → check everything → store the PDF → create the draft.

Every problem found before the store is reported at once (400) and nothing is written. The
faces only read their body into a ``NewRequest`` and shape the answer. Where the creates really
differ, ``NewRequest`` says so instead of a face running steps of its own: the problems a face
found itself, whether a signer is required, anchor tags, fields given in PDF points, tags,
prefilled values, what a template's copy needs beyond its spec, and processing later
(PandaDoc's ``uploaded`` first). PandaDoc's signing orders ride in the spec
(``DraftSpec.steps_as_given``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from signet.errors import ValidationFailed
from signet.models import Blob, CustomFieldDefinition, SigningRequest
from signet.models.base import utcnow
from signet.pdf.inspect import PdfInfo
from signet.signing import identity, notify, processing, service, uploads
from signet.signing.anchors import AnchorResult, AnchorSpec, apply_anchor_tags, relabel
from signet.signing.documents import check_pdf, store_pdf
from signet.signing.prefill import apply_field_values, apply_tokens, as_text
from signet.signing.specs import Actor, DraftSpec
from signet.signing.validation import check_draft
from signet.signing.values import normalise_value
from signet.storage import BlobStore

Problems = list[tuple[str, str]]
# A PDF already stored (an upload), or checked and not stored yet (sent with the create).
Document = Blob | PdfInfo


@dataclass
class DocumentSource:
    """Where the create's PDF comes from: bytes (a face's, decoded, or a template's document
    with its placeholders filled), an upload's id (``signing.uploads``), a PDF already stored
    (a template's document), or none of these (no PDF yet, or none at all)."""

    pdf: bytes | None = None
    upload_id: str | None = None
    loc: str = "document"  # where a problem with the bytes is reported
    stored: Blob | None = None


@dataclass
class Prefill:
    """Values the draft starts with (see ``signing.prefill``)."""

    tokens: list[dict[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # field name → value
    assign: dict[str, str] = field(default_factory=dict)  # field name → recipient ref


@dataclass
class ProcessLater:
    """Create the draft ``uploaded`` and let ``signing.processing`` finish it in a job: fetch
    the PDF from ``url``, place the fields given in points, read the PDF's form fields."""

    url: str | None = None
    parse_form_fields: bool = False


@dataclass
class FromTemplate:
    """A copy of a template (``templates.using``): the spec already holds the template's
    recipients, fields and reminders merged with the overrides; this is what it cannot say."""

    template_id: str
    # Spec field index → the first value of an editable field, checked against the field's
    # type once it exists (``values.normalise_value``).
    values: dict[int, str] = field(default_factory=dict)
    # The template user each of the spec's reminders came from.
    reminder_users: list[str | None] = field(default_factory=list)
    # The template's custom field definitions, copied onto the request.
    custom_fields: list[CustomFieldDefinition] = field(default_factory=list)


@dataclass
class NewRequest:
    """A create, read from a face's body into domain terms."""

    spec: DraftSpec
    document: DocumentSource = field(default_factory=DocumentSource)
    # Problems the face found before the document (reported first), and while building the
    # spec (reported after the document's).
    problems: Problems = field(default_factory=list)
    spec_problems: Problems = field(default_factory=list)
    anchors: list[AnchorSpec] = field(default_factory=list)
    # Fields given in PDF points ({"index", "spec", "box"}, see ``processing.Pending``): placed
    # now when the PDF is known, else left for processing once it is fetched.
    placements: list[dict[str, Any]] = field(default_factory=list)
    # Points problems about the spec's fields back at the client's own field locations.
    relabel: Callable[[Problems], Problems] | None = None
    require_signer: bool = True
    tags: list[str] = field(default_factory=list)
    prefill: Prefill | None = None
    template: FromTemplate | None = None
    later: ProcessLater | None = None


@dataclass
class Created:
    request: SigningRequest
    warnings: list[str]


def create_request(
    session: Session,
    env: notify.Env,
    new: NewRequest,
    *,
    workspace_id: str,
    actor: Actor,
    test: bool = False,
) -> Created:
    """Check everything about ``new``, then store its PDF and create the draft (and queue its
    processing when ``new.later``); the caller owns the transaction. Raises
    ``ValidationFailed`` with every problem, nothing written."""
    spec, store = new.spec, env.store
    read = read_with_anchors(
        session,
        store,
        workspace_id=workspace_id,
        spec=spec,
        source=new.document,
        anchors=new.anchors,
        problems=new.problems,
        spec_problems=new.spec_problems,
    )
    document, problems, warnings = read.document, read.problems, read.warnings
    placements = new.placements
    if document is not None and placements:
        spec.fields = processing.placed_specs(placements, document.page_sizes)
        placements = []
    more, _ = check_draft(
        spec,
        document.page_count if document is not None else None,
        test=test,
        require_signer=new.require_signer,
    )
    more = relabel(more, read.origins)
    problems += new.relabel(more) if new.relabel else more
    problems += identity.settings_problems(env, spec.settings)
    if problems:
        raise ValidationFailed(problems)
    blob = store_document(session, store, document) if document is not None else None
    request, more_warnings = service.create_draft(
        session,
        env,
        workspace_id=workspace_id,
        actor=actor,
        spec=spec,
        blob=blob,
        test=test,
        require_signer=new.require_signer,
        template_id=new.template.template_id if new.template is not None else None,
    )
    _after_create(session, request, new, placements)
    session.flush()
    return Created(request, warnings + more_warnings)


def _after_create(
    session: Session, request: SigningRequest, new: NewRequest, placements: list[dict[str, Any]]
) -> None:
    """What a create asks for beyond the draft rules: what a template's copy keeps, tags,
    prefilled values, and the processing job, written in the same transaction as the draft."""
    if new.template is not None:
        _copy_template(session, request, new.template)
    ids = {s.ref: r.id for s, r in zip(new.spec.recipients, request.recipients, strict=True)}
    if new.tags:
        request.tags = list(new.tags)
    assigned: dict[str, str] = {}
    if new.prefill is not None:
        if new.prefill.tokens:
            apply_tokens(request, new.prefill.tokens)
        assigned = {name: ids[ref] for name, ref in new.prefill.assign.items()}
        if new.prefill.values or assigned:
            apply_field_values(request, new.prefill.values, assigned)
    if new.later is None:
        return
    values = new.prefill.values if new.prefill is not None else {}
    for p in placements:
        p["spec"]["recipient_ref"] = ids.get(p["spec"]["recipient_ref"] or "")
    first_signer = next((r.id for r in request.recipients if r.designation == "Signer"), None)
    processing.start(
        session,
        request,
        processing.Pending(
            url=new.later.url,
            placements=placements,
            parse_form_fields=new.later.parse_form_fields,
            form_assignments={
                name: {"recipient_id": assigned.get(name), "value": as_text(values.get(name))}
                for name in set(values) | set(assigned)
            },
            default_recipient_id=first_signer,
        ),
    )


def _copy_template(session: Session, request: SigningRequest, copy: FromTemplate) -> None:
    """The first values (400 when one does not suit its field), the reminders' template users
    and the custom field definitions of a template's copy."""
    problems: Problems = []
    for i, raw in copy.values.items():
        value, problem = normalise_value(request.fields[i], raw)
        if problem:
            problems.append((f"fields[{i}].value", problem))
        request.fields[i].value = value
    if problems:
        raise ValidationFailed(problems)
    for reminder, user_id in zip(request.reminders, copy.reminder_users, strict=True):
        reminder.template_user_id = user_id
    now = utcnow()
    for d in copy.custom_fields:
        session.add(
            CustomFieldDefinition(
                workspace_id=request.workspace_id,
                scope="signing_request",
                owner_id=request.id,
                field_name=d.field_name,
                field_label=d.field_label,
                is_preset=d.is_preset,
                preset_value=d.preset_value,
                copied_from_template=True,
                created_at=now,
                updated_at=now,
            )
        )


@dataclass
class ReadDocument:
    """A create's document once read, checked and anchored, and every problem found so far."""

    document: Document | None
    problems: Problems
    warnings: list[str]
    origins: dict[int, int]  # spec field index → anchor tag index (see ``anchors.relabel``)


def read_with_anchors(
    session: Session,
    store: BlobStore,
    *,
    workspace_id: str,
    spec: DraftSpec,
    source: DocumentSource,
    anchors: list[AnchorSpec],
    problems: Problems,
    spec_problems: Problems,
) -> ReadDocument:
    """The first steps of any create from a document, a request's or a template's: read the
    document, then add the anchor tags' fields to ``spec``. Problems come in a fixed order:
    ``problems`` (the face's, found first), the document's, ``spec_problems``, the tags'."""
    found = list(problems)
    document: Document | None = None
    try:
        document = read_document(session, workspace_id, source)
    except ValidationFailed as exc:
        found += exc.problems
    found += spec_problems
    warnings: list[str] = []
    origins: dict[int, int] = {}
    if document is not None and anchors:
        document, anchored = place_anchors(store, document, spec, anchors)
        found += anchored.problems
        warnings += anchored.warnings
        origins = anchored.origins
    return ReadDocument(document, found, warnings, origins)


def read_document(session: Session, workspace_id: str, source: DocumentSource) -> Document | None:
    """The PDF already stored, the upload's, or the given bytes checked (not stored yet), or
    None."""
    if source.stored is not None:
        return source.stored
    if source.upload_id is not None:
        return uploads.usable_blob(session, workspace_id, source.upload_id)
    if source.pdf is not None:
        return check_pdf(source.pdf, loc=source.loc)
    return None


def document_bytes(store: BlobStore, document: Document) -> bytes:
    return document.data if isinstance(document, PdfInfo) else store.get(document.sha256)


def place_anchors(
    store: BlobStore, document: Document, spec: DraftSpec, tags: list[AnchorSpec]
) -> tuple[Document, AnchorResult]:
    """Add the anchor tags' fields to ``spec``; the painted document replaces the original."""
    result = apply_anchor_tags(spec, document_bytes(store, document), tags)
    if result.pdf is not None:
        document = check_pdf(result.pdf)
    return document, result


def store_document(session: Session, store: BlobStore, document: Document) -> Blob:
    return document if isinstance(document, Blob) else store_pdf(session, store, document)
