"""OpenAPI helpers shared by the faces: the error body models of each face, declared error
responses, bodies read by the endpoint, and ``declare_errors``, which makes every operation
declare the errors every route of its kind can answer, in its face's shape (docs/openapi.md)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel


class ErrorItem(BaseModel):
    message: str


class FirmaError(BaseModel):
    error: str
    code: str
    message: str | None = None
    details: dict[str, Any] | None = None
    errors: list[ErrorItem] | None = None


class PandaDocErrorOut(BaseModel):
    """PandaDoc v1: ``detail`` is a message, or the problems by field."""

    type: str
    detail: str | dict[str, list[str]]


class PandaDocV2Problem(BaseModel):
    code: str
    pointer: str
    data: dict[str, Any]


class PandaDocV2Error(BaseModel):
    """PandaDoc v2 (``/public/v2/…``): ``details`` has one entry per problem."""

    code: str
    details: list[PandaDocV2Problem]


ERROR_MODELS: tuple[type[BaseModel], ...] = (FirmaError, PandaDocErrorOut, PandaDocV2Error)

_ERR_TEXT = {
    400: "Validation error: every problem is listed in `errors`",
    401: "Missing or invalid API key",
    403: "Forbidden",
    404: "Not found (also for another workspace's ids)",
    409: "The request is in the wrong state for this operation",
    410: "Gone: the link has expired",
    413: "Body or document too large",
    501: "Not implemented in Signet",
    503: "Not ready yet; retry after `Retry-After` seconds",
}


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


def errors_of(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": FirmaError, "description": _ERR_TEXT[code]} for code in codes}


def checked_as(schema: dict[str, Any]) -> dict[str, Any]:
    """``json_schema_extra`` for a value the route reads as text and checks itself: the
    schema its check accepts replaces the annotation's (``str | None``) in the document, so
    the two agree (docs/openapi.md#schema-and-validation-agree)."""
    return {"anyOf": [schema]}


# What signet.kit.timefmt.parse_time accepts: an ISO 8601 date or date-time.
ISO_TIME: dict[str, Any] = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]
}


def error_model_for(path: str) -> str:
    """The name of the error body component of the face that ``path`` belongs to
    (signet.api.errors chooses the format by the same rule)."""
    if path.startswith("/public/v2/"):
        return PandaDocV2Error.__name__
    if path.startswith("/public/"):
        return PandaDocErrorOut.__name__
    return FirmaError.__name__


_ERROR_NAMES = {m.__name__ for m in ERROR_MODELS}
_DEFAULT_TEXT = {
    **_ERR_TEXT,
    400: "Validation error: every problem found is listed",
    422: "IDEMPOTENCY_KEY_REUSED: the key was used with another body",
}
_REF = re.compile(r"^#/components/schemas/(.+)$")


def _is_generic_error(response: dict[str, Any]) -> bool:
    """No body declared, FastAPI's own 422 model, or any face's error model: the face's model
    replaces it. A bespoke body (PandaDoc's 409 ``NotReadyOut``…) is kept."""
    content = response.get("content")
    if not content:
        return True
    schema = (content.get("application/json") or {}).get("schema") or {}
    match = _REF.match(str(schema.get("$ref", "")))
    return match is not None and (
        match.group(1) in _ERROR_NAMES or match.group(1) == "HTTPValidationError"
    )


def declare_errors(
    schema: dict[str, Any], *, keyless: set[tuple[str, str]], idempotent: tuple[str, ...]
) -> None:
    """Make every operation declare, in its face's error shape, what every route can answer:

    - 400 for any operation that takes parameters or a body (the validation error; FastAPI's
      own 422 is never sent: signet.api.errors answers 400);
    - 401 for every operation that needs an API key (``keyless`` lists those that do not);
    - 404 for every operation with an id in its path (an unknown id, or another workspace's);
    - 400, 409 and 422 for the POSTs that take ``Idempotency-Key`` (docs/idempotency.md);
    - each declared error response without a bespoke body gets its face's error model.
    """
    for path, operations in schema.get("paths", {}).items():
        shape = {"$ref": f"#/components/schemas/{error_model_for(path)}"}
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            fastapi_422 = responses.get("422", {})
            if "HTTPValidationError" in str(fastapi_422):
                del responses["422"]
            wanted: set[int] = set()
            if operation.get("parameters") or operation.get("requestBody"):
                wanted.add(400)
            if (path, method.upper()) not in keyless and path.startswith(
                ("/functions/", "/v1/", "/public/", "/signet/")
            ):
                wanted.add(401)
            if "{" in path:
                wanted.add(404)
            if method == "post" and path.startswith(idempotent):
                wanted |= {400, 409, 422}
            for number in sorted(wanted):
                responses.setdefault(str(number), {"description": _DEFAULT_TEXT[number]})
            for code, response in responses.items():
                if code[0] not in "45":
                    continue
                if _is_generic_error(response):
                    response["content"] = {"application/json": {"schema": shape}}
                elif code == "409" and "anyOf" not in str(response):
                    # Beside a bespoke 409 (PandaDoc's document still processing), other
                    # conflicts (IDEMPOTENCY_KEY_IN_USE, a state refusal) use the face's shape.
                    media = response["content"].setdefault("application/json", {})
                    media["schema"] = {"anyOf": [media.get("schema", {}), shape]}
    components = schema.get("components", {}).get("schemas", {})
    text = str(schema.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in text:
            components.pop(name, None)
