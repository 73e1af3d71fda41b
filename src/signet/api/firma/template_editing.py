"""Firma: PATCH (one kind of change at a time) and PUT (everything at once) on a template.

Both describe the template as a spec, change it, and let the domain check the whole result, so
every edit is all or nothing (Signet's choice; upstream's PUT is not atomic).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext
from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.firma import pdf_input
from signet.api.firma import schemas_in as fin
from signet.api.firma import template_schemas as t
from signet.api.firma import template_serializers as ser
from signet.api.firma.convert import recipient_spec
from signet.api.firma.editing import apply_properties, field_as_input
from signet.api.firma.template_convert import template_field_spec, template_reminder_spec
from signet.api.openapi import body_of, errors_of
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import NotFound, ValidationFailed
from signet.kit.links import ONE_HOUR
from signet.models import Template
from signet.pdf.anchors import token_names
from signet.signing.specs import DraftSpec, RecipientSpec
from signet.signing.validation import normalise_designation
from signet.templates import repository, service

router = APIRouter(tags=["Templates"])
Problems = list[tuple[str, str]]


def _document(
    session: Session,
    state: AppState,
    auth: AuthContext,
    template: Template,
    props: dict[str, Any],
    actor: Any,
) -> list[str]:
    """A new document among the properties replaces the PDF (same pages, ±1 pt)."""
    if not props.get("document") and not props.get("document_id"):
        return []
    document = pdf_input.resolve_pdf(
        session, state, auth, document=props.get("document"), document_id=props.get("document_id")
    )
    assert document is not None
    blob = pdf_input.store(session, state, document)
    service.replace_document(
        session, state, template, actor, blob, token_names(pdf_input.pdf_bytes(state, document))
    )
    return ["document"]


def _user_update(
    current: RecipientSpec, uin: t.TemplateUserIn, loc: str, problems: Problems
) -> None:
    fresh = recipient_spec(uin)
    fresh.role = uin.role
    was_cc = normalise_designation(current.designation) == "CC"
    if "designation" in uin.model_fields_set and (
        (normalise_designation(uin.designation) == "CC") != was_cc
    ):
        problems.append(
            (
                f"{loc}.designation",
                "a CC cannot become a Signer or Approver (or "
                "back); delete the user and add a new one",
            )
        )
    for attr in uin.model_fields_set - {"id", "template_user_id"}:
        if hasattr(current, attr):
            setattr(current, attr, getattr(fresh, attr))


def _new_user(uin: t.TemplateUserIn, ref: str) -> RecipientSpec:
    spec = recipient_spec(uin, ref=ref)
    spec.role = uin.role
    return spec


def _field_upsert(
    spec: DraftSpec, fin_: t.TemplateFieldIn, loc: str, problems: Problems
) -> str | None:
    """Apply one field change to ``spec``; returns the field's ref (None for a new one)."""
    if fin_.id and not fin_.id.startswith("temp_"):
        idx = next((i for i, f in enumerate(spec.fields) if f.ref == fin_.id), None)
        if idx is None:
            problems.append((f"{loc}.id", "unknown field"))
            return None
        if fin_.deleted:
            del spec.fields[idx]
            return None
        merged = {**field_as_input(spec.fields[idx]), **fin_.model_dump(exclude_unset=True)}
        if "position" in fin_.model_fields_set:
            for key in ("x", "y", "width", "height"):
                merged.pop(key, None)
        else:
            merged.pop("position", None)
        fs = template_field_spec(t.TemplateFieldIn.model_validate(merged), loc, problems)
        if fs is not None:
            fs.ref = fin_.id
            spec.fields[idx] = fs
        return fin_.id
    fs = template_field_spec(fin_, loc, problems)
    if fs is not None:
        fs.ref = fin_.id if fin_.id else None
        spec.fields.append(fs)
    return None


@router.patch(
    "/templates/{template_id}",
    response_model=t.TemplatePatchResponse,
    responses=errors_of(400, 401, 404),
    openapi_extra=body_of(t.TemplatePatch),
)
async def patch_template(template_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Change a template: exactly one of its properties (a new `document` must have the same
    pages), one `user` (no `id` → added), or one `field` (flat `x, y, width, height, page`,
    `assigned_to_user_id`; no `id` → added; `{id, deleted: true}` removes it)."""
    body = await read_model(request, t.TemplatePatch)
    sent = body.model_fields_set
    props = {
        k: getattr(body, k)
        for k in (*fin.PATCH_PROPERTY_KEYS, "document", "document_id", "tags")
        if k in sent
    }
    # A part sent as null is not given: `{"field": null}` alone names nothing to change.
    if sum([bool(props), body.user is not None, body.field is not None]) != 1:
        raise ValidationFailed([("body", "give exactly one of: properties, user, field")])
    actor = auth.actor(request)

    def work() -> t.TemplatePatchResponse:
        with transaction(state.db.write) as session:
            template = repository.get_template(
                session, auth.workspace_id, template_id, for_update=True
            )
            spec = service.spec_from_template(template)
            problems: Problems = []
            if props:
                changed = _document(session, state, auth, template, props, actor)
                changed += apply_properties(spec, props, problems)
                if "tags" in props:
                    template.tags = list(props["tags"] or [])
                    changed.append("tags")
                if problems:
                    raise ValidationFailed(problems)
                service.update_template(
                    session, state, template, actor, spec, changed=changed, test=auth.test
                )
                return t.TemplatePatchResponse(
                    message="Template updated successfully", updated_fields=changed
                )
            if body.user is not None:
                uin = body.user
                if uin.id and not uin.id.startswith("temp_"):
                    current = next((r for r in spec.recipients if r.ref == uin.id), None)
                    if current is None:
                        raise NotFound("Template user not found")
                    _user_update(current, uin, "user", problems)
                    ref = uin.id
                else:
                    ref = uin.id or "temp_patch_new"
                    spec.recipients.append(_new_user(uin, ref))
                if problems:
                    raise ValidationFailed(problems)
                created, _ = service.update_template(
                    session, state, template, actor, spec, changed=["user"], test=auth.test
                )
                user = next(u for u in template.users if u.id == created.get(ref, ref))
                return t.TemplatePatchResponse(
                    message="User saved", updated_fields=[], user=ser.user_out(template, user)
                )
            assert body.field is not None
            count = len(spec.fields)
            target = _field_upsert(spec, body.field, "field", problems)
            if problems:
                raise ValidationFailed(problems)
            added = len(spec.fields) > count
            service.update_template(
                session,
                state,
                template,
                actor,
                spec,
                changed=["field"],
                test=auth.test,
                field_added=added,
            )
            if body.field.deleted:
                return t.TemplatePatchResponse(message="Field deleted", updated_fields=[])
            f = (
                next(x for x in template.fields if x.id == target)
                if target and not added
                else template.fields[-1]
            )
            return t.TemplatePatchResponse(
                message="Field saved", updated_fields=[], field=ser.field_out(f)
            )

    return json_response(await run_in_threadpool(work))


def _put_users(spec: DraftSpec, body: t.TemplatePut, problems: Problems) -> set[str]:
    """Upsert and delete users; returns the refs of deleted users (their reminders go too)."""
    deleted: set[str] = set()
    for i, uin in enumerate(body.users or []):
        if uin.id and not uin.id.startswith("temp_"):
            current = next((r for r in spec.recipients if r.ref == uin.id), None)
            if current is None:
                problems.append((f"users[{i}].id", "unknown user"))
            else:
                _user_update(current, uin, f"users[{i}]", problems)
        else:
            spec.recipients.append(_new_user(uin, uin.id or f"temp_put_{i}"))
    for i, d in enumerate(body.deleted_users):
        loc = f"deleted_users[{i}]"
        cur = next((r for r in spec.recipients if r.ref == d.user_id), None)
        if cur is None:
            problems.append((f"{loc}.user_id", "unknown user"))
            continue
        if d.field_action == "reassign":
            to = next((r for r in spec.recipients if r.ref == d.reassign_to_user_id), None)
            if (
                to is None
                or to is cur
                or (normalise_designation(to.designation) != normalise_designation(cur.designation))
            ):
                problems.append(
                    (
                        f"{loc}.reassign_to_user_id",
                        "must name another user of the template with the same designation",
                    )
                )
                continue
            for f in spec.fields:
                if f.recipient_ref == cur.ref:
                    f.recipient_ref = to.ref
        elif d.field_action == "delete":
            spec.fields = [f for f in spec.fields if f.recipient_ref != cur.ref]
        else:
            problems.append((f"{loc}.field_action", "must be delete or reassign"))
            continue
        deleted.add(cur.ref or "")
        spec.recipients.remove(cur)
    return deleted


def _drop_dangling_conditions(spec: DraftSpec) -> None:
    """force_remove_conditions: conditions on fields that no longer exist are removed."""
    refs = {f.ref for f in spec.fields if f.ref}
    for f in spec.fields:
        for attr in ("required_conditions", "visibility_conditions"):
            block = getattr(f, attr)
            if not block:
                continue
            groups = [
                {
                    **g,
                    "conditions": [c for c in g.get("conditions", []) if c.get("field_id") in refs],
                }
                for g in block.get("groups", [])
            ]
            groups = [g for g in groups if g["conditions"]]
            setattr(f, attr, {**block, "groups": groups} if groups else None)


def _put_reminders(spec: DraftSpec, body: t.TemplatePut, problems: Problems) -> None:
    """Apply the PUT's reminders to ``spec``: by id an update or a deletion, else an addition."""
    for i, min_ in enumerate(body.reminders or []):
        at = next((k for k, m in enumerate(spec.reminders) if m.ref and m.ref == min_.id), None)
        if min_.id and at is None:
            problems.append((f"reminders[{i}].id", "unknown reminder"))
            continue
        if min_.deleted:
            if at is not None:
                del spec.reminders[at]
            continue
        ms = template_reminder_spec(min_, f"reminders[{i}]", problems)
        if ms is None:
            continue
        if at is None:
            spec.reminders.append(ms)
        else:
            ms.ref = min_.id
            spec.reminders[at] = ms


@router.put(
    "/templates/{template_id}",
    response_model=t.TemplateOut,
    responses=errors_of(400, 401, 404),
    openapi_extra=body_of(t.TemplatePut),
)
async def put_template(template_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Change a template's properties, users (`deleted_users` with `field_action` delete or
    reassign), fields and reminders in one all-or-nothing call. New users carry a `temp_*` id
    that new fields may reference."""
    body = await read_model(request, t.TemplatePut)
    actor = auth.actor(request)

    def work() -> t.TemplateOut:
        with transaction(state.db.write) as session:
            template = repository.get_template(
                session, auth.workspace_id, template_id, for_update=True
            )
            spec = service.spec_from_template(template)
            problems: Problems = []
            props = dict(body.template_properties or {})
            changed = _document(session, state, auth, template, props, actor)
            changed += apply_properties(spec, props, problems, "template_properties.")
            if "tags" in props:
                template.tags = [str(x) for x in props["tags"] or []]
            gone = _put_users(spec, body, problems)
            for i, fin_ in enumerate(body.fields or []):
                _field_upsert(spec, fin_, f"fields[{i}]", problems)
            if body.force_remove_conditions:
                _drop_dangling_conditions(spec)
            _put_reminders(spec, body, problems)
            spec.reminders = [m for m in spec.reminders if m.recipient_ref not in gone]
            if problems:
                raise ValidationFailed(problems)
            service.update_template(
                session,
                state,
                template,
                actor,
                spec,
                changed=changed or ["put"],
                test=auth.test,
            )
            return ser.template_out(state, template, ONE_HOUR)

    return json_response(await run_in_threadpool(work))
