"""The Firma face's view of requests and templates for webhook ``data`` and embed events:
the list item (or template) as the API returns it, plus ``metadata`` and the event's details."""

from __future__ import annotations

from typing import Any

from signet.api.firma.serializers import list_item_out
from signet.api.firma.status import list_status
from signet.api.firma.template_serializers import template_out
from signet.context import AppContext
from signet.models import SigningRequest, Template
from signet.webhooks.payloads import FaceViews


def request_data(env: AppContext, request: SigningRequest, extra: dict[str, Any]) -> dict[str, Any]:
    data = list_item_out(env, request).model_dump(mode="json")
    data["metadata"] = request.metadata_ or {}
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def template_data(env: AppContext, template: Template, extra: dict[str, Any]) -> dict[str, Any]:
    data = template_out(env, template, ttl=3600).model_dump(mode="json")
    data["metadata"] = template.metadata_ or {}
    data["deleted"] = template.deleted_at is not None
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


VIEWS = FaceViews(status=list_status, request_data=request_data, template_data=template_data)
