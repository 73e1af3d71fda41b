"""OpenAPI helpers shared by the Firma face and Signet's own extension (which answers errors in
Firma's shape): the error body model, declared error responses, bodies read by the endpoint."""

from __future__ import annotations

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


_ERR_TEXT = {
    400: "Validation error: every problem is listed in `errors`",
    401: "Missing or invalid API key",
    403: "Forbidden",
    404: "Not found (also for another workspace's ids)",
    409: "The request is in the wrong state for this operation",
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
