"""Helpers for the PandaDoc face's tests (imported by name: ``conftest`` is ambiguous when the
whole suite runs): a client speaking PandaDoc's paths and formats, a create body, signing and
inspection shortcuts."""

from __future__ import annotations

import json
from typing import Any

from fixtures.pdfs import make_pdf
from sqlalchemy import select

from signet.db import transaction
from signet.kit.ids import parse_uuid
from signet.models import Job
from signet.signing.processing import process

V1 = "/public/v1"


class PandaDoc:
    """PandaDoc calls with the shared test workspace's key (``API-Key <key>``)."""

    def __init__(self, api: Any, app: Any) -> None:
        self.api = api
        self.app = app
        self.headers = {"Authorization": f"API-Key {api.key}"}

    def call(self, method: str, path: str, **kw: Any) -> Any:
        kw["headers"] = {**self.headers, **kw.get("headers", {})}
        url = path if path.startswith("/public") else V1 + path
        return self.api.client.request(method, url, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)

    def upload(
        self,
        data: dict[str, Any] | str | None,
        pdf: bytes | None = None,
        filename: str = "contract.pdf",
    ) -> Any:
        files: dict[str, Any] = {}
        if pdf is not None or data is not None:
            files["file"] = (filename, make_pdf(2) if pdf is None else pdf, "application/pdf")
        form = {} if data is None else {"data": data if isinstance(data, str) else json.dumps(data)}
        return self.call("POST", "/documents?upload", files=files, data=form)

    def process(self, document_id: str) -> str | None:
        """Run the document's processing job now (the shared app has no running worker)."""
        with self.app.state.signet.db.read() as session:
            job = session.scalars(
                select(Job).where(Job.dedupe_key == f"process:{parse_uuid(document_id)}")
            ).one()
            payload = dict(job.payload)
        state = process(self.app.state.signet, payload)
        with transaction(self.app.state.signet.db.write) as session:
            row = session.get(Job, job.id)
            if row is not None and row.state == "pending":
                row.state = "done"
        return state

    def create(
        self, data: dict[str, Any] | None = None, pdf: bytes | None = None
    ) -> dict[str, Any]:
        """Upload, process, and return the document's details (status document.draft)."""
        r = self.upload(data if data is not None else doc_data(), pdf)
        assert r.status_code == 201, r.text
        assert self.process(r.json()["id"]) == "draft"
        details = self.get(f"/documents/{r.json()['id']}/details")
        assert details.status_code == 200, details.text
        return dict(details.json())


def doc_data(**kw: Any) -> dict[str, Any]:
    """A create ``data`` part: one signer with a role, one CC."""
    body: dict[str, Any] = {
        "name": "Master services agreement",
        "recipients": [
            {
                "email": "ada@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "role": "Client",
            },
            {"email": "cc@example.com", "first_name": "Carl", "last_name": "Copy"},
        ],
        "fields": [
            {
                "type": "signature",
                "name": "Client signature",
                "assigned_to": "Client",
                "layout": {
                    "page": 1,
                    "position": {"offset_x": 72, "offset_y": 600},
                    "style": {"width": 180, "height": 40},
                },
            }
        ],
        "metadata": {"crm_id": "42"},
        "tags": ["msa", "q3"],
    }
    body.update(kw)
    return body


def png_uri() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def sign(app: Any, recipient_id: str, values: dict[str, str] | None = None) -> bool:
    """Finish as this recipient (22-char or UUID id), adopting a drawn signature."""
    from signet.signing import recipient_actions as ra

    state = app.state.signet
    with transaction(state.db.write) as session:
        request, recipient = ra.load_for_recipient(
            session, parse_uuid(recipient_id) or "", for_update=True
        )
        actor = ra.actor_for(recipient, "127.0.0.1", "pytest")
        ra.accept_consent(session, request, recipient, actor, "I agree to sign electronically.")
        return ra.finish(
            session,
            state,
            request,
            recipient,
            actor,
            ra.Submission(values=values or {}, signature=png_uri(), signature_kind="drawn"),
        )


def jobs_of(app: Any, document_id: str, kind: str = "email.send") -> list[dict[str, Any]]:
    """Payloads of the jobs queued for this document."""
    rid = parse_uuid(document_id)
    with app.state.signet.db.read() as session:
        rows = session.scalars(select(Job).where(Job.kind == kind)).all()
        return [dict(j.payload) for j in rows if j.payload.get("signing_request_id") == rid]


def events_of(app: Any, document_id: str) -> list[Any]:
    from signet.models import WebhookEvent

    with app.state.signet.db.read() as session:
        return list(
            session.scalars(
                select(WebhookEvent)
                .where(WebhookEvent.signing_request_id == parse_uuid(document_id))
                .order_by(WebhookEvent.created_at)
            ).all()
        )


def finalize(app: Any, document_id: str) -> None:
    from signet.signing.finalize import finalize_request

    finalize_request(app.state.signet, parse_uuid(document_id) or "")
