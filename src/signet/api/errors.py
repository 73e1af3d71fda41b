"""Map the SignetError family (and framework errors) to each face's error format, in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from signet.api.responses import JSONBytes
from signet.db import database_unavailable
from signet.errors import DatabaseUnavailable, RateLimited, SignetError, ValidationFailed
from signet.kit.links import SIGNING_PAGE_PREFIXES

log = logging.getLogger("signet.api")


def is_pandadoc(path: str) -> bool:
    return path.startswith("/public/")


def loc_to_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'fields', 2, 'position', 'x') → 'fields[2].position.x'."""
    out = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not out:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def pydantic_problems(errors: list[Any]) -> list[tuple[str, str]]:
    problems = []
    for err in errors:
        loc = list(err.get("loc", ()))
        # Drop pydantic's union/function tags so locations stay the client's own keys.
        loc = [p for p in loc if not (isinstance(p, str) and ("[" in p or "-" in p))]
        # signet.api.input_model names the spot inside the model it refused.
        loc += list((err.get("ctx") or {}).get("signet_path", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "missing":
            msg = "is required"
        problems.append((loc_to_path(loc), msg))
    return problems


def firma_body(exc: SignetError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.message, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        body["message"] = (
            f"{len(exc.problems)} validation error(s)" if len(exc.problems) != 1 else exc.message
        )
        details: dict[str, Any] = {}
        for loc, msg in exc.problems:
            details.setdefault(loc or "body", msg)
        body["details"] = exc.details if exc.details is not None else details
        body["errors"] = [{"message": m} for m in exc.messages]
    else:
        if exc.status_code == 401:
            body = {"error": "Unauthorized", "code": exc.code, "message": exc.message}
        elif exc.status_code == 501:
            body["error"] = "Not Implemented"
            body["message"] = exc.message
        elif exc.status_code == 429:
            body["error"] = "Rate Limit Exceeded"
            body["message"] = exc.message
        if exc.details is not None:
            body["details"] = exc.details
    body.update(exc.extra)
    return body


def pandadoc_body(exc: SignetError) -> dict[str, Any]:
    if exc.extra.get("pandadoc_body") is not None:
        return dict(exc.extra["pandadoc_body"])
    status = exc.status_code
    if isinstance(exc, ValidationFailed):
        detail: dict[str, list[str]] = {}
        for loc, msg in exc.problems:
            detail.setdefault(loc or "non_field_errors", []).append(msg)
        return {"type": "request_error", "detail": detail}
    if status == 401:
        return {
            "type": "authentication_error",
            "detail": "Authentication credentials were not provided.",
        }
    if status == 403:
        return {
            "type": "permission_error",
            "detail": "You do not have permission to perform this action.",
        }
    if status == 404:
        return {"type": "request_error", "detail": "Not found"}
    if status == 429:
        return {"type": "throttled", "detail": exc.message}
    if status == 501:
        return {"type": "request_error", "detail": exc.message}
    if status == 503:
        return {"type": "service_unavailable", "detail": exc.message}
    return {"type": exc.extra.get("pandadoc_type", "request_error"), "detail": exc.message}


_V2_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "too_many_requests",
    501: "not_implemented",
    503: "service_unavailable",
}


def pandadoc_v2_body(exc: SignetError) -> dict[str, Any]:
    """PandaDoc v2: ``{code, details:[{code, pointer, data}]}``; pointers are JSON pointers."""
    code = _V2_CODES.get(exc.status_code, "bad_request")
    if isinstance(exc, ValidationFailed):
        details = [
            {
                "code": "invalid",
                "pointer": "/" + loc.replace(".", "/") if loc else "/",
                "data": {"message": msg},
            }
            for loc, msg in exc.problems
        ]
    else:
        details = [{"code": code, "pointer": "/", "data": {"message": exc.message}}]
    return {"code": code, "details": details}


def signing_page_body(exc: SignetError) -> dict[str, Any]:
    """The signing page's script shows ``error`` to the recipient as it is and reads
    ``details`` as field locations, so a refusal by the rate limit says in ``error`` how long to
    wait and keeps the seconds out of ``details``."""
    if isinstance(exc, RateLimited):
        return {
            "error": f"Too many tries from your network: please wait {exc.retry_after} seconds "
            "and try again",
            "code": exc.code,
            "retry_after": exc.retry_after,
        }
    return firma_body(exc)


def allowed_methods(request: Request) -> str:
    """The methods the routes serving this request's path take, for ``Allow``: every route's,
    where the router's own 405 names only the first route's (GET and POST of one path are
    two routes)."""
    allowed: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        if ":path}" in str(route.path):
            continue  # a catch-all (501 or 404) serves no method of its own
        match, _ = route.matches(request.scope)
        if match == Match.PARTIAL:
            allowed |= set(route.methods or ())
    return ", ".join(sorted(allowed))


def refuse_other_method(request: Request) -> None:
    """For the catch-all routes that answer 501 or 404: when another route serves this path
    with other methods, the answer is 405 naming them in ``Allow``, as for any other path."""
    allowed = allowed_methods(request)
    if allowed:
        raise StarletteHTTPException(405, headers={"Allow": allowed})


def error_response(request: Request, exc: SignetError) -> JSONBytes:
    path = request.url.path
    if path.startswith("/public/v2/"):
        body = pandadoc_v2_body(exc)
    elif path.startswith(SIGNING_PAGE_PREFIXES):
        body = signing_page_body(exc)
    else:
        body = pandadoc_body(exc) if is_pandadoc(path) else firma_body(exc)
    body.pop("pandadoc_body", None)
    body.pop("pandadoc_type", None)
    headers = exc.extra.get("headers") if isinstance(exc.extra.get("headers"), dict) else None
    body.pop("headers", None)
    return JSONBytes(body, status_code=exc.status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignetError)
    async def _signet(request: Request, exc: SignetError) -> JSONBytes:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONBytes:
        return error_response(request, ValidationFailed(pydantic_problems(list(exc.errors()))))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONBytes:
        if exc.status_code == 404:
            err = SignetError("Not found", code="NOT_FOUND", status_code=404)
        elif exc.status_code == 405:
            headers = dict(exc.headers or {})
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
            err = SignetError(
                "Method not allowed",
                code="METHOD_NOT_ALLOWED",
                status_code=405,
                extra={"headers": headers},
            )
        else:
            err = SignetError(str(exc.detail), code="HTTP_ERROR", status_code=exc.status_code)
        return error_response(request, err)

    # A database that is down is not a bug: 503 with Retry-After in the face's format. The
    # route-level handler answers what routes raise; ``_unexpected`` (which Starlette runs for
    # whatever the middleware raises too) answers the rest the same way.
    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> JSONBytes:
        if database_unavailable(exc):
            return _database_down(request, exc)
        raise exc  # a bug (a constraint, a bad statement): on to ``_unexpected``

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONBytes:
        if database_unavailable(exc):
            return _database_down(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        err = SignetError("Internal server error", code="INTERNAL_ERROR", status_code=500)
        return error_response(request, err)


def _database_down(request: Request, exc: Exception) -> JSONBytes:
    # The driver's text names hosts and ports: it goes to the log, not to the caller.
    first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, first_line[:300]
    )
    return error_response(request, DatabaseUnavailable())
