"""The upload lifecycle (signing.uploads): pending → uploaded once, exactly the declared size,
usable by id for 24 hours in its own workspace."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fixtures.pdfs import make_pdf

from signet.db import transaction
from signet.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from signet.models import UploadedDocument
from signet.models.base import utcnow
from signet.signing import uploads
from signet.workspaces.service import ensure_workspace


@pytest.fixture
def workspace_id(app) -> str:  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.write) as s:
        return ensure_workspace(s, f"uploads-{uuid.uuid4().hex[:8]}").id


def _open(app, workspace_id: str, size: int, content_type: str = "application/pdf") -> str:  # type: ignore[no-untyped-def]
    state = app.state.signet
    with transaction(state.db.write) as s:
        return uploads.open_upload(
            s,
            workspace_id=workspace_id,
            file_name="lease.pdf",
            file_size=size,
            content_type=content_type,
            max_bytes=state.settings.max_upload_bytes,
        ).id


def _receive(app, upload_id: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    state = app.state.signet
    with transaction(state.db.write) as s:
        uploads.receive_upload(s, state.store, upload_id, data)


def _usable(app, workspace_id: str, upload_id: str):  # type: ignore[no-untyped-def]
    with app.state.signet.db.read() as s:
        return uploads.usable_blob(s, workspace_id, upload_id)


def test_what_the_client_declares_is_checked_before_an_upload_opens(app, workspace_id):
    with pytest.raises(ValidationFailed) as err:
        _open(app, workspace_id, 0, "application/msword")
    assert [loc for loc, _ in err.value.problems] == ["file_size", "content_type"]
    with pytest.raises(PayloadTooLarge, match="byte limit"):
        _open(app, workspace_id, app.state.signet.settings.max_upload_bytes + 1)
    # A parameter after the media type is fine.
    assert _open(app, workspace_id, 10, "Application/PDF; charset=binary")


def test_an_upload_takes_exactly_its_declared_bytes_once(app, workspace_id):
    pdf = make_pdf(2)
    upload_id = _open(app, workspace_id, len(pdf))
    with pytest.raises(ValidationFailed, match="not been uploaded yet"):
        _usable(app, workspace_id, upload_id)
    with pytest.raises(ValidationFailed, match=f"expected {len(pdf)} bytes"):
        _receive(app, upload_id, pdf + b"\n")
    _receive(app, upload_id, pdf)
    assert _usable(app, workspace_id, upload_id).page_count == 2
    with pytest.raises(Conflict, match="already been used") as err:
        _receive(app, upload_id, pdf)
    assert err.value.code == "ALREADY_UPLOADED"
    with pytest.raises(Forbidden):
        _receive(app, str(uuid.uuid4()), pdf)


def test_bytes_that_are_not_a_pdf_leave_the_upload_pending(app, workspace_id):
    upload_id = _open(app, workspace_id, 12)
    with pytest.raises(ValidationFailed) as err:
        _receive(app, upload_id, b"not a pdf!!!")
    assert err.value.problems[0][0] == "body"
    with app.state.signet.db.read() as s:
        assert s.get(UploadedDocument, upload_id).status == "pending"


def test_an_upload_is_usable_for_24_hours_in_its_own_workspace_only(app, workspace_id):
    pdf = make_pdf()
    upload_id = _open(app, workspace_id, len(pdf))
    before = utcnow()
    _receive(app, upload_id, pdf)
    after = utcnow()
    with app.state.signet.db.read() as s:
        usable_until = s.get(UploadedDocument, upload_id).usable_until
    # Stored times may drop sub-second precision.
    day = timedelta(hours=24)
    assert before + day - timedelta(seconds=1) <= usable_until <= after + day
    with pytest.raises(NotFound):
        _usable(app, str(uuid.uuid4()), upload_id)
    with pytest.raises(NotFound):
        _usable(app, workspace_id, "not-a-uuid")
    with transaction(app.state.signet.db.write) as s:
        s.get(UploadedDocument, upload_id).usable_until = utcnow() - timedelta(seconds=1)
    with pytest.raises(ValidationFailed, match="expired"):
        _usable(app, workspace_id, upload_id)
