"""The request examples of Firma's own documentation work as they are written (only the
document, shown there as a truncated placeholder, is a real PDF here)."""

from __future__ import annotations

import copy

from fixtures.pdfs import b64, make_pdf

# POST /signing-requests, the first example of the reference, verbatim.
CREATE_SIGNING_REQUEST = {
    "name": "Employment Contract - John Doe",
    "description": "New hire employment agreement",
    "document": "JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PC...",
    "expiration_hours": 168,
    "settings": {
        "use_signing_order": False,
        "allow_download": True,
        "attach_pdf_on_finish": True,
    },
    "recipients": [
        {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john@example.com",
            "designation": "Signer",
            "order": 1,
        }
    ],
    "fields": [
        {
            "type": "signature",
            "position": {"x": 10, "y": 80, "width": 30, "height": 10},
            "page_number": 1,
            "required": True,
        }
    ],
}

# POST /documents (legacy), verbatim.
CREATE_DOCUMENT_LEGACY = {
    "name": "Sales Agreement 2024",
    "recipients": [{"name": "John Doe", "email": "john@example.com"}],
}


def test_the_create_example_gives_the_field_to_the_only_signer(api):
    body = copy.deepcopy(CREATE_SIGNING_REQUEST)
    body["document"] = b64(make_pdf(2))
    r = api.post("/signing-requests", body)
    assert r.status_code == 201, r.text
    sr = r.json()
    assert sr["document_page_count"] == 2
    users = api.get(f"/signing-requests/{sr['id']}/users").json()["results"]
    fields = api.get(f"/signing-requests/{sr['id']}/fields").json()["results"]
    assert [f["recipient_id"] for f in fields] == [users[0]["id"]]
    assert api.post(f"/signing-requests/{sr['id']}/send", {}).status_code == 200


def test_a_field_without_a_recipient_is_refused_when_there_are_several_signers(api):
    body = copy.deepcopy(CREATE_SIGNING_REQUEST)
    body["document"] = b64(make_pdf(2))
    body["recipients"].append(
        {"first_name": "Jane", "last_name": "Roe", "email": "jane@example.com", "order": 2}
    )
    r = api.post("/signing-requests", body)
    assert r.status_code == 400, r.text
    assert "fields[0].recipient_id" in r.json()["details"]


def test_the_legacy_create_example_works(api):
    r = api.post("/documents", CREATE_DOCUMENT_LEGACY)
    assert r.status_code in (200, 201), r.text
    assert r.json()["name"] == "Sales Agreement 2024"
