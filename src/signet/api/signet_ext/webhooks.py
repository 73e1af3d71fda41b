"""Signet extension: the delivery log of a webhook, and redelivery
(docs/compat/webhooks.md#delivery-log)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from signet.api.deps import Auth, PageNumber, State
from signet.api.openapi import errors_of
from signet.api.responses import JSONBytes, json_response
from signet.db import transaction
from signet.webhooks import delivery_repository, service
from signet.webhooks import schemas as s

router = APIRouter(tags=["Signet: webhook deliveries"])


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=s.DeliveryList,
    responses=errors_of(401, 404),
)
def list_deliveries(
    webhook_id: str,
    auth: Auth,
    state: State,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    state_filter: Annotated[
        Literal["pending", "succeeded", "failed", "cancelled"] | None, Query(alias="state")
    ] = None,
) -> JSONBytes:
    """The deliveries of one webhook (Firma or PandaDoc format), newest first, each with the
    exact body sent and every attempt: request headers, status, answer headers and body
    (first 64 KB), error class and duration."""
    with state.db.read() as session:
        hook = service.get_webhook(session, auth, webhook_id, None)
        rows, total = delivery_repository.deliveries_page(
            session, hook.id, state=state_filter, page=page, page_size=page_size
        )
        attempts = delivery_repository.attempts_by_delivery(session, [d.id for d in rows])
        body = s.DeliveryList(
            results=[s.delivery_out(d, attempts[d.id]) for d in rows],
            pagination=s.Pagination(
                current_page=page,
                page_size=page_size,
                total_count=total,
                total_pages=math.ceil(total / page_size) if total else 0,
            ),
        )
    return json_response(body)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=s.DeliveryOut,
    responses=errors_of(401, 404, 409),
)
def redeliver(webhook_id: str, delivery_id: str, auth: Auth, state: State) -> JSONBytes:
    """Queue the same body again as a new delivery (new `X-Firma-Delivery` id, same event
    `id` in the body), with a fresh retry schedule. 409 while the webhook is disabled."""
    with transaction(state.db.write) as session:
        hook = service.get_webhook(session, auth, webhook_id, None, lock=True)
        copy = service.redeliver(session, hook, delivery_id)
        body = s.delivery_out(copy, [])
    return json_response(body, 202)
