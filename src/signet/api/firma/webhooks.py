"""Firma: webhooks, their test delivery, and the signing secrets (docs/compat/webhooks.md)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from signet.api.auth import AuthContext
from signet.api.body import body_doc, read_json
from signet.api.deps import Auth, PageNumber, State
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.kit.timefmt import firma_time
from signet.webhooks import delivery, repository, service
from signet.webhooks import schemas as s

router = APIRouter(tags=["Webhooks"])

_ROTATED_WARNING = (
    "Update your webhook signature verification to use the new secret. The old secret stays "
    "valid for 7 days: deliveries carry X-Firma-Signature-Old signed with it until then."
)


def _status_out(scope: service.Scope, state: AppState) -> s.SecretStatus:
    with state.db.read() as session:
        info = service.secret_status(session, scope)
    return s.SecretStatus(
        created_at=firma_time(info["created_at"]),
        last_rotated_at=firma_time(info["rotated_at"]),
        grace_period_active=info["grace_ends_at"] is not None,
        grace_period_ends_at=firma_time(info["grace_ends_at"]),
    )


def _rotate(scope: service.Scope, state: AppState) -> s.SecretRotated:
    with transaction(state.db.write) as session:
        secret = service.rotate_secret(session, scope)
    return s.SecretRotated(
        message="Webhook secret rotated successfully",
        new_secret=secret,
        grace_period_hours=service.GRACE_HOURS,
        warning=_ROTATED_WARNING,
    )


@router.get("/webhooks/secret-status", response_model=s.SecretStatus, responses=errors_of(401))
def secret_status(auth: Auth, state: State) -> JSONBytes:
    """When the signing secret of the key's scope (the company for the protected key, else
    the key's workspace) was created and last rotated, and whether the previous secret is
    still in its 7-day grace period."""
    return json_response(_status_out(service.default_scope(auth), state))


@router.post("/webhooks/rotate-secret", response_model=s.SecretRotated, responses=errors_of(401))
def rotate_secret(auth: Auth, state: State) -> JSONBytes:
    """Replace the signing secret of the key's scope with a new 64-hex secret, shown only in
    this response. For 168 hours deliveries also carry `X-Firma-Signature-Old`, signed with
    the previous secret, so receivers can switch without losing events."""
    return json_response(_rotate(service.default_scope(auth), state))


@router.get(
    "/workspaces/{workspace_id}/webhooks/secret-status",
    response_model=s.SecretStatus,
    responses=errors_of(401, 404),
)
def workspace_secret_status(workspace_id: str, auth: Auth, state: State) -> JSONBytes:
    """The secret status of your workspace's webhooks. Another workspace's id answers 404."""
    return json_response(_status_out(service.workspace_scope(auth, workspace_id), state))


@router.post(
    "/workspaces/{workspace_id}/webhooks/rotate-secret",
    response_model=s.SecretRotated,
    responses=errors_of(401, 404),
)
def workspace_rotate_secret(workspace_id: str, auth: Auth, state: State) -> JSONBytes:
    """Rotate the signing secret of your workspace's webhooks (168-hour grace for the old
    one). Another workspace's id answers 404."""
    return json_response(_rotate(service.workspace_scope(auth, workspace_id), state))


@router.get("/webhooks", response_model=s.FirmaWebhookList, responses=errors_of(400, 401, 404))
def list_webhooks(
    auth: Auth,
    state: State,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    sort_by: Annotated[str, Query(pattern="^(created_at|updated_at|url)$")] = "created_at",
    sort_order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    enabled: bool | None = None,
    url: Annotated[str | None, Query(description="Part of the URL, any case")] = None,
    event: Annotated[str | None, Query(description="Webhooks subscribed to this event")] = None,
    workspace_id: Annotated[
        str | None,
        Query(
            description="Your workspace's id. Omitted: the key's own scope (company-level "
            "webhooks for the protected key)."
        ),
    ] = None,  # fmt: skip
) -> JSONBytes:
    """List webhooks, newest first, with filters."""
    scope = (
        service.default_scope(auth)
        if workspace_id is None
        else service.workspace_scope(auth, workspace_id)
    )
    with state.db.read() as session:
        rows = repository.firma_webhooks(session, scope, enabled=enabled, url=url, event=event)
    key = {"url": lambda h: h.url, "updated_at": lambda h: h.updated_at}.get(
        sort_by, lambda h: h.created_at
    )
    rows.sort(key=key, reverse=sort_order == "desc")
    total = len(rows)
    chosen = rows[(page - 1) * page_size : page * page_size]
    body = s.FirmaWebhookList(
        results=[s.firma_webhook_out(h) for h in chosen],
        pagination=s.Pagination(
            current_page=page,
            page_size=page_size,
            total_count=total,
            total_pages=math.ceil(total / page_size) if total else 0,
        ),
    )
    return json_response(body)


def _create(state: AppState, auth: AuthContext, data: Any) -> dict[str, Any]:
    allow = state.settings.webhook_allow_private
    fields, warnings = s.parse_firma_body(data, creating=True, allow_private=allow)
    with transaction(state.db.write) as session:
        hook = service.create_webhook(session, auth, "firma", fields)
        out = s.firma_webhook_out(hook).model_dump()
    if warnings:
        out["warnings"] = warnings
    return out


@router.post(
    "/webhooks",
    status_code=201,
    response_model=s.FirmaWebhookCreated,
    openapi_extra=body_doc(s.FirmaWebhookCreate),
    responses=errors_of(400, 401, 404),
)
async def create_webhook(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Subscribe an https URL to events (aliases are delivered under the name you
    subscribed to). Deliveries are signed with the scope's secret: see `rotate-secret`. Every
    problem with the body is listed in one 400 answer."""
    data = await read_json(request)
    return json_response(await run_in_threadpool(_create, state, auth, data), 201)


@router.get("/webhooks/{webhook_id}", response_model=s.FirmaWebhook, responses=errors_of(401, 404))
def get_webhook(webhook_id: str, auth: Auth, state: State) -> JSONBytes:
    """One webhook, with its failure counter and when it was auto-disabled, if it was."""
    with state.db.read() as session:
        hook = service.get_webhook(session, auth, webhook_id, "firma")
        return json_response(s.firma_webhook_out(hook))


def _update(state: AppState, auth: AuthContext, webhook_id: str, data: Any) -> s.FirmaWebhook:
    allow = state.settings.webhook_allow_private
    with state.db.read() as session:  # 404 before 400, as for the other routes
        service.get_webhook(session, auth, webhook_id, "firma")
    # Checked outside the write transaction: the URL check may wait on DNS.
    fields, _ = s.parse_firma_body(data, creating=False, allow_private=allow)
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, webhook_id, "firma", lock=True)
        service.update_webhook(session, hook, fields)
        return s.firma_webhook_out(hook)


@router.put(
    "/webhooks/{webhook_id}",
    response_model=s.FirmaWebhook,
    openapi_extra=body_doc(s.FirmaWebhookUpdate),
    responses=errors_of(400, 401, 404),
)
async def update_webhook(webhook_id: str, request: Request, auth: Auth, state: State) -> JSONBytes:
    """Change the URL, events, description or `enabled`. `enabled: true` resets the failure
    counters and clears `auto_disabled_at`; events missed while disabled are not replayed.
    `enabled: false` cancels the deliveries still pending."""
    data = await read_json(request)
    return json_response(await run_in_threadpool(_update, state, auth, webhook_id, data))


@router.delete(
    "/webhooks/{webhook_id}", response_model=s.FirmaWebhookDeleted, responses=errors_of(401, 404)
)
def delete_webhook(webhook_id: str, auth: Auth, state: State) -> JSONBytes:
    """Delete a webhook. Its pending deliveries are cancelled and never sent."""
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, webhook_id, "firma", lock=True)
        service.delete_webhook(session, hook)
    return json_response(s.FirmaWebhookDeleted(message="Webhook deleted successfully", id=hook.id))


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=s.FirmaWebhookTestResult,
    responses=errors_of(401, 404),
)
def test_webhook(webhook_id: str, auth: Auth, state: State) -> JSONBytes:
    """Send a signed `webhook.test` event to the webhook now and report what the endpoint
    answered. It is sent even when the workspace's webhooks are switched off or the webhook is
    disabled, is not retried, and does not count towards auto-disabling."""
    outcome = delivery.send_test(state, auth, webhook_id)
    body = s.FirmaWebhookTestResult(
        success=outcome.result.ok,
        status_code=outcome.result.status_code,
        webhook_event_id=outcome.delivery_id,
        message=outcome.message,
        headers_sent=outcome.headers_sent,
    )
    return json_response(body)
