"""One exception family for the domain. Each API face maps it to its own error format.

SignetError
├── ValidationFailed      400  every problem found, as (location, message) pairs
├── Unauthorized          401
├── Forbidden             403
├── NotFound              404  also for another workspace's ids
├── Conflict              409  wrong state for the operation (code says which)
│   └── IllegalTransition   the request's state does not allow the action (409 or 400)
├── PayloadTooLarge       413
├── RateLimited           429  with the seconds to wait (docs/rate-limits.md)
├── NotImplementedRoute   501
├── StorageUnavailable    503  the blob store cannot be reached now; Retry-After says when
└── DatabaseUnavailable   503  the database cannot be reached now; Retry-After says when
"""

from __future__ import annotations

from typing import Any


class SignetError(Exception):
    status_code = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details
        # Extra top-level keys some upstream error shapes carry (phase, validation_errors ...).
        self.extra = extra or {}


class ValidationFailed(SignetError):
    status_code = 400
    code = "VALIDATION_ERROR"

    def __init__(
        self,
        problems: list[tuple[str, str]],
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.problems = problems
        first = problems[0] if problems else ("", "Invalid request")
        super().__init__(_join(*first), code=code, extra=extra)

    @property
    def messages(self) -> list[str]:
        return [_join(loc, msg) for loc, msg in self.problems]


def _join(loc: str, msg: str) -> str:
    return f"{loc}: {msg}" if loc else msg


class Unauthorized(SignetError):
    status_code = 401
    code = "UNAUTHORIZED"


class Forbidden(SignetError):
    status_code = 403
    code = "ACCESS_DENIED"


class NotFound(SignetError):
    status_code = 404
    code = "NOT_FOUND"


class Conflict(SignetError):
    status_code = 409
    code = "INVALID_STATE"


class IllegalTransition(Conflict):
    """The signing request's state does not allow the action: send a completed request, cancel
    a draft, edit a sent one. Raised by the signing state machine (``signing.transitions``);
    ``status_code`` and ``code`` are what the action has always answered (most 409, the Firma
    PATCH/send refusals 400 ``ALREADY_SENT``), and each face shows it in its own error format."""

    status_code = 409
    code = "INVALID_STATE"


class PayloadTooLarge(SignetError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class NotImplementedRoute(SignetError):
    status_code = 501
    code = "NOT_IMPLEMENTED"


class RateLimited(SignetError):
    """Too many requests in a rate-limit class (docs/rate-limits.md); retry after some seconds."""

    status_code = 429
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests: retry in {retry_after} seconds",
            details={"retry_after": retry_after},
        )
        self.retry_after = retry_after
        self.extra["pandadoc_body"] = {
            "type": "throttled",
            "detail": f"Request was throttled. Expected available in {retry_after} seconds.",
        }


class StorageUnavailable(SignetError):
    """The blob store (S3) cannot be reached or refuses us: a client should retry later, a job
    is retried by the worker. At start-up the same error stops ``signet serve``."""

    status_code = 503
    code = "STORAGE_UNAVAILABLE"
    retry_after = 10

    def __init__(self, message: str) -> None:
        super().__init__(message, extra={"headers": {"Retry-After": str(self.retry_after)}})


class DatabaseUnavailable(SignetError):
    """The database cannot be reached or cannot serve now (restarting, failing over, out of
    connections, locked past the busy timeout): a client should retry later, a job is retried
    by the worker. ``signet.db.database_unavailable`` tells which driver errors these are."""

    status_code = 503
    code = "DATABASE_UNAVAILABLE"
    retry_after = 5

    def __init__(self, message: str = "The database is unavailable; retry later") -> None:
        super().__init__(message, extra={"headers": {"Retry-After": str(self.retry_after)}})
