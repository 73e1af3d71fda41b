"""GET /signing-requests/{id} reads its row without the ORM (api/firma/detail_read.py) and
remembers what an unchanged row gives: it must say exactly what the ORM-based serializer says,
in every state, and follow every change of the row at once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta

import shortuuid
from fixtures.requests import create_body
from sqlalchemy import text

from signet.api.firma import schemas_out as out
from signet.api.firma import serializers as ser
from signet.db import create_db_engine
from signet.kit import signed_urls
from signet.models import SigningRequest
from signet.models.base import utcnow
from signet.point_reads import PointReader

_LINKS = (
    "document_url",
    "document_url_expires_at",
    "final_document_download_url",
    "document_only_download_url",
    "certificate_only_download_url",
)


def _create(api, **kw) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/signing-requests", create_body(**kw))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _orm_detail(app, sid: str) -> dict:  # type: ignore[no-untyped-def]
    state = app.state.signet
    with state.db.read() as session:
        return ser.detail_body(state, session.get(SigningRequest, sid))


def _same_detail(app, api, sid: str) -> dict:  # type: ignore[no-untyped-def]
    """The endpoint's body, checked against the ORM serializer and the published schema."""
    r = api.get(f"/signing-requests/{sid}")
    assert r.status_code == 200, r.text
    body = r.json()
    expected = _orm_detail(app, sid)
    # Links are signed to the second: compare what they point at, then everything else.
    secret = app.state.signet.secret
    for key in _LINKS:
        assert (body[key] is None) == (expected[key] is None), key
        if key.endswith("_url") and body[key]:
            token = body[key].rsplit("/", 1)[1]
            other = expected[key].rsplit("/", 1)[1]
            mine, theirs = signed_urls.verify(secret, token), signed_urls.verify(secret, other)
            assert {**mine, "exp": 0} == {**theirs, "exp": 0}, key
    assert {k: v for k, v in body.items() if k not in _LINKS} == {
        k: v for k, v in expected.items() if k not in _LINKS
    }
    # Exactly the Detail shape, with no value that pydantic would have to coerce.
    assert out.Detail.model_validate(body).model_dump(mode="json") == body
    return body


def _set(app, sid: str, **values) -> None:  # type: ignore[no-untyped-def]
    with app.state.signet.db.write() as s, s.begin():
        sr = s.get(SigningRequest, sid)
        for key, value in values.items():
            setattr(sr, key, value)


def test_the_detail_matches_the_orm_serializer_in_every_state(api, app):
    draft = _create(
        api,
        name='<b>Contrat "été"</b> — 合同 ' + "x" * 150,
        metadata={"deal": "42", "note": "ü\n<x>"},
        settings={"allow_download": False, "completion_title": "Merci", "hand_drawn_only": True},
        expiration_hours=12,
    )
    body = _same_detail(app, api, draft)
    assert body["status"]["sent"] is False and body["allow_download"] == 0
    assert body["metadata"] == {"deal": "42", "note": "ü\n<x>"}

    sent = _create(api)
    assert api.post(f"/signing-requests/{sent}/send").status_code == 200
    body = _same_detail(app, api, sent)
    assert body["status"]["sent"] is True and body["timestamps"]["sent_on"]

    expired = _create(api)
    api.post(f"/signing-requests/{expired}/send")
    _set(app, expired, expires_at=utcnow() - timedelta(minutes=1))
    assert _same_detail(app, api, expired)["status"]["expired"] is True

    cancelled = _create(api)
    api.post(f"/signing-requests/{cancelled}/send")
    api.post(f"/signing-requests/{cancelled}/cancel", {})
    assert _same_detail(app, api, cancelled)["status"]["cancelled"] is True

    # Finished: one final file stored, two missing (their links report the error instead).
    finished = _create(api)
    with app.state.signet.db.read() as s:
        original = s.get(SigningRequest, finished).document_sha256
    now = utcnow()
    _set(
        app,
        finished,
        state="completed",
        sent_at=now,
        finished_at=now,
        last_signing_action_at=now,
        certificate_generated_at=now,
        final_sha256=original,
        document_only_sha256="0" * 64,
        certificate_only_sha256="1" * 64,
    )
    body = _same_detail(app, api, finished)
    assert body["status"]["finished"] is True and body["certificate"]["generated"] is True
    assert body["final_document_download_url"] and body["final_document_download_error"] is None
    assert body["document_only_download_error"] == "file_not_accessible"


def test_the_detail_follows_every_change_of_the_row_at_once(api, app):
    sid = _create(api)
    assert api.get(f"/signing-requests/{sid}").json()["name"] == "Employment Contract"
    assert api.patch(f"/signing-requests/{sid}", {"name": "Renamed"}).status_code == 200
    assert api.get(f"/signing-requests/{sid}").json()["name"] == "Renamed"
    # A change made behind the API's back (another process, a job) shows as well.
    _set(app, sid, certificate_has_error=True, metadata_={"k": "v"})
    body = _same_detail(app, api, sid)
    assert body["certificate"]["has_error"] is True and body["metadata"] == {"k": "v"}
    _set(app, sid, certificate_has_error=False)
    assert api.get(f"/signing-requests/{sid}").json()["certificate"]["has_error"] is False


def test_the_detail_answers_not_found_like_the_other_reads(api, other_api):
    sid = _create(api)
    short = shortuuid.encode(__import__("uuid").UUID(sid))
    assert api.get(f"/signing-requests/{short}").json()["id"] == sid
    for who, path in (
        (other_api, f"/signing-requests/{sid}"),
        (api, "/signing-requests/not-an-id"),
        (api, f"/signing-requests/{'0' * 8}-0000-4000-8000-{'0' * 12}"),
    ):
        r = who.get(path)
        assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND", r.text
    assert api.delete(f"/signing-requests/{sid}").status_code in (200, 204)
    gone = api.get(f"/signing-requests/{sid}")
    assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"
    no_key = api.client.get(api.url(f"/signing-requests/{sid}"))
    assert no_key.status_code == 401


def test_a_locked_sqlite_file_is_waited_for_off_the_event_loop(tmp_path):
    path = tmp_path / "locked.db"
    engine = create_db_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()  # no pooled connection stands in the way of the exclusive lock
    # Another process holds the file exclusively (SQLite's exclusive locking mode) for a while:
    # readers get "database is locked" instead of a snapshot.
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (2)")

    def release() -> None:
        holder.execute("COMMIT")
        holder.close()

    reader = PointReader(engine)

    async def read() -> tuple[tuple | None, int]:  # type: ignore[type-arg]
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0)
        started = ticks
        threading.Timer(0.3, release).start()
        row = await reader.one("SELECT count(*) FROM t", ())
        ticker.cancel()
        return row, ticks - started

    try:
        row, ticks_while_waiting = asyncio.run(read())
    finally:
        reader.close()
        engine.dispose()
    assert row == (2,)  # the read waited for the lock and saw the committed row
    assert ticks_while_waiting > 0  # the loop kept running meanwhile


def test_a_full_detail_memo_forgets_the_least_recently_used_row_only(api, app):
    import pytest

    from signet.api.firma.detail_read import DetailMemo
    from signet.signing.repository_reads import detail_columns

    state = app.state.signet
    ids = [_create(api) for _ in range(3)]
    rows = [asyncio.run(detail_columns(state.db.point, sid, api.workspace_id)) for sid in ids]
    try:
        hash(rows[0])
    except TypeError:
        pytest.skip("PostgreSQL rows hold dicts: the memo keeps nothing for them")
    memo = DetailMemo(size=2)
    for row in (rows[0], rows[1], rows[0]):  # rows[1] is now the least recently used
        memo.body(state, row)
    memo.body(state, rows[2])  # full: rows[1], the least recently used, goes
    assert rows[0] in memo._known and rows[2] in memo._known and rows[1] not in memo._known
