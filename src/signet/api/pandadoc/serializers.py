"""Translate domain objects into the PandaDoc face's shapes: 22-char ids, ``document.*``
statuses, microsecond times, fields in points (docs/compat/pandadoc.md#response-shapes)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from signet.api.pandadoc import schemas as out
from signet.api.pandadoc.status import pandadoc_status
from signet.audit.repository import latest_event_named
from signet.context import AppContext
from signet.kit.ids import short_id
from signet.kit.links import signing_link
from signet.kit.timefmt import pandadoc_time as pt
from signet.models import Field, Recipient, SigningRequest
from signet.signing import rules
from signet.signing.geometry import page_size, to_points
from signet.signing.prefill import tokens_of
from signet.signing.repository_reads import request_blob
from signet.signing.service import field_prefill
from signet.workspaces.repository import api_key_by_id

TYPE_OUT = {
    "initial": "initials",
    "text_area": "text",
    "number": "text",
    "url": "text",
    "file": "collect_file",
    "approval_signature": "signature",
    "approval_checkmark": "checkbox",
    "approval_date": "date",
}
_CONTACTS = uuid.UUID("6b1d7c7e-6c1b-4d0e-9a43-5d2f3a1c9e10")


def contact_id(workspace_id: str, email: str) -> str:
    """A stable contact id per workspace and email (contacts are made for every recipient)."""
    return short_id(str(uuid.uuid5(_CONTACTS, f"{workspace_id}:{email.strip().lower()}")))


def recipient_type(r: Recipient) -> str:
    return {"Approver": "approver", "CC": "CC"}.get(r.designation, "signer")


def _times(sr: SigningRequest) -> dict[str, Any]:
    return {
        "date_created": pt(sr.created_at) or "",
        "date_modified": pt(sr.updated_at) or "",
        "date_completed": pt(sr.finished_at),
        "expiration_date": pt(sr.expires_at),
        "version": str(sr.version),
    }


def status_out(sr: SigningRequest) -> out.DocumentStatusOut:
    sid = short_id(sr.id)
    return out.DocumentStatusOut(
        id=sid, uuid=sid, name=sr.name, status=pandadoc_status(sr), **_times(sr)
    )


def created_out(sr: SigningRequest, info_message: str) -> out.DocumentCreatedOut:
    times = _times(sr)
    times.pop("date_completed")
    sid = short_id(sr.id)
    return out.DocumentCreatedOut(
        id=sid,
        uuid=sid,
        name=sr.name,
        status=pandadoc_status(sr),
        info_message=info_message,
        **times,
    )


def list_item_out(sr: SigningRequest) -> out.ListItemOut:
    return out.ListItemOut(
        id=short_id(sr.id), name=sr.name, status=pandadoc_status(sr), **_times(sr)
    )


def _order(sr: SigningRequest, r: Recipient) -> int | None:
    return r.order if r.acts and rules.setting(sr.settings, "use_signing_order") else None


def recipient_out(env: AppContext, sr: SigningRequest, r: Recipient) -> out.RecipientOut:
    return out.RecipientOut(
        id=short_id(r.id),
        first_name=r.first_name,
        last_name=r.last_name,
        email=r.email,
        phone=r.phone_number,
        recipient_type=recipient_type(r),
        has_completed=r.finished_at is not None,
        role=r.role or "",
        roles=[r.role] if r.role else [],
        signing_order=_order(sr, r),
        contact_id=contact_id(sr.workspace_id, r.email),
        shared_link=signing_link(env.base_url, r.id),
        signature_date=pt(r.finished_at),
    )


def send_recipient_out(env: AppContext, sr: SigningRequest, r: Recipient) -> out.SendRecipientOut:
    full = recipient_out(env, sr, r)
    return out.SendRecipientOut(**full.model_dump(include=set(out.SendRecipientOut.model_fields)))


def _value(sr: SigningRequest, f: Field, by_id: dict[str, Recipient]) -> Any:
    if f.read_only:
        return field_prefill(sr, f) or ""
    r = by_id.get(f.recipient_id or "")
    if f.type in ("signature", "approval_signature") and f.value and r:
        return r.signature_image or ""
    if f.type == "initial" and f.value and r:
        return r.initials_image or ""
    if f.type in ("checkbox", "approval_checkmark", "radio_buttons"):
        return f.value == "true"
    return f.value or ""


def field_out(
    sr: SigningRequest, f: Field, sizes: list[Any], by_id: dict[str, Recipient]
) -> out.FieldOut:
    size = page_size(sizes, f.page_number) or (612.0, 792.0)
    ox, oy, w, h = to_points(f.x, f.y, f.width, f.height, size)
    r = by_id.get(f.recipient_id or "")
    value = _value(sr, f, by_id)
    fmt = f.format_rules or {}
    return out.FieldOut(
        uuid=f.id,
        name=f.name or f.variable_name or TYPE_OUT.get(f.type, f.type),
        title=f.name or "",
        value=value,
        is_filled=value not in ("", None, False),
        field_id=f.variable_name or f.id,
        merge_field=f.variable_name,
        type=TYPE_OUT.get(f.type, f.type),
        placeholder=fmt.get("placeholder"),
        assigned_to=out.AssignedToOut(
            id=short_id(r.id),
            first_name=r.first_name,
            last_name=r.last_name,
            email=r.email,
            recipient_type=recipient_type(r),
            role=r.role or "",
        )
        if r
        else None,
        layout=out.FieldLayoutOut(
            page=f.page_number,
            position=out.FieldPositionOut(offset_x=ox, offset_y=oy),
            style=out.FieldStyleOut(width=w, height=h),
        ),
    )


def fields_out(
    session: Session, sr: SigningRequest, fields: list[Field] | None = None
) -> list[out.FieldOut]:
    blob = request_blob(session, sr)
    sizes = blob.page_sizes if blob else []
    by_id = {r.id: r for r in sr.recipients}
    return [field_out(sr, f, sizes, by_id) for f in (sr.fields if fields is None else fields)]


def member_out(session: Session, key_id: str | None, name: str | None) -> out.MemberOut:
    key = api_key_by_id(session, key_id) if key_id else None
    mid = short_id(key.id) if key else short_id(str(uuid.UUID(int=0)))
    return out.MemberOut(
        id=mid,
        membership_id=mid,
        email="",
        first_name=(key.name if key else name) or "API key",
        last_name="",
    )


def details_out(env: AppContext, session: Session, sr: SigningRequest) -> dict[str, Any]:
    sent_by = None
    if sr.sent_at is not None:
        ev = latest_event_named(session, sr.id, "sent")
        if ev is not None:
            sent_by = member_out(
                session, ev.actor_id if ev.actor_type == "api_key" else None, ev.actor_name
            )
    body = out.DetailsOut(
        id=short_id(sr.id),
        name=sr.name,
        status=pandadoc_status(sr),
        date_sent=pt(sr.sent_at),
        content_date_modified=pt(sr.updated_at) or "",
        created_by=member_out(session, sr.created_by_key_id, None),
        sent_by=sent_by,
        template=None,
        metadata=sr.metadata_ or {},
        tags=list(sr.tags or []),
        recipients=[recipient_out(env, sr, r) for r in sr.recipients],
        fields=fields_out(session, sr),
        tokens=[
            out.TokenOut(name=t["name"], value=str(t.get("value") or "")) for t in tokens_of(sr)
        ],
        **_times(sr),
    ).model_dump(mode="json")
    if body["template"] is None:
        body.pop("template")  # the SDK's model refuses null here
    return body
