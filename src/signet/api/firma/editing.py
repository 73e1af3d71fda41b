"""Firma: PATCH (one kind of change at a time) and PUT (everything at once) on a draft."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from signet.api.body import read_model
from signet.api.deps import Auth, State
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.api.firma.convert import field_spec, recipient_spec, reminder_spec
from signet.api.openapi import body_of, errors_of
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.errors import NotFound, NotImplementedRoute, ValidationFailed
from signet.signing import repository, service
from signet.signing.editing import spec_from_request, update_draft
from signet.signing.specs import DraftSpec
from signet.signing.validation import check_draft

router = APIRouter(tags=["Signing requests"])


def apply_properties(
    spec: DraftSpec, props: dict[str, Any], problems: list[tuple[str, str]], loc: str = ""
) -> list[str]:
    changed = []
    for key, value in props.items():
        if value is None and key not in ("description",):
            continue
        if key == "name":
            spec.name = value if isinstance(value, str) else ""
        elif key == "description":
            spec.description = value
        elif key == "expiration_hours":
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append((f"{loc}expiration_hours", "must be an integer"))
                continue
            spec.expiration_hours = value
        elif key == "settings":
            if not isinstance(value, dict):
                problems.append((f"{loc}settings", "must be an object"))
                continue
            spec.settings = {**spec.settings, **value}
        elif key == "language":
            spec.language = str(value)
        elif key == "metadata":
            if not isinstance(value, dict):
                problems.append((f"{loc}metadata", "must be an object"))
                continue
            spec.metadata = dict(value)
        elif key.startswith("completion_"):
            spec.settings = {**spec.settings, key: value}
        else:
            continue
        changed.append(key)
    return changed


@router.patch(
    "/signing-requests/{signing_request_id}",
    openapi_extra=body_of(fin.SigningRequestPatch),
    responses={
        200: {
            "description": "Properties → `{message, updated_fields, signing_request}`; "
            "recipient → `{message, recipient}`; field → `{message, field}`",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/PatchPropertiesResponse"},
                            {"$ref": "#/components/schemas/PatchRecipientResponse"},
                            {"$ref": "#/components/schemas/PatchFieldResponse"},
                        ]
                    }
                }
            },
        },
        **errors_of(400, 401, 404, 409, 501),
    },
)
async def patch_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Change a draft: exactly one of its properties, one `recipient` (no `id` → added), or one
    `field` (`{id, deleted: true}` removes it)."""
    body = await read_model(request, fin.SigningRequestPatch)
    sent = body.model_fields_set
    props = {k: getattr(body, k) for k in fin.PATCH_PROPERTY_KEYS if k in sent}
    # A part sent as null is not given: `{"field": null}` alone names nothing to change.
    parts = (body.recipient, body.field, body.seal_participant)
    kinds = [bool(props), *(part is not None for part in parts)]
    if sum(kinds) != 1:
        raise ValidationFailed([("body", "give exactly one of: properties, recipient, field")])
    if body.seal_participant is not None:
        raise NotImplementedRoute(
            "Signet does not implement seal participants",
            details={"method": "PATCH", "path": "seal_participant"},
        )
    actor = auth.actor(request)

    def work() -> Any:
        with transaction(state.db.write) as session:
            sr = repository.get_request(
                session, auth.workspace_id, signing_request_id, for_update=True
            )
            service.require_draft(sr, action="update")
            spec = spec_from_request(sr)
            problems: list[tuple[str, str]] = []
            if props:
                changed = apply_properties(spec, props, problems)
                if problems:
                    raise ValidationFailed(problems)
                update_draft(
                    session,
                    state,
                    sr,
                    actor,
                    spec,
                    changed=changed,
                )
                return out.PatchPropertiesResponse(
                    message="Signing request updated successfully",
                    updated_fields=changed,
                    signing_request=ser.detail_out(state, sr),
                )
            if body.recipient is not None:
                rin = body.recipient
                if rin.id and not rin.id.startswith("temp_"):
                    idx = next((i for i, r in enumerate(spec.recipients) if r.ref == rin.id), None)
                    if idx is None:
                        raise NotFound("Recipient not found")
                    given = rin.model_fields_set
                    current = spec.recipients[idx]
                    fresh = recipient_spec(rin)
                    for attr in given - {"id"}:
                        if hasattr(current, attr):
                            setattr(current, attr, getattr(fresh, attr))
                    ref = rin.id
                else:
                    ref = rin.id or "temp_patch_new"
                    spec.recipients.append(recipient_spec(rin, ref=ref))
                created = update_draft(
                    session,
                    state,
                    sr,
                    actor,
                    spec,
                    changed=["recipient"],
                )
                rid = created.get(ref, ref)
                rec = next(r for r in sr.recipients if r.id == rid)
                return out.PatchRecipientResponse(
                    message="Recipient saved", recipient=ser.recipient_out(rec)
                )
            assert body.field is not None
            fin_ = body.field
            if fin_.id and not fin_.id.startswith("temp_"):
                idx = next((i for i, f in enumerate(spec.fields) if f.ref == fin_.id), None)
                if idx is None:
                    raise NotFound("Field not found")
                if fin_.deleted:
                    del spec.fields[idx]
                    update_draft(
                        session,
                        state,
                        sr,
                        actor,
                        spec,
                        changed=["field"],
                    )
                    return out.PatchFieldResponse(message="Field deleted", field=None)
                current_f = spec.fields[idx]
                merged = {**field_as_input(current_f), **fin_.model_dump(exclude_unset=True)}
                if "position" in fin_.model_fields_set:
                    for k in ("x", "y", "width", "height"):
                        merged.pop(k, None)
                else:
                    merged.pop("position", None)
                fs = field_spec(fin.FieldIn.model_validate(merged), "field", problems)
                if fs is None:
                    raise ValidationFailed(problems)
                fs.ref = fin_.id
                spec.fields[idx] = fs
                target = fin_.id
            else:
                fs = field_spec(fin_, "field", problems)
                if fs is None:
                    raise ValidationFailed(problems)
                fs.ref = None
                spec.fields.append(fs)
                target = None
            update_draft(
                session,
                state,
                sr,
                actor,
                spec,
                changed=["field"],
            )
            f = next(x for x in sr.fields if x.id == target) if target else sr.fields[-1]
            return out.PatchFieldResponse(message="Field saved", field=ser.field_out(f, sr))

    return json_response(await run_in_threadpool(work))


def field_as_input(fs: Any) -> dict[str, Any]:
    d = {k: v for k, v in vars(fs).items() if k not in ("ref", "recipient_ref")}
    d["recipient_id"] = fs.recipient_ref
    return d


@router.put(
    "/signing-requests/{signing_request_id}",
    response_model=out.PutResponse,
    openapi_extra=body_of(fin.SigningRequestPut),
    responses=errors_of(400, 401, 404, 409),
)
async def put_signing_request(
    signing_request_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Change a draft's properties, recipients, fields and reminders in one all-or-nothing call.
    New recipients carry a `_temp_id` that new fields may reference."""
    body = await read_model(request, fin.SigningRequestPut)
    actor = auth.actor(request)

    def work() -> out.PutResponse:
        with transaction(state.db.write) as session:
            sr = repository.get_request(
                session, auth.workspace_id, signing_request_id, for_update=True
            )
            service.require_draft(sr, action="update")
            spec = spec_from_request(sr)
            groups: dict[str, list[str]] = {
                k: []
                for k in (
                    "signing_request_properties",
                    "recipients",
                    "deleted_recipients",
                    "fields",
                    "reminders",
                )
            }
            before = {
                "r": {r.id for r in sr.recipients},
                "f": {f.id for f in sr.fields},
                "m": {m.id for m in sr.reminders},
            }
            problems: list[tuple[str, str]] = []
            if body.signing_request_properties:
                apply_properties(
                    spec, body.signing_request_properties, problems, "signing_request_properties."
                )
            if body.language:
                spec.language = body.language
            # Recipients: upsert by id; new ones by _temp_id.
            if body.recipients is not None:
                for i, rin in enumerate(body.recipients):
                    if rin.id and not rin.id.startswith("temp_"):
                        cur = next((r for r in spec.recipients if r.ref == rin.id), None)
                        if cur is None:
                            problems.append((f"recipients[{i}].id", "unknown recipient"))
                            continue
                        fresh = recipient_spec(rin)
                        for attr in rin.model_fields_set - {"id", "temp_id"}:
                            if hasattr(cur, attr):
                                setattr(cur, attr, getattr(fresh, attr))
                    else:
                        ref = rin.temp_id or rin.id or f"temp_put_{i}"
                        spec.recipients.append(recipient_spec(rin, ref=ref))
            for i, d in enumerate(body.deleted_recipients):
                cur = next((r for r in spec.recipients if r.ref == d.recipient_id), None)
                if cur is None:
                    problems.append((f"deleted_recipients[{i}].recipient_id", "unknown recipient"))
                    continue
                if d.field_action == "reassign":
                    to = next(
                        (r for r in spec.recipients if r.ref == d.reassign_to_recipient_id), None
                    )
                    if to is None or to is cur:
                        problems.append(
                            (
                                f"deleted_recipients[{i}].reassign_to_recipient_id",
                                "must name another recipient of this request",
                            )
                        )
                        continue
                    if (to.designation or "").lower() != (cur.designation or "").lower():
                        problems.append(
                            (
                                f"deleted_recipients[{i}].reassign_to_recipient_id",
                                "reassign only between recipients of the same designation",
                            )
                        )
                        continue
                    for f in spec.fields:
                        if f.recipient_ref == cur.ref:
                            f.recipient_ref = to.ref
                elif d.field_action == "delete":
                    spec.fields = [f for f in spec.fields if f.recipient_ref != cur.ref]
                else:
                    problems.append(
                        (f"deleted_recipients[{i}].field_action", "must be delete or reassign")
                    )
                    continue
                spec.reminders = [m for m in spec.reminders if m.recipient_ref != cur.ref]
                spec.recipients.remove(cur)
            if body.fields is not None:
                for i, fin_ in enumerate(body.fields):
                    existing = (
                        next((j for j, f in enumerate(spec.fields) if f.ref == fin_.id), None)
                        if fin_.id
                        else None
                    )
                    if fin_.deleted:
                        if existing is None:
                            problems.append((f"fields[{i}].id", "unknown field"))
                        else:
                            del spec.fields[existing]
                        continue
                    if existing is not None:
                        merged = {
                            **field_as_input(spec.fields[existing]),
                            **fin_.model_dump(exclude_unset=True),
                        }
                        if "position" not in fin_.model_fields_set:
                            merged.pop("position", None)
                        fs = field_spec(
                            fin.FieldIn.model_validate(merged), f"fields[{i}]", problems
                        )
                        if fs is not None:
                            fs.ref = fin_.id
                            spec.fields[existing] = fs
                    elif fin_.id and not fin_.id.startswith("temp_"):
                        problems.append((f"fields[{i}].id", "unknown field"))
                    else:
                        fs = field_spec(fin_, f"fields[{i}]", problems)
                        if fs is not None:
                            fs.ref = None
                            spec.fields.append(fs)
            if body.reminders is not None:
                spec.reminders = []
                for i, min_ in enumerate(body.reminders):
                    ms = reminder_spec(min_, f"reminders[{i}]", problems)
                    if ms is not None:
                        ms.ref = min_.id
                        spec.reminders.append(ms)
            try:
                if problems:
                    more, _ = check_draft(spec, sr.page_count, test=sr.test)
                    raise ValidationFailed(problems + more)
                update_draft(session, state, sr, actor, spec, changed=["put"])
            except ValidationFailed as exc:
                for loc, msg in exc.problems:
                    group = next((g for g in groups if loc.startswith(g)), None)
                    group = group or ("signing_request_properties")
                    groups[group].append(f"{loc}: {msg}" if loc else msg)
                exc.details = groups
                raise
            after = {
                "r": {r.id for r in sr.recipients},
                "f": {f.id for f in sr.fields},
                "m": {m.id for m in sr.reminders},
            }
            summary = {}
            for key, name in (("r", "recipients"), ("f", "fields"), ("m", "reminders")):
                summary[f"{name}_created"] = len(after[key] - before[key])
                summary[f"{name}_deleted"] = len(before[key] - after[key])
                summary[f"{name}_updated"] = len(after[key] & before[key])
            return out.PutResponse(
                message="Signing request updated successfully",
                signing_request=ser.detail_out(state, sr),
                recipients=[ser.recipient_out(r) for r in sr.recipients],
                fields=[ser.field_out(f, sr) for f in sr.fields],
                reminders=[ser.reminder_out(m) for m in sr.reminders],
                summary=out.PutSummary(**summary),
            )

    return json_response(await run_in_threadpool(work))
