"""The one create pipeline (signing.creation) on a real database: what it stores, what it
refuses (every problem at once, nothing written) and where each face's differences go."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from fixtures.pdfs import make_pdf
from sqlalchemy import func, select

from signet.db import transaction
from signet.errors import NotFound, ValidationFailed
from signet.models import AuditEvent, Job, SigningRequest
from signet.signing import creation, uploads
from signet.signing.anchors import AnchorSpec
from signet.signing.creation import DocumentSource, NewRequest
from signet.signing.specs import SYSTEM, DraftSpec, FieldSpec, RecipientSpec
from signet.workspaces.service import ensure_workspace


@pytest.fixture
def workspace_id(app) -> str:  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.write) as s:
        return ensure_workspace(s, f"creation-{uuid.uuid4().hex[:8]}").id


def _spec(**kw) -> DraftSpec:  # type: ignore[no-untyped-def]
    spec = DraftSpec(
        name="Lease",
        recipients=[RecipientSpec(ref="temp_1", first_name="Ada", email="ada@example.com")],
        fields=[FieldSpec(type="signature", page_number=1, x=10, y=80, recipient_ref="temp_1")],
    )
    for key, value in kw.items():
        setattr(spec, key, value)
    return spec


def _create(app, workspace_id: str, new: NewRequest) -> creation.Created:  # type: ignore[no-untyped-def]
    state = app.state.signet
    with transaction(state.db.write) as s:
        created = creation.create_request(s, state, new, workspace_id=workspace_id, actor=SYSTEM)
        s.expunge_all()  # read its columns after the commit, without lazy loads
        return created


def _count(app, model, workspace_id: str) -> int:  # type: ignore[no-untyped-def]
    with app.state.signet.db.read() as s:
        return s.scalar(
            select(func.count()).select_from(model).where(model.workspace_id == workspace_id)
        )


def test_a_create_stores_the_pdf_by_hash_and_makes_a_draft_with_its_event(app, workspace_id):
    pdf = make_pdf(2)
    created = _create(app, workspace_id, NewRequest(spec=_spec(), document=DocumentSource(pdf)))
    request = created.request
    assert request.state == "draft"
    assert request.page_count == 2
    assert request.document_sha256 == hashlib.sha256(pdf).hexdigest()
    assert app.state.signet.store.get(request.document_sha256) == pdf
    with app.state.signet.db.read() as s:
        events = s.scalars(
            select(AuditEvent.event).where(AuditEvent.signing_request_id == request.id)
        ).all()
    assert events == ["created"]


def test_every_problem_is_reported_at_once_in_a_fixed_order_and_nothing_is_written(
    app, workspace_id
):
    spec = _spec(
        fields=[FieldSpec(type="signature", page_number=3, x=10, y=80, recipient_ref="temp_1")]
    )
    new = NewRequest(
        spec=spec,
        document=DocumentSource(b"%PDF-1.7 not really", loc="file"),
        problems=[("data", "is not valid JSON")],
        spec_problems=[("recipients[0].email", "is not an email address")],
    )
    with pytest.raises(ValidationFailed) as err:
        _create(app, workspace_id, new)
    locs = [loc for loc, _ in err.value.problems]
    # The face's own problems, then the document's, then the spec's.
    assert locs[:3] == ["data", "file", "recipients[0].email"]
    assert _count(app, SigningRequest, workspace_id) == 0

    # With a usable PDF the draft rules run against its page count.
    new.document = DocumentSource(make_pdf(1))
    new.problems, new.spec_problems = [], []
    with pytest.raises(ValidationFailed) as err:
        _create(app, workspace_id, new)
    assert [loc for loc, _ in err.value.problems] == ["fields[0].page_number"]
    assert _count(app, SigningRequest, workspace_id) == 0


def test_whether_a_signer_is_required_is_the_callers_choice(app, workspace_id):
    spec = _spec(recipients=[], fields=[])
    with pytest.raises(ValidationFailed, match="recipients"):
        _create(app, workspace_id, NewRequest(spec=spec, document=DocumentSource(make_pdf())))
    created = _create(
        app,
        workspace_id,
        NewRequest(spec=_spec(recipients=[], fields=[]), require_signer=False),
    )
    assert created.request.document_sha256 is None  # a legacy draft may come without a PDF


def test_anchor_tags_add_fields_paint_the_pdf_and_their_problems_name_the_tag(app, workspace_id):
    pdf = make_pdf(1, text="SIGN_HERE")
    tag = AnchorSpec(anchor_string="SIGN_HERE", type="signature", recipient_ref="temp_1")
    created = _create(
        app,
        workspace_id,
        NewRequest(spec=_spec(fields=[]), document=DocumentSource(pdf), anchors=[tag]),
    )
    with app.state.signet.db.read() as s:
        request = s.get(SigningRequest, created.request.id)
        assert [f.type for f in request.fields] == ["signature"]
        # The marker was removed, so the stored PDF is the painted one, not the original.
        assert request.document_sha256 != hashlib.sha256(pdf).hexdigest()

    bad = AnchorSpec(anchor_string="SIGN_HERE", type="signature", recipient_ref="temp_1", width=500)
    with pytest.raises(ValidationFailed) as err:
        _create(
            app,
            workspace_id,
            NewRequest(spec=_spec(fields=[]), document=DocumentSource(pdf), anchors=[bad]),
        )
    # The tag's own problem, and the draft rule its field broke, both name the tag.
    assert [loc for loc, _ in err.value.problems] == [
        "anchor_tags[0].width",
        "anchor_tags[0].position",
    ]


def test_fields_in_points_are_placed_against_the_pdf_and_relabelled_for_the_client(
    app, workspace_id
):
    placement = {
        "index": 4,  # the client's own position of the field
        "spec": {"type": "signature", "recipient_ref": "temp_1"},
        "box": {"page": 1, "offset_x": 61.2, "offset_y": 79.2, "width": 122.4, "height": 39.6},
    }
    created = _create(
        app,
        workspace_id,
        NewRequest(
            spec=_spec(fields=[]),
            document=DocumentSource(make_pdf()),  # US letter: 612 × 792 pt
            placements=[placement],
        ),
    )
    with app.state.signet.db.read() as s:
        (f,) = s.get(SigningRequest, created.request.id).fields
        assert (f.page_number, f.x, f.y, f.width, f.height) == (1, 10, 10, 20, 5)

    off_page = {**placement, "box": {**placement["box"], "page": 2}}
    new = NewRequest(
        spec=_spec(fields=[]),
        document=DocumentSource(make_pdf()),
        placements=[off_page],
        relabel=lambda problems: [
            (loc.replace("fields[0]", "fields[4]"), m) for loc, m in problems
        ],
    )
    with pytest.raises(ValidationFailed) as err:
        _create(app, workspace_id, new)
    assert [loc for loc, _ in err.value.problems] == ["fields[4].page_number"]


def test_process_later_creates_it_uploaded_with_its_job_in_the_same_transaction(app, workspace_id):
    placement = {
        "index": 0,
        "spec": {"type": "signature", "recipient_ref": "temp_1"},
        "box": {"page": 1, "offset_x": 10, "offset_y": 10, "width": 100, "height": 30},
    }
    spec = _spec(
        fields=[],
        recipients=[
            RecipientSpec(ref="temp_a", first_name="A", email="a@example.com", order=2),
            RecipientSpec(ref="temp_b", first_name="B", email="b@example.com", order=2),
        ],
        settings={"use_signing_order": True},
        steps_as_given=True,
    )
    placement["spec"]["recipient_ref"] = "temp_b"
    created = _create(
        app,
        workspace_id,
        NewRequest(
            spec=spec,
            placements=[placement],
            require_signer=False,
            tags=["lease"],
            later=creation.ProcessLater(url="https://example.com/lease.pdf"),
        ),
    )
    with app.state.signet.db.read() as s:
        request = s.get(SigningRequest, created.request.id)
        assert request.state == "uploaded"
        assert request.tags == ["lease"]
        # Equal orders are kept as given (one parallel step), not compacted to 1, 2.
        assert [r.order for r in request.recipients] == [2, 2]
        b_id = request.recipients[1].id
        (job,) = s.scalars(select(Job).where(Job.dedupe_key == f"process:{request.id}")).all()
    assert job.kind == "document.process"
    assert job.payload["url"] == "https://example.com/lease.pdf"
    # The job gets recipient ids, not the client's refs.
    assert job.payload["placements"][0]["spec"]["recipient_ref"] == b_id


def test_prefill_fills_tokens_and_named_fields(app, workspace_id):
    spec = _spec(
        fields=[
            FieldSpec(
                type="text",
                page_number=1,
                x=10,
                y=10,
                read_only=True,
                variable_name="Client.Name",
            ),
            FieldSpec(type="text", page_number=1, x=10, y=30, recipient_ref="temp_1", name="city"),
            FieldSpec(type="signature", page_number=1, x=10, y=80, recipient_ref="temp_1"),
        ]
    )
    created = _create(
        app,
        workspace_id,
        NewRequest(
            spec=spec,
            document=DocumentSource(make_pdf()),
            prefill=creation.Prefill(
                tokens=[{"name": "Client.Name", "value": "Ada Lovelace"}],
                values={"city": "London"},
            ),
        ),
    )
    with app.state.signet.db.read() as s:
        fields = s.get(SigningRequest, created.request.id).fields
        assert fields[0].read_only_value == "Ada Lovelace"
        assert fields[1].value == "London"


def test_an_upload_is_used_by_id_and_only_in_its_own_workspace(app, workspace_id):
    state = app.state.signet
    pdf = make_pdf(3)
    with transaction(state.db.write) as s:
        upload = uploads.open_upload(
            s,
            workspace_id=workspace_id,
            file_name="lease.pdf",
            file_size=len(pdf),
            content_type="application/pdf",
            max_bytes=state.settings.max_upload_bytes,
        )
        upload_id = upload.id
    new = NewRequest(spec=_spec(), document=DocumentSource(upload_id=upload_id))
    with pytest.raises(ValidationFailed, match="not been uploaded yet"):
        _create(app, workspace_id, new)
    with transaction(state.db.write) as s:
        uploads.receive_upload(s, state.store, upload_id, pdf)
    created = _create(app, workspace_id, new)
    assert created.request.page_count == 3
    assert created.request.document_sha256 == hashlib.sha256(pdf).hexdigest()

    with transaction(state.db.write) as s:
        other_ws = ensure_workspace(s, f"other-{uuid.uuid4().hex[:8]}").id
    with pytest.raises(NotFound):
        _create(app, other_ws, new)
