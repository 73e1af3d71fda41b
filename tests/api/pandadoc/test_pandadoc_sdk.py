"""PandaDoc's official Python SDK (pandadoc-python-client 6.2.0) drives Signet over HTTP by
changing only the host: create from an uploaded PDF, wait for draft, read, list, update, send
silently, open a session, sign it in Chromium, download, download the sealed file, delete.
Every response goes through the SDK's strict model deserialisation (``_check_type``)."""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any

import pikepdf
import pytest
from fixtures.pdfs import make_pdf

pandadoc_client = pytest.importorskip("pandadoc_client")

from pandadoc_client import ApiClient, ApiException, Configuration  # noqa: E402
from pandadoc_client.api.documents_api import DocumentsApi  # noqa: E402
from pandadoc_client.model.document_create_link_request import (  # noqa: E402
    DocumentCreateLinkRequest,
)
from pandadoc_client.model.document_create_response import DocumentCreateResponse  # noqa: E402
from pandadoc_client.model.document_ordering_fields_enum import (  # noqa: E402
    DocumentOrderingFieldsEnum,
)
from pandadoc_client.model.document_send_request import DocumentSendRequest  # noqa: E402
from pandadoc_client.model.document_status_request_enum import (  # noqa: E402
    DocumentStatusRequestEnum,
)
from pandadoc_client.model.document_update_request import DocumentUpdateRequest  # noqa: E402

pytestmark = pytest.mark.timeout(180)

SIGNER = "grace@example.com"


def _client(live: Any) -> ApiClient:
    cfg = Configuration(
        host=live.base_url, api_key={"apiKey": live.key}, api_key_prefix={"apiKey": "API-Key"}
    )
    return ApiClient(cfg)


def _upload(client: ApiClient, data: dict[str, Any], path: Any) -> DocumentCreateResponse:
    """The generated ``create_document`` sends JSON only (its model has no file), so an upload
    goes through the SDK's own ``call_api`` with a multipart body, as upstream documents."""
    file = open(path, "rb")  # noqa: SIM115 - the SDK reads and closes it
    return client.call_api(
        "/public/v1/documents",
        "POST",
        query_params=[("upload", "")],
        header_params={"Accept": "application/json", "Content-Type": "multipart/form-data"},
        post_params=[("data", json.dumps(data))],
        files={"file": [file]},
        response_type=(DocumentCreateResponse,),
        auth_settings=["apiKey"],
        _return_http_data_only=True,
        _check_type=True,
    )


def _wait(predicate: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _sign_in_browser(chromium: Any, base_url: str, session_id: str) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/s/{session_id}")
        page.get_by_label(re.compile("agree")).check()
        page.locator("[data-field-type='signature'] button").first.click()
        page.get_by_role("textbox", name="Or type your name").fill("Grace Hopper")
        page.get_by_role("button", name="Adopt signature").click()
        page.get_by_role("button", name="Finish").click()
        page.get_by_role("heading", name="Thank you").wait_for()
    finally:
        context.close()


def _data() -> dict[str, Any]:
    return {
        "name": "SDK agreement",
        "recipients": [
            {
                "email": SIGNER,
                "first_name": "Grace",
                "last_name": "Hopper",
                "role": "Signer",
                "signing_order": 1,
            },
            {"email": "copy@example.com", "first_name": "Carbon", "last_name": "Copy"},
        ],
        "fields": [
            {
                "type": "signature",
                "name": "Signature",
                "assigned_to": "Signer",
                "layout": {
                    "page": 1,
                    "position": {"offset_x": 72, "offset_y": 640},
                    "style": {"width": 200, "height": 50},
                },
            }
        ],
        "metadata": {"crm_id": "sdk-1"},
        "tags": ["sdk"],
    }


def test_the_official_sdk_runs_a_document_from_upload_to_delete(live_signet, chromium, tmp_path):
    pdf_path = tmp_path / "agreement.pdf"
    pdf_path.write_bytes(make_pdf(2))
    with _client(live_signet) as client:
        docs = DocumentsApi(client)
        created = _upload(client, _data(), pdf_path)
        assert created.status.value == "document.uploaded"
        doc_id = created.id
        assert len(doc_id) == 22 and created.expiration_date is None

        _wait(lambda: docs.status_document(doc_id).status == "document.draft", what="draft")
        details = docs.details_document(doc_id)
        assert details.name == "SDK agreement" and details.metadata == {"crm_id": "sdk-1"}
        assert [r.recipient_type for r in details.recipients] == ["signer", "CC"]
        assert details.recipients[0].signing_order == 1
        assert details.fields[0]["assigned_to"]["email"] == SIGNER
        assert "template" not in details.to_dict()

        listed = docs.list_documents(
            status=DocumentStatusRequestEnum(0),
            count=10,
            page=1,
            order_by=DocumentOrderingFieldsEnum("date_created"),
            metadata=["metadata_crm_id=sdk-1"],
        )
        assert [d.id for d in listed.results] == [doc_id]

        assert (
            docs.update_document(
                doc_id,
                DocumentUpdateRequest(
                    name="SDK agreement v2", metadata={"crm_id": "sdk-1", "stage": "sent"}
                ),
            )
            is None
        )
        assert docs.details_document(doc_id).name == "SDK agreement v2"

        sent = docs.send_document(
            doc_id, DocumentSendRequest(silent=True, subject="Please sign", message="Thanks")
        )
        assert sent.status == "document.sent" and sent.expiration_date
        assert sent.recipients[0].shared_link.startswith(live_signet.base_url + "/signing/")

        link = docs.create_document_link(
            doc_id, DocumentCreateLinkRequest(recipient=SIGNER, lifetime=900.0)
        )  # the SDK types it float
        assert len(link.id) == 22 and link.expires_at.endswith("Z")

        _sign_in_browser(chromium, live_signet.base_url, link.id)
        _wait(lambda: docs.status_document(doc_id).status == "document.completed", what="completed")

        def protected() -> bytes | None:
            file, status, headers = docs.download_protected_document(
                doc_id, _return_http_data_only=False
            )
            if status == 202:
                assert headers["Retry-After"] == "5"
                return None
            return bytes(file.read())

        sealed = _wait(protected, timeout=60, what="the sealed PDF")
        assert sealed.startswith(b"%PDF-")
        with pikepdf.open(io.BytesIO(sealed)) as pdf:
            assert len(pdf.pages) > 2  # two document pages + the certificate
        assert b"/ByteRange" in sealed
        downloaded = docs.download_document(doc_id)
        assert downloaded.read() == sealed

        mail_dir = live_signet.data_dir / "mail"
        sent_mail = list(mail_dir.glob("*.eml")) if mail_dir.exists() else []
        assert not sent_mail, "a silent document sent email"

        assert docs.delete_document(doc_id) is None
        with pytest.raises(ApiException) as missing:
            docs.status_document(doc_id)
        assert missing.value.status == 404
        assert json.loads(missing.value.body) == {"type": "request_error", "detail": "Not found"}


def test_the_sdk_manages_recipients_and_changes_the_status(live_signet, tmp_path):
    from pandadoc_client.api.document_recipients_api import DocumentRecipientsApi
    from pandadoc_client.model.document_recipient_create_request import (
        DocumentRecipientCreateRequest,
    )
    from pandadoc_client.model.document_recipient_edit_request import (
        DocumentRecipientEditRequest,
    )
    from pandadoc_client.model.document_status_change_request import (
        DocumentStatusChangeRequest,
    )

    pdf_path = tmp_path / "nda.pdf"
    pdf_path.write_bytes(make_pdf(1))
    with _client(live_signet) as client:
        docs, people = DocumentsApi(client), DocumentRecipientsApi(client)
        other = _data()
        other["recipients"] = [
            {
                "email": "lin@example.com",
                "first_name": "Lin",
                "last_name": "Contact",
                "role": "Signer",
            },
            {"email": "max@example.com", "first_name": "Max", "last_name": "Contact"},
        ]
        contacts = _upload(client, other, pdf_path).id
        doc_id = _upload(client, _data(), pdf_path).id
        for d in (contacts, doc_id):
            _wait(lambda d=d: docs.status_document(d).status == "document.draft", what="draft")
        lin, max_ = (r.contact_id for r in docs.details_document(contacts).recipients)
        signer_id = docs.details_document(doc_id).recipients[0].id

        added = people.add_document_recipient(
            doc_id, DocumentRecipientCreateRequest(id=max_, kind="contact")
        )
        assert len(added.recipient_id) == 22
        assert (
            people.edit_document_recipient(
                doc_id,
                added.recipient_id,
                DocumentRecipientEditRequest(first_name="Maxine", company="Copies"),
            )
            is None
        )
        assert people.delete_document_recipient(doc_id, added.recipient_id) is None

        docs.send_document(doc_id, DocumentSendRequest(silent=True))
        moved = people.reassign_document_recipient(
            doc_id, signer_id, DocumentRecipientCreateRequest(id=lin, kind="contact")
        )
        details = docs.details_document(doc_id)
        assert details.recipients[0].id == moved.recipient_id
        assert details.recipients[0].email == "lin@example.com"
        assert details.expiration_date and details.sent_by["first_name"] == "SDK key"

        assert (
            docs.change_document_status(
                doc_id,
                DocumentStatusChangeRequest(
                    status=DocumentStatusRequestEnum(12), note="No deal", notify_recipients=False
                ),
            )
            is None
        )
        assert docs.status_document(doc_id).status == "document.declined"
        remaining = docs.list_documents(status__ne=DocumentStatusRequestEnum(12))
        assert doc_id not in [d.id for d in remaining.results]

        with pytest.raises(ApiException) as refused:
            docs.change_document_status(
                doc_id, DocumentStatusChangeRequest(status=DocumentStatusRequestEnum(11))
            )
        assert refused.value.status == 400
        assert json.loads(refused.value.body)["type"] == "validation_error"
