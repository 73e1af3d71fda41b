"""Create a PandaDoc document: the shared part of the upload, URL and template routes.

The body is read into the domain's ``NewRequest``; ``signing.creation`` checks everything
visible at request time and reports it at once (400, nothing stored), then creates the
document ``uploaded`` and queues its processing (``signing.processing``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signet.api.auth import AuthContext
from signet.api.pandadoc import schemas as sch
from signet.api.pandadoc import verification
from signet.api.pandadoc.convert import (
    Recipients,
    metadata_in,
    placements_in,
    recipients_in,
    renumber,
    values_in,
)
from signet.api.pandadoc.serializers import created_out
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import ValidationFailed
from signet.signing import creation
from signet.signing.creation import DocumentSource
from signet.signing.prefill import as_text
from signet.signing.specs import Actor, DraftSpec

INFO_MESSAGE = (
    "The document is being processed. Poll GET /public/v1/documents/{id} until its "
    "status is document.draft before changing or sending it."
)


def _resolver(rec: Recipients) -> Any:
    by_email = {s.email.lower(): s.ref for s in rec.specs if s.email}

    def resolve(assigned_to: str) -> str | None:
        key = assigned_to.strip()
        return (
            rec.by_role.get(key)
            or by_email.get(key.lower())
            or (key if any(s.ref == key for s in rec.specs) else None)
        )

    return resolve


def create_document(
    state: AppState,
    auth: AuthContext,
    actor: Actor,
    body: sch.DocumentCreateIn,
    *,
    document: DocumentSource,
    url: str | None,
    default_name: str,
    problems: list[tuple[str, str]],
) -> sch.DocumentCreatedOut:
    """Check everything, then create the document ``uploaded`` and queue its processing."""
    spec_problems: list[tuple[str, str]] = []
    rec = recipients_in(body.recipients, spec_problems, sms_available=bool(state.settings.sms_url))
    metadata = metadata_in(body.metadata, spec_problems)
    placements: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    assign: dict[str, str] = {}
    if isinstance(body.fields, list):
        placements = placements_in(body.fields, _resolver(rec), spec_problems)
    elif isinstance(body.fields, dict):
        values, assign = values_in(body.fields, rec.by_role, spec_problems)
    for i, tag in enumerate(body.tags):
        if not tag.strip() or len(tag) > 255:
            spec_problems.append((f"tags[{i}]", "tags are 1 to 255 characters"))
    for spec, order in zip(rec.specs, rec.orders, strict=True):
        # An order below 1 is already reported as its signing_order (``check_orders``).
        if order is not None and order >= 1:
            spec.order = order
    settings: dict[str, Any] = {"use_signing_order": rec.use_signing_order}
    if body.signature_per_signer:
        settings["signature_per_signer"] = True
    new = creation.NewRequest(
        spec=DraftSpec(
            name=(body.name or "").strip() or default_name,
            settings=settings,
            metadata=metadata,
            recipients=rec.specs,
            steps_as_given=True,
        ),
        document=document,
        problems=problems,
        spec_problems=spec_problems,
        placements=placements,
        relabel=lambda more: renumber(more, placements),
        require_signer=False,
        tags=[t.strip() for t in body.tags],
        prefill=creation.Prefill(
            tokens=[{"name": t.name, "value": as_text(t.value) or ""} for t in body.tokens],
            values=values,
            assign=assign,
        ),
        later=creation.ProcessLater(url=url, parse_form_fields=body.parse_form_fields),
    )
    with transaction(state.db.write) as session:
        created = creation.create_request(
            session,
            state,
            new,
            workspace_id=auth.workspace_id,
            actor=actor,
            test=auth.test,
        )
        _apply_checks(session, state, created.request, rec)
        return created_out(created.request, INFO_MESSAGE)


def _apply_checks(session: Session, state: AppState, sr: Any, rec: Any) -> None:
    """Store each recipient's verification_settings (matched by email, then first unused)."""
    used: set[str] = set()
    for spec, checks in zip(rec.specs, rec.checks, strict=True):
        if not checks:
            continue
        target = next(
            (
                r
                for r in sr.recipients
                if r.id not in used and r.email.lower() == spec.email.lower()
            ),
            None,
        )
        if target is not None:
            used.add(target.id)
            verification.apply(session, state, sr, target, checks)


def create_from_template(
    state: AppState, auth: AuthContext, actor: Actor, body: sch.DocumentCreateIn
) -> sch.DocumentCreatedOut:
    """A document from a template: recipients take template roles by ``role`` (case-sensitive;
    no role adds a CC), ``tokens`` and ``fields{name:{value, role}}`` fill it in."""
    from signet.templates.service import draft_from_template

    problems: list[tuple[str, str]] = []
    rec = recipients_in(
        body.recipients,
        problems,
        role_may_supply_email=True,
        sms_available=bool(state.settings.sms_url),
    )
    metadata = metadata_in(body.metadata, problems)
    if isinstance(body.fields, list):
        problems.append(("fields", "for a template, give an object of field name → {value}"))
    if problems:
        raise ValidationFailed(problems)
    tokens = {t.name: as_text(t.value) or "" for t in body.tokens}
    with transaction(state.db.write) as session:
        sr, _ = draft_from_template(
            session,
            state,
            workspace_id=auth.workspace_id,
            template_id=body.template_uuid or "",
            recipients=rec.specs,
            tokens=tokens,
            field_values=body.fields if isinstance(body.fields, dict) else None,
            metadata=metadata,
            name=(body.name or "").strip() or None,
            tags=[t.strip() for t in body.tags],
            actor=actor,
            test=auth.test,
            keep_tokens=True,
            process_later=True,
        )
        if body.signature_per_signer:
            sr.settings = {**(sr.settings or {}), "signature_per_signer": True}
        _apply_checks(session, state, sr, rec)
        return created_out(sr, INFO_MESSAGE)
