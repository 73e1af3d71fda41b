"""Each face's view of a signing request or template, for webhook ``data`` and embed events.

The domain knows no face. Each face registers how it shows a request (its status word, its
webhook data) and a template; the composition root (``signet.wiring``) does the registering, and
the domain asks here by face name. Webhook events carry the data of both faces, taken in the
transaction of the change (docs/compat/webhooks.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signet.context import AppContext
from signet.models import SigningRequest, Template

FIRMA = "firma"
PANDADOC = "pandadoc"


# What notifications and views need from the running app (links are absolute and signed).
Env = AppContext


Data = dict[str, Any]


@dataclass(frozen=True)
class FaceViews:
    """How one face shows things: ``extra`` holds event details (``reason``, ``action_by``…)."""

    status: Callable[[SigningRequest], str]
    request_data: Callable[[Any, SigningRequest, Data], Data]
    template_data: Callable[[Any, Template, Data], Data]


_VIEWS: dict[str, FaceViews] = {}


def register(face: str, views: FaceViews) -> None:
    _VIEWS[face] = views


def views_of(face: str) -> FaceViews:
    try:
        return _VIEWS[face]
    except KeyError:
        raise RuntimeError(
            f"no views registered for the {face} face: call signet.wiring.wire() at start-up"
        ) from None


def status_of(face: str, request: SigningRequest) -> str:
    """The face's word for the request's state (Firma ``in_progress``, PandaDoc
    ``document.sent`` …)."""
    return views_of(face).status(request)


def request_payloads(env: Env, request: SigningRequest, extra: Data) -> tuple[Data, Data]:
    """The Firma and the PandaDoc ``data`` of a signing-request event."""
    return (
        views_of(FIRMA).request_data(env, request, extra),
        views_of(PANDADOC).request_data(env, request, extra),
    )


def template_payloads(env: Env, template: Template, extra: Data) -> tuple[Data, Data]:
    """The Firma and the PandaDoc ``data`` of a template event."""
    return (
        views_of(FIRMA).template_data(env, template, extra),
        views_of(PANDADOC).template_data(env, template, extra),
    )
