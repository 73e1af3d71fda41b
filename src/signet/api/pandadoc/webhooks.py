"""PandaDoc: webhook subscriptions and the log of webhook events
(docs/compat/webhooks.md#pandadoc-format)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from signet.api.auth import AuthContext
from signet.api.body import body_doc, read_json
from signet.api.deps import Auth, PageNumber, State
from signet.api.openapi import ISO_TIME, PandaDocErrorOut, checked_as
from signet.api.responses import JSONBytes, json_response
from signet.api.state import AppState
from signet.db import transaction
from signet.errors import NotFound, ValidationFailed
from signet.kit.ids import parse_uuid
from signet.kit.timefmt import parse_time
from signet.webhooks import repository, service
from signet.webhooks import schemas as s

router = APIRouter(tags=["PandaDoc webhooks"])

_ERR_TEXT = {
    400: "Bad request: `detail` maps each field to its problems",
    401: "Authentication error",
    404: "Not found",
}
_ERROR_CODES = ("INTERNAL_ERROR", "NOT_VALID_URL", "CONNECT_ERROR", "TIMEOUT_ERROR")
_STATUS_CLASSES = (100, 200, 300, 400, 500)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": PandaDocErrorOut, "description": _ERR_TEXT[c]} for c in codes}


@router.get("/webhook-subscriptions", response_model=s.SubscriptionList, responses=_errors(401))
def list_subscriptions(auth: Auth, state: State) -> JSONBytes:
    """All webhook subscriptions of the workspace, oldest first."""
    with state.db.read() as session:
        hooks = repository.subscriptions(session, auth.workspace_id)
        return json_response(s.SubscriptionList(items=[s.subscription_out(h) for h in hooks]))


def _create(state: AppState, auth: AuthContext, data: Any) -> s.Subscription:
    allow = state.settings.webhook_allow_private
    fields = s.parse_subscription_body(data, creating=True, allow_private=allow)
    with transaction(state.db.write) as session:
        return s.subscription_out(service.create_webhook(session, auth, "pandadoc", fields))


@router.post(
    "/webhook-subscriptions",
    status_code=201,
    response_model=s.Subscription,
    openapi_extra=body_doc(s.SubscriptionCreate),
    responses=_errors(400, 401),
)
async def create_subscription(request: Request, auth: Auth, state: State) -> JSONBytes:
    """Subscribe an https URL to triggers. Each delivery is a JSON array with one
    `{event, data}` element, POSTed to the URL with `?signature=<hex HMAC-SHA256 of the raw
    body keyed with shared_key>` appended, and carries `X-PandaDoc-Webhook-Event-Id` (the same
    on every retry). At most 300 subscriptions per workspace."""
    data = await read_json(request)
    return json_response(await run_in_threadpool(_create, state, auth, data), 201)


@router.get(
    "/webhook-subscriptions/{subscription_id}",
    response_model=s.Subscription,
    responses=_errors(401, 404),
)
def get_subscription(subscription_id: str, auth: Auth, state: State) -> JSONBytes:
    """One webhook subscription, with its shared key and status (`DEACTIVATED` after delivery
    failures: a 410 answer, or failures only for 7 days)."""
    with state.db.read() as session:
        hook = service.get_webhook(session, auth, subscription_id, "pandadoc")
        return json_response(s.subscription_out(hook))


def _update(state: AppState, auth: AuthContext, sub_id: str, data: Any) -> s.Subscription:
    allow = state.settings.webhook_allow_private
    with state.db.read() as session:
        service.get_webhook(session, auth, sub_id, "pandadoc")
    fields = s.parse_subscription_body(data, creating=False, allow_private=allow)
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, sub_id, "pandadoc", lock=True)
        service.update_webhook(session, hook, fields)
        return s.subscription_out(hook)


@router.patch(
    "/webhook-subscriptions/{subscription_id}",
    response_model=s.Subscription,
    openapi_extra=body_doc(s.SubscriptionPatch),
    responses=_errors(400, 401, 404),
)
async def update_subscription(
    subscription_id: str, request: Request, auth: Auth, state: State
) -> JSONBytes:
    """Change any of name, url, triggers, payload, active. `active: true` reactivates a
    deactivated subscription and resets its failure counters (missed events are not
    replayed); `active: false` cancels the deliveries still pending."""
    data = await read_json(request)
    return json_response(await run_in_threadpool(_update, state, auth, subscription_id, data))


@router.delete(
    "/webhook-subscriptions/{subscription_id}", status_code=204, responses=_errors(401, 404)
)
def delete_subscription(subscription_id: str, auth: Auth, state: State) -> Response:
    """Delete a subscription; its pending deliveries are cancelled."""
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, subscription_id, "pandadoc", lock=True)
        service.delete_webhook(session, hook)
    return Response(status_code=204)


@router.patch(
    "/webhook-subscriptions/{subscription_id}/shared-key",
    response_model=s.SharedKey,
    responses=_errors(401, 404),
)
def rotate_shared_key(subscription_id: str, auth: Auth, state: State) -> JSONBytes:
    """Replace the subscription's shared key (20 letters and digits). The old key stops
    working at once: there is no grace period, as upstream."""
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, subscription_id, "pandadoc", lock=True)
        key = service.rotate_shared_key(session, hook)
    return json_response(s.SharedKey(shared_key=key))


def _many(request: Request, name: str) -> list[str]:
    params = request.query_params
    return [v for key in (name, f"{name}[]") for v in params.getlist(key) if v != ""]


def _event_filter(request: Request, since: str | None, to: str | None) -> service.EventFilter:
    problems: list[tuple[str, str]] = []
    flt = service.EventFilter(types=tuple(_many(request, "type")))
    for key, value in (("since", since), ("to", to)):
        if value:
            try:
                setattr(flt, key, parse_time(value))
            except ValueError:
                problems.append((key, "Enter a valid date/time."))
    classes = []
    for value in _many(request, "http_status_code"):
        if not value.isdigit() or int(value) not in _STATUS_CLASSES:
            problems.append(("http_status_code", f"'{value}' is not one of 100..500 by 100."))
        else:
            classes.append(int(value))
    errors = _many(request, "error")
    problems += [
        ("error", f"'{e}' is not a valid choice.") for e in errors if e not in _ERROR_CODES
    ]
    if problems:
        raise ValidationFailed(problems)
    flt.status_classes, flt.errors = tuple(classes), tuple(errors)
    return flt


@router.get("/webhook-events", response_model=s.WebhookEventPage, responses=_errors(400, 401))
def list_webhook_events(
    request: Request,
    auth: Auth,
    state: State,
    count: Annotated[int, Query(ge=1, le=100)] = 50,
    page: PageNumber = 1,
    since: Annotated[
        str | None,
        Query(description="Events from this time (ISO 8601)", json_schema_extra=ISO_TIME),
    ] = None,
    to: Annotated[
        str | None,
        Query(description="Events up to this time (ISO 8601)", json_schema_extra=ISO_TIME),
    ] = None,
    type: Annotated[list[str] | None, Query(description="Triggers (also `type[]`)")] = None,
    http_status_code: Annotated[
        list[int] | None,
        Query(
            description="Status classes: 100, 200, 300, 400, 500",
            json_schema_extra=checked_as(
                {"type": "array", "items": {"type": "integer", "enum": list(_STATUS_CLASSES)}}
            ),
        ),
    ] = None,
    error: Annotated[
        list[str] | None,
        Query(
            description="INTERNAL_ERROR, NOT_VALID_URL, CONNECT_ERROR, TIMEOUT_ERROR",
            json_schema_extra=checked_as(
                {"type": "array", "items": {"type": "string", "enum": list(_ERROR_CODES)}}
            ),
        ),
    ] = None,
) -> JSONBytes:
    """The delivery log of the workspace's subscriptions, newest first: one entry per event
    and subscription, with the last attempt's outcome. A short page is the last one."""
    flt = _event_filter(request, since, to)
    with state.db.read() as session:
        rows = service.list_pandadoc_events(session, auth, flt, page=page, count=count)
        items = [s.webhook_event_out(h, d, t, last) for h, d, t, last in rows]
    return json_response(s.WebhookEventPage(results=items))


@router.get(
    "/webhook-events/{event_id}", response_model=s.WebhookEventDetail, responses=_errors(401, 404)
)
def get_webhook_event(event_id: str, auth: Auth, state: State) -> JSONBytes:
    """One logged delivery, with the signature, the body sent, and the answer's body (first
    64 KB) and headers."""
    did = parse_uuid(event_id)
    with state.db.read() as session:
        rows = service.list_pandadoc_events(
            session, auth, service.EventFilter(), page=1, count=1, delivery_id=did or ""
        )
        if not rows:
            raise NotFound("Webhook event not found")
        hook, delivery, event_time, last = rows[0]
        return json_response(s.webhook_event_out(hook, delivery, event_time, last, detail=True))
