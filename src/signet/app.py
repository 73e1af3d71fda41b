"""create_app(): settings, database, storage, middleware, error handlers and the mounted faces."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from prometheus_client import CollectorRegistry
from pydantic.json_schema import models_json_schema
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from signet import __version__, signing_page, verify_page
from signet.api.auth import KeyCache
from signet.api.errors import install_error_handlers
from signet.api.files import router as files_router
from signet.api.firma import company as firma_company
from signet.api.firma import custom_fields as firma_custom_fields
from signet.api.firma import documents, editing, lifecycle, signing_requests, subresources
from signet.api.firma import not_implemented as firma_501
from signet.api.firma import schemas_in as fin
from signet.api.firma import schemas_out as fout
from signet.api.firma import template_schemas as firma_template_schemas
from signet.api.firma import templates as firma_templates
from signet.api.firma import webhooks as firma_webhooks
from signet.api.firma import workspace_settings as firma_workspace_settings
from signet.api.firma.detail_read import DetailMemo
from signet.api.http_guard import API_PREFIXES, HttpGuard, needs_key
from signet.api.idempotency import IDEMPOTENT_PREFIXES, Idempotency
from signet.api.openapi import ERROR_MODELS, declare_errors
from signet.api.pandadoc import audit as pandadoc_audit
from signet.api.pandadoc import documents as pandadoc_documents
from signet.api.pandadoc import sessions as pandadoc_sessions
from signet.api.pandadoc import templates as pandadoc_templates
from signet.api.pandadoc import webhooks as pandadoc_webhooks
from signet.api.pandadoc_placeholder import router as pandadoc_501
from signet.api.rate_classes import classify
from signet.api.rate_limit import RateLimit, RateLimiter, open_storage, resolve_limits
from signet.api.responses import json_response
from signet.api.signet_ext import verify as ext_verify
from signet.api.signet_ext import webhooks as ext_webhooks
from signet.api.state import AppState
from signet.config import Settings, get_settings
from signet.db import database_unavailable, open_database
from signet.errors import StorageUnavailable
from signet.jobs.queue import queue_stats
from signet.jobs.worker import Worker
from signet.observability import metrics
from signet.observability.logs import configure_logging
from signet.observability.middleware import ObservabilityMiddleware
from signet.pdf import fonts
from signet.storage import open_store
from signet.wiring import wire

log = logging.getLogger("signet")

FIRMA_PREFIX = "/functions/v1/signing-request-api"

DESCRIPTION = (Path(__file__).parent / "api" / "description.md").read_text()


def _extra_schemas() -> dict[str, Any]:
    """The bodies endpoints read themselves (``signet.api.body.read_model``) and the answers
    they shape themselves: FastAPI sees neither."""
    inputs = [
        fin.SigningRequestCreate,
        fin.SigningRequestPatch,
        fin.SigningRequestPut,
        fin.SendIn,
        fin.CancelIn,
        fin.ResendIn,
        fin.LegacyDocumentCreate,
        fin.UploadTicketCreate,
        firma_template_schemas.TemplateCreate,
        firma_template_schemas.TemplatePatch,
        firma_template_schemas.TemplatePut,
        firma_template_schemas.ReplaceDocumentIn,
        pandadoc_sessions.DocumentCreateLinkRequest,
    ]
    outputs = [
        fout.LegacyDocument,
        fout.UploadTicket,
        fout.PatchPropertiesResponse,
        fout.PatchRecipientResponse,
        fout.PatchFieldResponse,
        *ERROR_MODELS,
    ]
    modes: list[Any] = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    _, schema = models_json_schema(
        modes,
        ref_template="#/components/schemas/{model}",
    )
    return dict(schema.get("$defs", {}))


def start_worker(state: AppState, concurrency: int) -> Worker:
    wire()
    s = state.settings
    worker = Worker(
        state,
        concurrency=concurrency,
        poll_interval=s.job_poll_interval,
        lease_seconds=s.job_lease_seconds,
        sweep_interval=s.expiry_sweep_seconds,
    )
    worker.start()
    return worker


def report_fonts() -> None:
    """Register the PDF fonts now, so that the first finalisation or typed signature does not
    wait for them (~0.13 s), and say which scripts they cover."""
    try:
        fonts.ensure_fonts_registered()
    except fonts.FontsMissing as exc:
        log.error("%s", exc)
        return
    log.info("%s", fonts.coverage_summary())


def _include_first(app: FastAPI, router: APIRouter, prefix: str, include_in_schema: bool) -> None:
    """Register ``router``'s routes on the app itself, ahead of every route so far. An included
    router is matched in passes of its own (~25 µs per request before the route is reached) and
    each route before costs ~1 µs: the hottest read skips both."""
    for route in router.routes:
        assert isinstance(route, APIRoute)
        app.add_api_route(
            prefix + route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            response_model=route.response_model,
            responses=route.responses,
            tags=list(route.tags),
            summary=route.summary,
            description=route.description,
            name=route.name,
            include_in_schema=include_in_schema and route.include_in_schema,
            status_code=route.status_code,
            dependencies=list(route.dependencies),
            response_description=route.response_description,
            deprecated=route.deprecated,
            operation_id=route.operation_id,
            response_class=route.response_class,
            openapi_extra=route.openapi_extra,
        )
        app.router.routes.insert(0, app.router.routes.pop())


def build_state(settings: Settings) -> AppState:
    """The application context. Raises StorageUnavailable (or StorageUrlError), naming the
    problem, when the configured blob store cannot be used: better now than at the first
    upload."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.storage_url, settings.data_dir, presign=settings.s3_presign)
    store.check()
    return AppState(
        settings=settings,
        db=open_database(settings.resolved_database_url),
        store=store,
        secret=settings.resolved_secret_key(),
    )


_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds until a retry can pass", "schema": {"type": "integer"}}
}


def declare_rate_limits(schema: dict[str, Any]) -> None:
    """Declare the 429 that every rate-limited operation may answer, in its face's error shape
    (docs/rate-limits.md)."""
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            rate_class = classify(method.upper(), path, has_key=True)
            responses = operation.setdefault("responses", {})
            if rate_class is None or "429" in responses:
                continue
            shape = "PandaDocErrorOut" if path.startswith("/public/") else "FirmaError"
            declared: dict[str, Any] = {
                "description": "Rate limit exceeded: retry after `Retry-After` seconds",
                "headers": _RETRY_AFTER,
            }
            if shape in components:
                ref = {"$ref": f"#/components/schemas/{shape}"}
                declared["content"] = {"application/json": {"schema": ref}}
            responses["429"] = declared


def declare_outages(schema: dict[str, Any]) -> None:
    """Every API operation may answer 503 with ``Retry-After`` while the database or the file
    store cannot serve (docs/operations.md); ``declare_errors`` then gives it its face's shape."""
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIXES):
            continue
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault(
                "503",
                {
                    "description": "The database or the file store is unavailable: retry after "
                    "`Retry-After` seconds",
                    "headers": _RETRY_AFTER,
                },
            )


_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    # What signet.api.idempotency accepts: 1 to 255 printable ASCII characters.
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": "Answer a retry with the first response (docs/idempotency.md)",
}


def declare_idempotency(schema: dict[str, Any]) -> None:
    """Every POST of both faces takes ``Idempotency-Key`` and may answer 409 (the first request
    with the key still runs) or 422 (the key was used with another body)."""
    for path, operations in schema.get("paths", {}).items():
        post = operations.get("post")
        if post is None or not path.startswith(IDEMPOTENT_PREFIXES):
            continue
        post.setdefault("parameters", []).append(_IDEMPOTENCY_HEADER)
        responses = post.setdefault("responses", {})
        responses.setdefault("409", {"description": "IDEMPOTENCY_KEY_IN_USE, or a state conflict"})
        responses.setdefault("422", {"description": "IDEMPOTENCY_KEY_REUSED with another body"})


def _queue_rows(state: AppState) -> list[metrics.QueueRow]:
    with state.db.read() as session:
        return queue_stats(session)


async def _form_refusal(request: Request, retry_after: int) -> Response | None:
    """A 429 for a form a browser posted (the public /verify page, the signing page's code
    forms) is that page with the message, not JSON (docs/rate-limits.md)."""
    page = verify_page.routes.too_many_checks_page(request, retry_after)
    if page is not None:
        return page
    return await signing_page.verify_identity.too_many_attempts_page(request, retry_after)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.log_format == "json":
        # Also in each process `signet serve --workers N` starts: they build their own app.
        configure_logging("json")
    wire()
    state = build_state(settings)
    db = state.db

    limiter = None
    if settings.rate_limits_enabled:
        limiter = RateLimiter(
            open_storage(settings.redis_url, settings.redis_key_prefix),
            resolve_limits(settings.rate_limits),
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if limiter is not None and settings.redis_url and not await limiter.check():
            raise RuntimeError(
                "SIGNET_REDIS_URL: Redis does not answer; start it or unset the setting"
            )
        report_fonts()
        worker = None
        if settings.inline_worker:
            worker = start_worker(state, settings.worker_concurrency)
            log.info("in-process job worker started (%d threads)", settings.worker_concurrency)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="Signet",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.signet = state
    app.state.key_cache = KeyCache()
    app.state.detail_memo = DetailMemo()
    install_error_handlers(app)
    app.add_middleware(
        Idempotency,
        body_limit=max(settings.max_upload_bytes, settings.max_json_body_bytes) + 64 * 1024,
    )
    if limiter is not None:
        app.add_middleware(
            RateLimit,
            limiter=limiter,
            key_cache=app.state.key_cache,
            page_refusal=_form_refusal,
        )
    # Outermost: heads and bodies are bounded, and keys checked, before anything reads them.
    app.add_middleware(HttpGuard, settings=settings)
    # Around everything: the request id and timing cover the guard's refusals too.
    app.add_middleware(ObservabilityMiddleware)
    queue_registry = CollectorRegistry(auto_describe=False)
    queue_registry.register(metrics.QueueCollector(lambda: _queue_rows(state)))

    @app.get("/healthz", tags=["Health"])
    def healthz() -> Any:
        """200 when the database answers, 503 otherwise."""
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            # The driver's text names hosts and files: it goes to the log, not to the caller.
            _log_database_check("health check", exc)
            return json_response({"status": "error", "detail": "the database does not answer"}, 503)
        return json_response({"status": "ok"})

    @app.get("/readyz", tags=["Health"])
    def readyz() -> Any:
        """200 when this process can serve: the database answers and the blob store is
        reachable; 503 (saying which is not) otherwise, so a load balancer routes elsewhere."""
        # Like /healthz, the details (hosts, buckets, files) go to the log, not to the caller.
        checks = {"database": "ok", "storage": "ok"}
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            _log_database_check("readiness", exc)
            checks["database"] = "the database does not answer"
        try:
            state.store.check(write=False)
        except StorageUnavailable as exc:
            log.error("readiness: the file storage cannot be used: %s", exc.message)
            checks["storage"] = "the file storage does not answer"
        ready = all(v == "ok" for v in checks.values())
        return json_response(
            {"status": "ok" if ready else "error", **checks}, 200 if ready else 503
        )

    @app.get("/metrics", tags=["Health"], response_class=Response)
    async def prometheus_metrics() -> Response:
        """Prometheus metrics: requests and latency per route template, job queue depth and
        oldest age per kind, job outcomes, seal duration, webhook deliveries, emails."""
        body = await run_in_threadpool(metrics.render, queue_registry)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    # Routes are tried in order, so the most requested come first: the detail read as the app's
    # first routes, then the signing-request routers at both mounts (the order within one
    # mount is what decides between its routes).
    for prefix, in_schema in ((FIRMA_PREFIX, True), ("/v1", False)):
        _include_first(app, signing_requests.read_router, prefix, in_schema)
    for module in (signing_requests, lifecycle, editing, subresources, documents):
        for prefix, in_schema in ((FIRMA_PREFIX, True), ("/v1", False)):
            app.include_router(module.router, prefix=prefix, include_in_schema=in_schema)
    for prefix, in_schema in ((FIRMA_PREFIX, True), ("/v1", False)):
        for extra in (
            firma_webhooks,
            firma_templates,
            firma_custom_fields,
            firma_workspace_settings,
            firma_company,
        ):
            app.include_router(extra.router, prefix=prefix, include_in_schema=in_schema)
    app.include_router(pandadoc_webhooks.router, prefix="/public/v1")
    app.include_router(pandadoc_sessions.router, prefix="/public/v1")
    app.include_router(pandadoc_documents.router, prefix="/public/v1")
    app.include_router(pandadoc_templates.router, prefix="/public/v1")
    app.include_router(pandadoc_audit.router, prefix="/public/v2")
    app.include_router(ext_webhooks.router, prefix="/signet/v1")
    app.include_router(ext_verify.router, prefix="/signet/v1")
    app.include_router(documents.upload_router, prefix="/v1")
    app.include_router(files_router)
    app.include_router(signing_page.routes.router)
    app.include_router(verify_page.routes.router)
    app.include_router(pandadoc_501)
    for prefix in (FIRMA_PREFIX, "/v1"):
        app.include_router(firma_501.router, prefix=prefix)

    def _keyless(schema: dict[str, Any]) -> set[tuple[str, str]]:
        """The documented operations that take no API key: they say so (``security: []``)
        unless they declare their own (``/signet/v1/verify`` takes one optionally)."""
        found = set()
        for route in iter_route_contexts(app.router.routes):
            if not isinstance(route.original_route, APIRoute) or needs_key(route.original_route):
                continue
            for method in route.methods or ():
                operation = schema["paths"].get(route.path, {}).get(method.lower())
                if operation is not None:
                    operation.setdefault("security", [])
                    found.add((str(route.path), method))
        return found

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, value in _extra_schemas().items():
            components.setdefault(name, value)
        schema["components"]["securitySchemes"] = {
            "apiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`<key>`, `Bearer <key>` or `API-Key <key>`",
            }
        }
        schema["security"] = [{"apiKey": []}]
        if limiter is not None:
            declare_rate_limits(schema)
        declare_idempotency(schema)
        declare_outages(schema)
        # After the outages: it gives every error response its face's shape (v1 or v2).
        declare_errors(schema, keyless=_keyless(schema), idempotent=IDEMPOTENT_PREFIXES)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _log_database_check(check: str, exc: Exception) -> None:
    """A database that is down in one line (a probe asks every few seconds); anything else
    with its traceback."""
    if database_unavailable(exc):
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        log.warning("%s: the database does not answer: %s", check, first)
    else:
        log.error("%s: the database does not answer", check, exc_info=exc)
