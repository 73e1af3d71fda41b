"""Request and response shapes of the webhook endpoints, per face (docs/compat/webhooks.md).

Request bodies are checked by ``parse_firma_body`` / ``parse_subscription_body``, which report
every problem at once (pydantic stops a field at its first error and cannot see the URL
rules); the request models only document the bodies in OpenAPI. The ``*_out`` functions turn
rows into the response models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from signet.errors import ValidationFailed
from signet.kit.timefmt import firma_time, pandadoc_time
from signet.models import Webhook, WebhookAttempt, WebhookDelivery
from signet.webhooks import netguard

# --------------------------------------------------------------------------- request checks

# docs/compat/webhooks.md#events, aliases included; "accepted but never emitted" names too.
FIRMA_EVENTS = frozenset(
    {
        "signing_request.created", "signing_request.updated", "signing_request.deleted",
        "signing_request.document.updated", "signing_request.sent", "signing_request.resent",
        "signing_request.reminder.sent", "signing_request.viewed",
        "signing_request.field.completed", "signing_request.field.filled",
        "signing_request.recipient.signed", "signing_request.signed",
        "signing_request.recipient.declined", "signing_request.declined",
        "signing_request.recipient.identity_changed", "signing_request.completed",
        "signing_request.certificate.generated", "signing_request.cancelled",
        "signing_request.voided", "signing_request.expired",
        "template.created", "template.updated", "template.deleted", "template.used",
        "template.field.added", "workspace.created", "workspace.updated", "workspace.deleted",
        "webhook.test", "credits.purchased",
    }
)  # fmt: skip
FIRMA_ACCEPTED_PREFIXES = ("seal.", "domain.", "organization_seal.")
# docs/compat/webhooks.md#events, plus the triggers accepted but never emitted.
PANDADOC_TRIGGERS = frozenset(
    {
        "document_state_changed", "recipient_completed", "document_updated", "document_deleted",
        "document_creation_failed", "document_completed_pdf_ready", "template_created",
        "template_updated", "template_deleted", "quote_updated", "document_section_added",
    }
)  # fmt: skip
PANDADOC_ACCEPTED_PREFIXES = ("content_library_item_",)
# Only metadata, fields and tokens change the body; products and pricing are upstream names.
PANDADOC_PAYLOAD = frozenset({"metadata", "fields", "tokens", "products", "pricing"})

Problems = list[tuple[str, str]]


def url_problems(value: Any, *, allow_private: bool, loc: str = "url") -> Problems:
    """Problems with a webhook URL: form, scheme, and the addresses its host resolves to.

    A name that does not resolve now is accepted: every delivery checks it again.
    """
    if not isinstance(value, str):
        return [(loc, "must be a string")]
    try:
        if allow_private:
            netguard.check_url(value, allow_private=True)
        else:
            netguard.resolve_target(value, allow_private=False)
    except netguard.UrlRefused as exc:
        return [(loc, str(exc))]
    except (OSError, UnicodeError):
        pass
    return []


def _names(
    value: Any, loc: str, known: frozenset[str], prefixes: tuple[str, ...], what: str
) -> tuple[list[str], Problems]:
    if not isinstance(value, list):
        return [], [(loc, f"must be an array of {what} names")]
    problems: Problems = []
    if not value:
        problems.append((loc, f"must contain at least one {what}"))
    names: list[str] = []
    for i, name in enumerate(value):
        if not isinstance(name, str):
            problems.append((f"{loc}[{i}]", "must be a string"))
        elif name not in known and not name.startswith(prefixes):
            problems.append((f"{loc}[{i}]", f"unknown {what} '{name}'"))
        elif name not in names:
            names.append(name)
    return names, problems


def _text(data: dict[str, Any], key: str, limit: int, out: dict[str, Any], p: Problems) -> None:
    if key not in data:
        return
    value = data[key]
    if value is not None and not isinstance(value, str):
        p.append((key, "must be a string or null"))
    elif value is not None and len(value) > limit:
        p.append((key, f"must be at most {limit} characters"))
    else:
        out[key] = value


def _flag(data: dict[str, Any], key: str, out: dict[str, Any], p: Problems) -> None:
    if data.get(key) is None:
        return
    if not isinstance(data[key], bool):
        p.append((key, "must be true or false"))
    else:
        out[key] = data[key]


def _require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed([("body", "must be a JSON object")])
    return data


def parse_firma_body(
    data: Any, *, creating: bool, allow_private: bool
) -> tuple[dict[str, Any], list[str]]:
    """The checked fields of a Firma webhook body, and warnings for the unknown keys ignored.

    Raises ``ValidationFailed`` listing every problem. On update, absent or null ``url`` and
    ``events`` are left as they are.
    """
    data = _require_object(data)
    out: dict[str, Any] = {}
    p: Problems = []
    for key, required in (("url", creating), ("events", creating)):
        if data.get(key) is None:
            if required:
                p.append((key, "is required"))
            continue
        if key == "url":
            p += url_problems(data["url"], allow_private=allow_private)
            out["url"] = data["url"].strip() if isinstance(data["url"], str) else None
        else:
            out["events"], more = _names(
                data["events"], "events", FIRMA_EVENTS, FIRMA_ACCEPTED_PREFIXES, "event"
            )
            p += more
    _text(data, "description", 1000, out, p)
    _flag(data, "enabled", out, p)
    known = {"url", "events", "description", "enabled"}
    if creating:
        known.add("workspace_id")
        _text(data, "workspace_id", 64, out, p)
    if p:
        raise ValidationFailed(p)
    return out, [f"{k}: unknown key ignored" for k in data if k not in known]


def parse_subscription_body(data: Any, *, creating: bool, allow_private: bool) -> dict[str, Any]:
    """The checked fields of a PandaDoc subscription body (unknown keys are ignored)."""
    data = _require_object(data)
    out: dict[str, Any] = {}
    p: Problems = []
    for key in ("url", "triggers"):
        if data.get(key) is None:
            if creating:
                p.append((key, "This field is required."))
            continue
        if key == "url":
            p += url_problems(data["url"], allow_private=allow_private)
            out["url"] = data["url"].strip() if isinstance(data["url"], str) else None
        else:
            out["triggers"], more = _names(
                data["triggers"],
                "triggers",
                PANDADOC_TRIGGERS,
                PANDADOC_ACCEPTED_PREFIXES,
                "trigger",
            )
            p += more
    if data.get("payload") is not None:
        out["payload"], more = _names(data["payload"], "payload", PANDADOC_PAYLOAD, (), "payload")
        p += [m for m in more if not m[1].startswith("must contain")]  # empty is fine
    _text(data, "name", 255, out, p)
    _flag(data, "active", out, p)
    if p:
        raise ValidationFailed(p)
    return out


# --------------------------------------------------------------------------- Firma

# The checks above, declared in the OpenAPI schemas of the bodies they read.
URL_SCHEMA: dict[str, Any] = {
    "format": "uri",
    "maxLength": 2048,
    # netguard.check_url: absolute https, a host, no user info, no spaces (http is accepted
    # too only where SIGNET_WEBHOOK_ALLOW_PRIVATE is set, for tests).
    "pattern": r"^[Hh][Tt][Tt][Pp][Ss]://[^/?#\s@]+[^\s]*$",
}


def _names_schema(known: frozenset[str], prefixes: tuple[str, ...]) -> dict[str, Any]:
    prefix = "|".join(p.replace(".", "\\.") for p in prefixes)
    return {
        "items": {"anyOf": [{"enum": sorted(known)}, {"type": "string", "pattern": f"^({prefix})"}]}
    }


EVENTS_SCHEMA = _names_schema(FIRMA_EVENTS, FIRMA_ACCEPTED_PREFIXES)
TRIGGERS_SCHEMA = _names_schema(PANDADOC_TRIGGERS, PANDADOC_ACCEPTED_PREFIXES)
PAYLOAD_SCHEMA: dict[str, Any] = {"items": {"enum": sorted(PANDADOC_PAYLOAD)}}


class FirmaWebhookCreate(BaseModel):
    """Body of `POST /webhooks`."""

    url: str = Field(
        description="https URL that receives the events (POST, JSON)", json_schema_extra=URL_SCHEMA
    )
    events: list[str] = Field(
        min_length=1, description="Event names, aliases too", json_schema_extra=EVENTS_SCHEMA
    )
    description: str | None = Field(default=None, max_length=1000)
    workspace_id: str | None = Field(
        default=None,
        description="Your workspace's id for a workspace webhook. Omitted: the key's own scope "
        "(the company for the protected key, else the key's workspace).",
    )
    enabled: bool = True


class FirmaWebhookUpdate(BaseModel):
    """Body of `PUT /webhooks/{id}`: any subset of the fields. `enabled: true` also resets the
    failure counters."""

    url: str | None = Field(default=None, json_schema_extra=URL_SCHEMA)
    events: list[str] | None = Field(default=None, min_length=1, json_schema_extra=EVENTS_SCHEMA)
    description: str | None = Field(default=None, max_length=1000)
    enabled: bool | None = None


class FirmaWebhook(BaseModel):
    id: str
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    consecutive_failures: int
    auto_disabled_at: str | None
    created_at: str
    updated_at: str


class FirmaWebhookCreated(FirmaWebhook):
    warnings: list[str] | None = Field(
        default=None, description="Present only when unknown keys were ignored"
    )


class Pagination(BaseModel):
    current_page: int
    page_size: int
    total_count: int
    total_pages: int


class FirmaWebhookList(BaseModel):
    results: list[FirmaWebhook]
    pagination: Pagination


class FirmaWebhookDeleted(BaseModel):
    message: str
    id: str


class FirmaWebhookTestResult(BaseModel):
    success: bool = Field(description="True when the endpoint answered 2xx within 10 s")
    status_code: int | None = Field(description="The endpoint's HTTP status; null if none")
    webhook_event_id: str = Field(description="The delivery id (also sent as X-Firma-Delivery)")
    message: str
    headers_sent: dict[str, str]


class SecretRotated(BaseModel):
    message: str
    new_secret: str = Field(description="64 hex characters")
    grace_period_hours: int
    warning: str


class SecretStatus(BaseModel):
    created_at: str | None
    last_rotated_at: str | None
    grace_period_active: bool
    grace_period_ends_at: str | None


def firma_webhook_out(hook: Webhook) -> FirmaWebhook:
    return FirmaWebhook(
        id=hook.id,
        url=hook.url,
        description=hook.description,
        events=list(hook.events or []),
        enabled=hook.enabled,
        consecutive_failures=hook.consecutive_failures,
        auto_disabled_at=firma_time(hook.auto_disabled_at),
        created_at=firma_time(hook.created_at) or "",
        updated_at=firma_time(hook.updated_at) or "",
    )


# --------------------------------------------------------------------------- PandaDoc


class SubscriptionCreate(BaseModel):
    """Body of `POST /webhook-subscriptions`."""

    name: str | None = Field(default=None, max_length=255)
    url: str = Field(json_schema_extra=URL_SCHEMA)
    triggers: list[str] = Field(min_length=1, json_schema_extra=TRIGGERS_SCHEMA)
    active: bool = True
    payload: list[str] = Field(
        default_factory=list,
        description="metadata, fields, tokens",
        json_schema_extra=PAYLOAD_SCHEMA,
    )


class SubscriptionPatch(BaseModel):
    """Body of `PATCH /webhook-subscriptions/{uuid}`: any subset of the fields."""

    name: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, json_schema_extra=URL_SCHEMA)
    triggers: list[str] | None = Field(
        default=None, min_length=1, json_schema_extra=TRIGGERS_SCHEMA
    )
    active: bool | None = None
    payload: list[str] | None = Field(default=None, json_schema_extra=PAYLOAD_SCHEMA)


class Subscription(BaseModel):
    uuid: str
    name: str
    url: str
    active: bool
    payload: list[str]
    triggers: list[str]
    workspace_id: str
    shared_key: str
    status: str = Field(description="ACTIVE, INACTIVE (turned off) or DEACTIVATED (by failures)")


class SubscriptionList(BaseModel):
    items: list[Subscription]


class SharedKey(BaseModel):
    shared_key: str


class WebhookEventItem(BaseModel):
    uuid: str
    name: str
    type: str
    http_status_code: int | None
    error: str | None
    delivery_time: str | None
    event_time: str
    url: str


class WebhookEventDetail(WebhookEventItem):
    signature: str | None
    request_body: str
    response_body: str | None
    response_headers: str | None


class WebhookEventPage(BaseModel):
    results: list[WebhookEventItem]


def pandadoc_status(hook: Webhook) -> str:
    if hook.enabled:
        return "ACTIVE"
    return "DEACTIVATED" if hook.auto_disabled_at is not None else "INACTIVE"


def subscription_out(hook: Webhook) -> Subscription:
    return Subscription(
        uuid=hook.id,
        name=hook.name or "",
        url=hook.url,
        active=hook.enabled,
        payload=list(hook.payload_options or []),
        triggers=list(hook.events or []),
        workspace_id=hook.workspace_id or "",
        shared_key=hook.shared_key or "",
        status=pandadoc_status(hook),
    )


def webhook_event_out(
    hook: Webhook,
    delivery: WebhookDelivery,
    event_time: datetime,
    last: WebhookAttempt | None,
    *,
    detail: bool = False,
) -> WebhookEventItem:
    """One PandaDoc "webhook event" (a delivery of one event to one subscription)."""
    item: dict[str, Any] = {
        "uuid": delivery.id,
        "name": hook.name or "",
        "type": delivery.event_name,
        "http_status_code": delivery.last_status_code,
        "error": delivery.last_error,
        "delivery_time": pandadoc_time(last.at) if last is not None else None,
        "event_time": pandadoc_time(event_time) or "",
        "url": last.url if last is not None else hook.url,  # as requested, with ?signature=
    }
    if not detail:
        return WebhookEventItem(**item)
    signature = None
    if last is not None and "signature=" in last.url:
        signature = last.url.rsplit("signature=", 1)[1].split("&", 1)[0]
    return WebhookEventDetail(
        **item,
        signature=signature,
        request_body=delivery.body,
        response_body=last.response_excerpt if last is not None else None,
        response_headers=(
            orjson.dumps(last.response_headers).decode()
            if last is not None and last.response_headers
            else None
        ),
    )


# --------------------------------------------------------------------------- Signet extension


class DeliveryAttemptOut(BaseModel):
    attempt: int
    at: str
    url: str
    request_headers: dict[str, Any]
    status_code: int | None
    error: str | None = Field(
        description="INTERNAL_ERROR, NOT_VALID_URL, CONNECT_ERROR or TIMEOUT_ERROR; null when "
        "the endpoint answered (see status_code)"
    )
    error_detail: str | None
    duration_ms: int
    response_headers: dict[str, Any]
    response_body: str | None = Field(description="The first 64 KB of the answer")


class DeliveryOut(BaseModel):
    id: str = Field(description="The delivery id, sent as X-Firma-Delivery")
    webhook_id: str
    event_id: str = Field(description="The event id (the envelope's `id`)")
    event_type: str
    state: str = Field(description="pending, succeeded, failed or cancelled")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: str
    updated_at: str
    delivered_at: str | None
    request_body: str
    attempt_log: list[DeliveryAttemptOut]


class DeliveryList(BaseModel):
    results: list[DeliveryOut]
    pagination: Pagination


def attempt_out(a: WebhookAttempt) -> DeliveryAttemptOut:
    return DeliveryAttemptOut(
        attempt=a.attempt,
        at=firma_time(a.at) or "",
        url=a.url,
        request_headers=dict(a.request_headers or {}),
        status_code=a.status_code,
        error=a.error,
        error_detail=a.error_detail,
        duration_ms=a.duration_ms,
        response_headers=dict(a.response_headers or {}),
        response_body=a.response_excerpt,
    )


def delivery_out(d: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        webhook_id=d.webhook_id,
        event_id=d.event_id,
        event_type=d.event_name,
        state=d.state,
        attempts=d.attempts,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=firma_time(d.created_at) or "",
        updated_at=firma_time(d.updated_at) or "",
        delivered_at=firma_time(d.delivered_at),
        request_body=d.body,
        attempt_log=[attempt_out(a) for a in sorted(attempts, key=lambda a: (a.attempt, a.at))],
    )
