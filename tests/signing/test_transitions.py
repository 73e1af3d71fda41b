"""The signing request's state machine: every move of the table reaches its state, every other
move is refused with the one domain error and changes nothing, and each face answers an
illegal move the way it always has."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fixtures.pdfs import make_pdf
from fixtures.requests import create_body, signer
from sqlalchemy import select, text, update

from signet.db import transaction
from signet.errors import IllegalTransition
from signet.kit.ids import parse_uuid
from signet.models import Job, SigningRequest
from signet.models.base import utcnow
from signet.signing import repository, repository_search, service
from signet.signing.processing import process
from signet.signing.specs import SYSTEM, DraftSpec, RecipientSpec
from signet.signing.states import RequestState, effective_state
from signet.signing.transitions import (
    AWAIT_PROCESSING,
    CANCEL,
    MOVES,
    PROCESSING_FAILED,
    TABLE,
    Move,
    transition,
)
from signet.workspaces.service import ensure_workspace

S = RequestState
LEGAL = [(m, s) for m in MOVES for s in sorted(m.sources)]
ILLEGAL = [(m, s) for m in MOVES for s in S if s not in m.sources]


def _id(value: Any) -> str:
    move, source = value
    return f"{move.name.replace(' ', '_')}-to-{move.target}-from-{source}"


def _draft(app: Any) -> str:
    """A draft made by the domain itself, in a workspace of its own."""
    state = app.state.signet
    with transaction(state.db.write) as session:
        workspace_id = ensure_workspace(session, f"states-{uuid.uuid4().hex[:8]}").id
    spec = DraftSpec(
        name="Lease",
        recipients=[RecipientSpec(ref="temp_1", first_name="Ada", email="ada@example.com")],
    )
    with transaction(state.db.write) as session:
        request, _ = service.create_draft(
            session, state, workspace_id=workspace_id, actor=SYSTEM, spec=spec, blob=None
        )
        return request.id


def _store_state(app: Any, request_id: str, value: str, **columns: Any) -> None:
    """Test setup: put a request straight into a state (the moves are what is under test)."""
    with transaction(app.state.signet.db.write) as session:
        session.execute(
            update(SigningRequest)
            .where(SigningRequest.id == request_id)
            .values(state=value, **columns)
        )


def _stored_state(app: Any, request_id: str) -> str:
    with app.state.signet.db.read() as session:
        return str(
            session.scalar(select(SigningRequest.state).where(SigningRequest.id == request_id))
        )


def _move(app: Any, request_id: str, move: Move) -> RequestState:
    with transaction(app.state.signet.db.write) as session:
        request = repository.lock_request(session, request_id)
        assert request is not None
        return transition(session, request, move)


def test_the_table_is_the_lifecycle_of_a_request() -> None:
    ended = {S.COMPLETED, S.CANCELLED, S.DECLINED, S.EXPIRED}
    assert {
        S.UPLOADED: {S.DRAFT, S.ERROR},
        S.DRAFT: {S.UPLOADED, S.IN_PROGRESS, S.COMPLETED, S.DECLINED, S.DELETED},
        S.ERROR: {S.DRAFT, S.DELETED},
        S.IN_PROGRESS: ended | {S.DRAFT},
        S.COMPLETED: {S.DECLINED, S.DRAFT, S.DELETED},
        S.CANCELLED: {S.COMPLETED, S.DECLINED, S.DRAFT, S.DELETED},
        S.DECLINED: {S.COMPLETED, S.DRAFT, S.DELETED},
        S.EXPIRED: {S.COMPLETED, S.DECLINED, S.DRAFT, S.DELETED},
        S.DELETED: set(),
    } == TABLE


def test_states_are_stored_and_compared_as_their_plain_values() -> None:
    assert S.IN_PROGRESS == "in_progress" and f"{S.IN_PROGRESS}" == "in_progress"
    assert {"draft": 1}[S.DRAFT] == 1


@pytest.mark.parametrize("case", LEGAL, ids=_id)
def test_every_move_of_the_table_reaches_its_state(app: Any, case: tuple[Move, S]) -> None:
    move, source = case
    request_id = _draft(app)
    _store_state(app, request_id, source.value)
    assert _move(app, request_id, move) == source
    assert _stored_state(app, request_id) == move.target


@pytest.mark.parametrize("case", ILLEGAL, ids=_id)
def test_a_move_the_table_lacks_is_refused_and_changes_nothing(
    app: Any, case: tuple[Move, S]
) -> None:
    move, source = case
    request_id = _draft(app)
    _store_state(app, request_id, source.value)
    with pytest.raises(IllegalTransition) as refused:
        _move(app, request_id, move)
    assert refused.value.status_code == 409 and refused.value.code == "INVALID_STATE"
    assert _stored_state(app, request_id) == source


def test_lazy_expiry_is_one_rule_for_readers_lists_searches_and_the_sweep(app: Any) -> None:
    request_id = _draft(app)
    past = utcnow() - timedelta(minutes=1)
    _store_state(app, request_id, S.IN_PROGRESS.value, expires_at=past, sent_at=past)
    with app.state.signet.db.read() as session:
        request = repository.find_request(session, request_id)
        assert request is not None and effective_state(request) == S.EXPIRED
        workspace_id = request.workspace_id

        def listed(*states: S) -> bool:
            flt = repository.ListFilter(states=set(states))
            rows, _ = repository.page(
                session,
                repository.list_query(workspace_id, flt),
                sort_by="created_on",
                descending=True,
                page_number=1,
                page_size=10,
            )
            return request_id in [r.id for r in rows]

        assert listed(S.EXPIRED) and not listed(S.IN_PROGRESS)
        voided = repository_search.DocumentQuery(status=11)
        sent = repository_search.DocumentQuery(status=1)
        assert [r.id for r in repository_search.search(session, workspace_id, voided)] == [
            request_id
        ]
        assert repository_search.search(session, workspace_id, sent) == []
        assert request_id in repository.lapsed_request_ids(session, 10_000)


def _pg_only(app: Any) -> None:
    if app.state.signet.db.is_sqlite:
        pytest.skip("on SQLite the write transaction itself is the lock")


def test_a_path_that_did_not_lock_the_row_gets_the_lock_before_the_state_is_written(
    app: Any,
) -> None:
    _pg_only(app)
    request_id = _draft(app)
    _store_state(app, request_id, S.IN_PROGRESS.value)
    db = app.state.signet.db
    with transaction(db.write) as session:
        request = repository.find_request(session, request_id)  # read without the lock
        assert request is not None
        transition(session, request, CANCEL)
        with db.engine.connect() as other, pytest.raises(Exception, match="lock"):
            other.execute(
                text("SELECT id FROM signing_requests WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": request_id},
            )
    assert _stored_state(app, request_id) == S.CANCELLED


def test_a_request_moved_by_another_transaction_meanwhile_is_not_moved_from_a_stale_state(
    app: Any,
) -> None:
    _pg_only(app)
    request_id = _draft(app)
    _store_state(app, request_id, S.IN_PROGRESS.value)
    db = app.state.signet.db
    stale = pytest.raises(IllegalTransition, match="changed while")
    with stale, transaction(db.write) as session:
        request = repository.find_request(session, request_id)  # read without the lock
        assert request is not None and request.state == S.IN_PROGRESS
        _move(app, request_id, CANCEL)  # another transaction, committed
        transition(session, request, CANCEL)
    assert _stored_state(app, request_id) == S.CANCELLED


# --- Both faces answer an illegal move as they always have ----------------------------------


def _pandadoc(api: Any, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"API-Key {api.key}"}
    return api.client.request(method, f"/public/v1{path}", json=body, headers=headers)


def _created(api: Any, **kw: Any) -> str:
    r = api.post("/signing-requests", create_body(**kw))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _sent(api: Any) -> str:
    sid = _created(api)
    assert api.post(f"/signing-requests/{sid}/send").status_code == 200
    return sid


def test_firma_answers_illegal_moves_with_its_usual_errors(api: Any) -> None:
    draft = _created(api)
    r = api.post(f"/signing-requests/{draft}/cancel")
    assert (r.status_code, r.json()) == (
        409,
        {
            "error": "Only an in-progress signing request can be cancelled (it is draft)",
            "code": "INVALID_STATE",
        },
    )
    sent = _sent(api)
    r = api.post(f"/signing-requests/{sent}/send")
    assert (r.status_code, r.json()) == (
        400,
        {"error": "Cannot send: the signing request has already been sent", "code": "ALREADY_SENT"},
    )
    r = api.delete(f"/signing-requests/{sent}")
    assert (r.status_code, r.json()) == (
        409,
        {
            "error": "Cannot delete: the signing request has already been sent",
            "code": "ALREADY_SENT",
        },
    )
    assert api.post(f"/signing-requests/{sent}/cancel").status_code == 200
    r = api.post(f"/signing-requests/{sent}/send")
    assert (r.status_code, r.json()) == (
        409,
        {"error": "Cannot send a cancelled signing request", "code": "INVALID_STATE"},
    )


def test_pandadoc_answers_illegal_moves_with_its_usual_errors(api: Any) -> None:
    draft = _created(api)
    r = _pandadoc(api, "PATCH", f"/documents/{draft}/status", {"status": 11})
    assert (r.status_code, r.json()) == (
        400,
        {
            "type": "validation_error",
            "detail": "A document in document.draft status cannot be changed to that status",
        },
    )
    sent = _sent(api)
    r = _pandadoc(api, "POST", f"/documents/{sent}/send", {})
    assert (r.status_code, r.json()) == (
        400,
        {
            "type": "validation_error",
            "detail": "Cannot send: the signing request has already been sent",
        },
    )
    r = _pandadoc(api, "PATCH", f"/documents/{sent}", {"name": "Too late"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "type": "validation_error",
            "detail": "A document in document.sent status cannot be updated",
        },
    )
    assert _pandadoc(api, "PATCH", f"/documents/{sent}/status", {"status": 11}).status_code == 204
    r = _pandadoc(api, "POST", f"/documents/{sent}/send", {})
    assert (r.status_code, r.json()) == (
        409,
        {"type": "validation_error", "detail": "Cannot send a expired signing request"},
    )


def _in_error(app: Any, api: Any) -> str:
    """A request whose (PandaDoc) processing failed, made by the moves that lead there."""
    sid = _created(api)
    _move(app, sid, AWAIT_PROCESSING)
    _move(app, sid, PROCESSING_FAILED)
    return sid


def test_a_request_in_error_cannot_be_sent_from_either_face(app: Any, api: Any) -> None:
    refusal = "A document whose processing failed cannot be sent; create it again"
    sid = _in_error(app, api)
    r = api.post(f"/signing-requests/{sid}/send")
    assert (r.status_code, r.json()) == (400, {"error": refusal, "code": "INVALID_STATE"})
    r = _pandadoc(api, "POST", f"/documents/{sid}/send", {})
    assert (r.status_code, r.json()) == (400, {"type": "validation_error", "detail": refusal})
    assert _stored_state(app, sid) == S.ERROR
    # Its way out: back to draft (it has its document), then it sends.
    assert _pandadoc(api, "POST", f"/documents/{sid}/draft").status_code == 200
    assert api.post(f"/signing-requests/{sid}/send").status_code == 200


def test_a_request_in_error_is_not_edited_but_can_be_deleted(app: Any, api: Any) -> None:
    sid = _in_error(app, api)
    r = _pandadoc(api, "PATCH", f"/documents/{sid}", {"name": "Renamed"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "type": "validation_error",
            "detail": "A document in document.error status cannot be updated",
        },
    )
    r = api.patch(f"/signing-requests/{sid}", {"name": "Renamed"})
    refusal = (
        "Cannot update: the document's processing failed; revert it to draft or create it again"
    )
    assert (r.status_code, r.json()) == (400, {"error": refusal, "code": "INVALID_STATE"})
    assert api.delete(f"/signing-requests/{sid}").status_code == 200
    assert _stored_state(app, sid) == S.DELETED


# --- PandaDoc's parallel steps survive edits -------------------------------------------------


def _pandadoc_document(app: Any, api: Any, orders: list[int]) -> str:
    people = [(f"s{i}@example.com", f"Role {i}", o) for i, o in enumerate(orders)]
    data = {
        "name": "Parallel",
        "recipients": [
            {"email": e, "first_name": r, "role": r, "signing_order": o} for e, r, o in people
        ],
    }
    r = api.client.post(
        "/public/v1/documents?upload",
        headers={"Authorization": f"API-Key {api.key}"},
        files={"file": ("c.pdf", make_pdf(1), "application/pdf")},
        data={"data": json.dumps(data)},
    )
    assert r.status_code == 201, r.text
    document_id = parse_uuid(r.json()["id"])
    with app.state.signet.db.read() as session:
        job = session.scalars(select(Job).where(Job.dedupe_key == f"process:{document_id}")).one()
        payload = dict(job.payload)
    assert process(app.state.signet, payload) == "draft"
    return str(document_id)


def test_equal_pandadoc_orders_stay_one_parallel_step_through_edits(app: Any, api: Any) -> None:
    doc = _pandadoc_document(app, api, [2, 2, 5])

    def orders() -> list[int]:
        details = _pandadoc(api, "GET", f"/documents/{doc}/details").json()
        return [r["signing_order"] for r in details["recipients"]]

    assert orders() == [2, 2, 5]
    r = _pandadoc(
        api,
        "PATCH",
        f"/documents/{doc}",
        {"name": "Renamed", "recipients": [{"email": "cc@example.com", "first_name": "C"}]},
    )
    assert r.status_code == 204, r.text
    assert orders()[:3] == [2, 2, 5]
    # The Firma face shows the same numbers, and a Firma edit compacts them as Firma does.
    firma = [r["order"] for r in api.get(f"/signing-requests/{doc}/users").json()["results"]]
    assert firma[:3] == [2, 2, 5]
    r = api.patch(f"/signing-requests/{doc}", {"name": "Firma"})
    assert r.status_code == 200, r.text
    firma = [r["order"] for r in api.get(f"/signing-requests/{doc}/users").json()["results"]]
    assert firma[:3] == [1, 2, 3]


def test_firma_orders_are_compacted_to_one_to_n(api: Any) -> None:
    sid = _created(
        api,
        recipients=[
            signer("temp_1", "a@example.com", order=7),
            signer("temp_2", "b@example.com", order=3),
        ],
        fields=[],
    )
    assert [r["order"] for r in api.get(f"/signing-requests/{sid}/users").json()["results"]] == [
        2,
        1,
    ]
