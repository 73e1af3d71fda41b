"""Translate domain objects into the Firma face's response shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from signet.api.firma import schemas_out as out
from signet.api.firma.status import detail_flags, list_status
from signet.api.state import AppState
from signet.kit.content_disposition import download_name
from signet.kit.links import ONE_HOUR, file_link, signing_link
from signet.kit.timefmt import firma_time as ft
from signet.models import AuditEvent, Field, Recipient, Reminder, SigningRequest
from signet.signing import rules
from signet.signing.service import field_prefill
from signet.signing.states import RequestState

_SETTINGS_KEYS = tuple(out.SettingsOut.model_fields)


def settings_body(settings: dict[str, Any]) -> dict[str, Any]:
    """``SettingsOut`` as a plain dict: stored values over the defaults, completion keys as set."""
    merged = {**rules.SETTINGS_DEFAULTS, **settings}
    values = {k: merged.get(k) for k in _SETTINGS_KEYS}
    for key in ("completion_title", "completion_message", "completion_redirect_url"):
        values[key] = settings.get(key)
    values["completion_redirect_delay"] = settings.get("completion_redirect_delay", 5)
    return values


def settings_out(settings: dict[str, Any]) -> out.SettingsOut:
    return out.SettingsOut.model_validate(settings_body(settings))


def document_link(
    state: AppState, request: DetailSource, ttl: int, now: float | None = None
) -> tuple[str | None, str | None]:
    if request.document_sha256 is None:
        return None, None
    url, expires = file_link(
        state.base_url, state.secret, request.document_sha256, pdf_name(request.name), ttl, now
    )
    return url, ft(expires)


def pdf_name(name: str) -> str:
    """A download's file name: the request's name (any script) and ``.pdf``."""
    return download_name(name)


def recipient_out(r: Recipient) -> out.RecipientOut:
    return out.RecipientOut(
        id=r.id,
        first_name=r.first_name,
        last_name=r.last_name,
        name=r.name,
        email=r.email,
        designation=r.designation,
        order=r.order,
        phone_number=r.phone_number,
        street_address=r.street_address,
        city=r.city,
        state_province=r.state_province,
        postal_code=r.postal_code,
        country=r.country,
        title=r.title,
        company=r.company,
        custom_fields=r.custom_fields or {},
        finished_date=ft(r.finished_at),
    )


def field_out(f: Field, request: SigningRequest, *, reveal_values: bool = True) -> out.FieldOut:
    value = f.value if reveal_values else None
    if f.read_only:
        value = field_prefill(request, f)
    fmt = f.format_rules or {}
    size = fmt.get("fontSize")
    return out.FieldOut(
        id=f.id,
        type=f.type,
        field_type=f.type,
        recipient_id=f.recipient_id,
        companies_workspaces_signing_requests_users_id=f.recipient_id,
        page_number=f.page_number,
        x_position=f.x,
        x_postion=f.x,
        y_position=f.y,
        width=f.width,
        height=f.height,
        heigh=f.height,
        position=out.PositionOut(x=f.x, y=f.y, width=f.width, height=f.height),
        required=f.required,
        read_only=f.read_only,
        read_only_value=f.read_only_value,
        prefilled_data=f.prefilled_data,
        variable_name=f.variable_name,
        variable_defined_name=f.variable_defined_name,
        dropdown_options=f.dropdown_options,
        format_rules=f.format_rules,
        date_default=f.date_default,
        date_signing_default=f.date_signing_default,
        multi_group_id=f.multi_group_id,
        required_conditions=f.required_conditions,
        visibility_conditions=f.visibility_conditions,
        background_color=f.background_color,
        value=value,
        final_value=value if request.state == RequestState.COMPLETED else None,
        calculated_font_size=float(size) if isinstance(size, int | float) else None,
        deleted=False,
    )


def reminder_out(m: Reminder) -> out.ReminderOut:
    return out.ReminderOut(
        id=m.id,
        hours=m.hours,
        hours_before_expiration=m.hours,
        all_users=m.all_users,
        recipient_id=m.recipient_id,
        template_user_id=m.template_user_id,
        subject=m.subject,
        message=m.message,
        sent_on=ft(m.sent_at),
        created_at=ft(m.created_at) or "",
        updated_at=ft(m.updated_at) or "",
    )


def created_out(
    state: AppState, request: SigningRequest, warnings: list[str], status: str, *, ttl: int
) -> dict[str, Any]:
    url, url_exp = document_link(state, request, ttl)
    return dict(
        id=request.id,
        name=request.name,
        description=request.description,
        status=status,
        document_url=url,
        document_url_expires_at=url_exp,
        page_count=request.page_count,
        document_page_count=request.page_count,
        expiration_hours=request.expiration_hours,
        expires_at=ft(request.expires_at),
        credit_cost=1,
        template_id=request.template_id,
        settings=settings_out(request.settings),
        language=request.language,
        created_date=ft(request.created_at),
        updated_date=ft(request.updated_at),
        sent_date=ft(request.sent_at),
        finished_date=ft(request.finished_at),
        cancelled_date=ft(request.cancelled_at),
        date_created=ft(request.created_at),
        date_sent=ft(request.sent_at),
        date_finished=ft(request.finished_at),
        date_cancelled=ft(request.cancelled_at),
        recipients=[recipient_out(r) for r in request.recipients],
        fields=[field_out(f, request) for f in request.fields],
        reminders=[reminder_out(m) for m in request.reminders],
        warnings=warnings,
        seal_participants=[],
        metadata=request.metadata_ or {},
    )


def list_item_out(state: AppState, request: SigningRequest) -> out.ListItem:
    url, url_exp = document_link(state, request, ONE_HOUR)
    return out.ListItem(
        id=request.id,
        name=request.name,
        description=request.description,
        status=list_status(request),
        document_url=url,
        document_url_expires_at=url_exp,
        page_count=request.page_count,
        expiration_hours=request.expiration_hours,
        expires_at=ft(request.expires_at),
        credit_cost=1,
        template_id=request.template_id,
        settings=settings_out(request.settings),
        created_date=ft(request.created_at) or "",
        updated_date=ft(request.updated_at) or "",
        sent_date=ft(request.sent_at),
        finished_date=ft(request.finished_at),
        cancelled_date=ft(request.cancelled_at),
        declined_date=ft(request.declined_at),
        recipients=[
            out.ListRecipient(
                id=r.id,
                name=r.name,
                email=r.email,
                designation=r.designation,
                order=r.order,
                finished_date=ft(r.finished_at),
                signature_details=None,
            )
            for r in request.recipients
        ],
        fields=[field_out(f, request) for f in request.fields],
        seal_participants=[],
    )


class DetailSource(Protocol):
    """What the detail shape reads: a ``SigningRequest`` or a ``detail_read.DetailRow``."""

    @property
    def id(self) -> str: ...
    @property
    def workspace_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def template_id(self) -> str | None: ...
    @property
    def document_sha256(self) -> str | None: ...
    @property
    def page_count(self) -> int | None: ...
    @property
    def expiration_hours(self) -> int: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def language(self) -> str: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    @property
    def metadata_(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def cancelled_at(self) -> datetime | None: ...
    @property
    def declined_at(self) -> datetime | None: ...
    @property
    def last_signing_action_at(self) -> datetime | None: ...
    @property
    def certificate_generated_at(self) -> datetime | None: ...
    @property
    def certificate_has_error(self) -> bool: ...
    @property
    def final_sha256(self) -> str | None: ...
    @property
    def document_only_sha256(self) -> str | None: ...
    @property
    def certificate_only_sha256(self) -> str | None: ...


_FINAL_LINK_KEYS = (
    "final_document_download_url",
    "final_document_download_error",
    "document_only_download_url",
    "document_only_download_error",
    "certificate_only_download_url",
    "certificate_only_download_error",
)


def _final_links(
    state: AppState, request: DetailSource, now: float | None = None
) -> dict[str, str | None]:
    links: dict[str, str | None] = {}
    for key, sha, suffix in (
        ("final_document_download_url", request.final_sha256, ""),
        ("document_only_download_url", request.document_only_sha256, " (document)"),
        ("certificate_only_download_url", request.certificate_only_sha256, " (certificate)"),
    ):
        err_key = key.replace("_url", "_error")
        if sha and request.state == RequestState.COMPLETED:
            exists = state.store.exists(sha)
            links[key] = (
                file_link(
                    state.base_url,
                    state.secret,
                    sha,
                    pdf_name(request.name + suffix),
                    ONE_HOUR,
                    now,
                )[0]
                if exists
                else None
            )
            links[err_key] = None if exists else "file_not_accessible"
        else:
            links[key] = None
            links[err_key] = None
    return links


def detail_body(state: AppState, request: DetailSource) -> dict[str, Any]:
    """The ``Detail`` shape as a plain dict, for orjson: building the pydantic model costs more
    than the rest of the hottest GET (``tests/api`` checks the dict validates as ``Detail``)."""
    return refresh_detail(state, request, detail_stable(request))


def detail_stable(request: DetailSource) -> dict[str, Any]:
    """The part of the detail shape that depends on the row alone. The document links and the
    status flags (in progress turns expired with time) are left to ``refresh_detail``."""
    s = settings_body(request.settings)
    generated = request.certificate_generated_at
    return {
        "id": request.id,
        "name": request.name,
        "description": request.description,
        "template_description": None,
        "companies_workspaces_id": request.workspace_id,
        "document_url": None,
        "document_url_expires_at": None,
        "document_page_count": request.page_count,
        "expiration_hours": request.expiration_hours,
        "expires_at": ft(request.expires_at),
        "credit_cost": 1,
        "template_id": request.template_id,
        "status": None,
        "timestamps": {
            "created_on": ft(request.created_at) or "",
            "sent_on": ft(request.sent_at),
            "finished_on": ft(request.finished_at),
            "cancelled_on": ft(request.cancelled_at),
            "declined_on": ft(request.declined_at),
            "last_changed_on": ft(request.updated_at) or "",
            "last_signing_action_on": ft(request.last_signing_action_at),
        },
        "settings": s,
        "language": request.language,
        "certificate": {
            "generated": generated is not None,
            "generated_on": ft(generated),
            "has_error": request.certificate_has_error,
        },
        **dict.fromkeys(_FINAL_LINK_KEYS),
        "seal_participants": [],
        "use_signing_order": int(bool(s["use_signing_order"])),
        "allow_download": int(bool(s["allow_download"])),
        "allow_editing_before_sending": int(bool(s["allow_editing_before_sending"])),
        "hand_drawn_only": int(bool(s["hand_drawn_only"])),
        "attach_pdf_on_finish": int(bool(s["attach_pdf_on_finish"])),
        "metadata": request.metadata_ or None,
    }


def refresh_detail(
    state: AppState, request: DetailSource, stable: dict[str, Any], now: int | None = None
) -> dict[str, Any]:
    """``stable`` (left unchanged) completed with fresh links and the status flags at ``now``
    (whole seconds since the epoch; default: the current time)."""
    at = datetime.fromtimestamp(now, UTC) if now is not None else None
    body = stable.copy()
    body["document_url"], body["document_url_expires_at"] = document_link(
        state, request, ONE_HOUR, now
    )
    body["status"] = detail_flags(request, at)
    body.update(_final_links(state, request, now))
    return body


def detail_out(state: AppState, request: SigningRequest) -> out.Detail:
    return out.Detail.model_validate(detail_body(state, request))


def user_out(state: AppState, request: SigningRequest, r: Recipient) -> out.SigningRequestUser:
    missing = [k for k in ("email", "first_name") if not getattr(r, k)]
    ro = []
    for f in request.fields:
        if f.recipient_id == r.id and f.read_only and f.required:
            ro.append(
                out.RequiredReadOnlyField(
                    variable_name=f.variable_name,
                    variable_defined_name=f.variable_defined_name,
                    field_type=f.type,
                    has_value=field_prefill(request, f) is not None,
                )
            )
    return out.SigningRequestUser(
        **recipient_out(r).model_dump(),
        required_fields=["email", "first_name"],
        missing_fields=missing,
        required_read_only_fields=ro,
        ready_to_send=not missing and all(x.has_value for x in ro),
        finished_on=ft(r.finished_at),
        declined_on=ft(r.declined_at),
        decline_reason=r.decline_reason,
        signing_link=signing_link(state.base_url, r.id),
    )


_DESCRIPTIONS = {
    "otp_sent": "Verification code emailed to the recipient",
    "otp_verified": "Recipient verified with an email code",
    "otp_failed": "Email code verification failed",
    "otp_locked": "Email code verification locked after too many tries",
    "passcode_passed": "Recipient verified with the access code",
    "passcode_failed": "Access code verification failed",
    "passcode_locked": "Access code verification locked after too many tries",
    "sms_code_sent": "Verification code sent to the recipient by SMS",
    "sms_verified": "Recipient verified with an SMS code",
    "sms_failed": "SMS code verification failed",
    "sms_locked": "SMS code verification locked after too many tries",
    "verification_unlocked": "Identity verification unlocked by a resend",
    "created": "Signing request created",
    "updated": "Signing request updated",
    "sent": "Signing request sent",
    "resent": "Signing request re-sent to recipients",
    "cancelled": "Signing request cancelled",
    "deleted": "Signing request deleted",
    "expired": "Signing request expired",
    "viewed": "Recipient viewed the document",
    "consent_accepted": "Recipient accepted the electronic signature consent",
    "signed": "Recipient signed",
    "declined": "Recipient declined to sign",
    "completed": "All recipients completed the signing request",
    "certificate_generated": "Certificate of completion generated and document sealed",
    "archive_timestamp_renewed": "Archive timestamp renewed on the sealed documents",
    "reminder_sent": "Reminder sent",
}


def audit_out(ev: AuditEvent) -> out.AuditEntry:
    return out.AuditEntry(
        id=ev.id,
        timestamp=ft(ev.at) or "",
        source=ev.source,
        event=ev.event,
        description=_DESCRIPTIONS.get(ev.event, ev.event.replace("_", " ").capitalize()),
        actor=out.AuditActor(
            type=ev.actor_type, id=ev.actor_id, name=ev.actor_name, email=ev.actor_email
        ),
        ip_address=ev.ip_address,
        user_agent=ev.user_agent,
        details=ev.details or {},
    )
