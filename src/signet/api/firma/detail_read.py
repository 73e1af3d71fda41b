"""The read behind ``GET /signing-requests/{id}``: one point read, no ORM.

Clients poll this endpoint for status, so it is the API's hottest read. The detail shape needs
only columns of the ``signing_requests`` row; they are read with ``Database.point`` (see
``signet.point_reads``) into a ``DetailRow`` that carries the same attributes, typed as the ORM
model would give them, so the serializers serve both this path and the ORM's.

Every request reads the row. What is derived from the row alone (``serializers.detail_stable``)
is remembered per row value, so an unchanged row is not converted and formatted again; a row that
changed in any column is a different key. Links and status flags are made anew each second
(``DetailMemo``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cachetools import LRUCache

from signet.api.firma import serializers as ser
from signet.api.state import AppState
from signet.errors import NotFound
from signet.kit.ids import parse_uuid
from signet.signing.repository_reads import DETAIL_COLUMNS, detail_columns
from signet.signing.states import RequestState

_MEMO_SIZE = 1024  # rows remembered; when full, the least recently used one goes
_STATE = DETAIL_COLUMNS.index("state")


@dataclass(slots=True, frozen=True)
class DetailRow:
    """The ``DETAIL_COLUMNS``, in their order, converted as the ORM would."""

    id: str
    workspace_id: str
    name: str
    description: str | None
    state: str
    template_id: str | None
    document_sha256: str | None
    page_count: int | None
    expiration_hours: int
    expires_at: datetime | None
    language: str
    settings: dict[str, Any]
    metadata_: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    declined_at: datetime | None
    last_signing_action_at: datetime | None
    certificate_generated_at: datetime | None
    certificate_has_error: bool
    final_sha256: str | None
    document_only_sha256: str | None
    certificate_only_sha256: str | None


def _utc(value: Any) -> Any:
    """A stored time as an aware UTC datetime, as ``models.base.UTCDateTime`` returns it."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite keeps naive UTC as ISO text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):  # SQLite keeps JSON as text; PostgreSQL's driver decodes
        return orjson.loads(value)
    return value


def _row(values: tuple[Any, ...]) -> DetailRow:
    (
        id_,
        workspace_id,
        name,
        description,
        state,
        template_id,
        document_sha256,
        page_count,
        expiration_hours,
        expires_at,
        language,
        settings,
        metadata,
        created_at,
        updated_at,
        sent_at,
        finished_at,
        cancelled_at,
        declined_at,
        last_signing_action_at,
        certificate_generated_at,
        certificate_has_error,
        final_sha256,
        document_only_sha256,
        certificate_only_sha256,
    ) = values
    return DetailRow(
        id=id_,
        workspace_id=workspace_id,
        name=name,
        description=description,
        state=state,
        template_id=template_id,
        document_sha256=document_sha256,
        page_count=page_count,
        expiration_hours=expiration_hours,
        expires_at=_utc(expires_at),
        language=language,
        settings=_json(settings) or {},
        metadata_=_json(metadata) or {},
        created_at=_utc(created_at),
        updated_at=_utc(updated_at),
        sent_at=_utc(sent_at),
        finished_at=_utc(finished_at),
        cancelled_at=_utc(cancelled_at),
        declined_at=_utc(declined_at),
        last_signing_action_at=_utc(last_signing_action_at),
        certificate_generated_at=_utc(certificate_generated_at),
        certificate_has_error=bool(certificate_has_error),
        final_sha256=final_sha256,
        document_only_sha256=document_only_sha256,
        certificate_only_sha256=certificate_only_sha256,
    )


@dataclass(slots=True)
class _Known:
    row: DetailRow
    stable: dict[str, Any]
    second: int = -1
    body: bytes = b""


class DetailMemo:
    """One per app (links carry its base URL and secret). For each row value: the row, its
    stable part and, for the current second only, the response bytes: links are signed to the
    second and the status is taken at that second, so within one second they are the same."""

    def __init__(self, size: int = _MEMO_SIZE) -> None:
        # Used from the event loop only (``detail_json``), so without a lock.
        self._known: LRUCache[tuple[Any, ...], _Known] = LRUCache(size)

    def body(self, state: AppState, values: tuple[Any, ...]) -> bytes:
        now = int(time.time())
        try:
            known = self._known[values]
        except KeyError:
            known = None
        except TypeError:  # PostgreSQL's driver decodes JSON into dicts: no key, derive anew
            row = _row(values)
            return orjson.dumps(ser.refresh_detail(state, row, ser.detail_stable(row), now))
        if known is None:
            row = _row(values)
            known = _Known(row, ser.detail_stable(row))
            self._known[values] = known
        if known.second != now:
            known.body = orjson.dumps(ser.refresh_detail(state, known.row, known.stable, now))
            known.second = now
        return known.body


async def detail_json(
    state: AppState, memo: DetailMemo, workspace_id: str, request_id: str
) -> bytes:
    """The detail shape of the request, if it exists in this workspace and is not deleted."""
    canonical = parse_uuid(request_id)
    if canonical is None:
        raise NotFound("Signing request not found")
    values = await detail_columns(state.db.point, canonical, workspace_id)
    if values is None or values[_STATE] == RequestState.DELETED:
        raise NotFound("Signing request not found")
    return memo.body(state, values)
