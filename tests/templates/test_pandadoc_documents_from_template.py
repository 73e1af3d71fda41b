"""PandaDoc ``POST /public/v1/documents`` with ``template_uuid``: recipients by role, tokens,
field values and metadata; created ``document.uploaded`` and processed into a draft; sent,
signed and finalised with its own values."""

from __future__ import annotations

from template_helpers import create_template, download, finish, pdf_text, png_uri, wait_final

from signet.kit.ids import parse_uuid, short_id
from signet.signing.processing import process


def _pd(api, method, path, **kw):  # type: ignore[no-untyped-def]
    return api.client.request(method, "/public/v1" + path, headers=api.headers, **kw)


def _create(api, template_id, **kw):  # type: ignore[no-untyped-def]
    body = {
        "name": "NDA for Ada",
        "template_uuid": template_id,
        "recipients": [
            {
                "email": "ada@client.example",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "role": "Client",
            },
            {"email": "boss@client.example", "first_name": "Boss"},
        ],
        "tokens": [
            {"name": "Client.Name", "value": "Ada Lovelace"},
            {"name": "Client.Company", "value": "Analytical Engines"},
            {"name": "project_name", "value": "Apollo"},
        ],
        "fields": {"Client.Title": {"value": "Countess", "role": "Client"}},
        "metadata": {"crm_id": 42},
        "tags": ["nda"],
    }
    body.update(kw)
    return _pd(api, "POST", "/documents", json=body)


def _processed(app, api, doc_id):  # type: ignore[no-untyped-def]
    """Run the processing job now (a running worker may have done it already)."""
    process(app.state.signet, {"signing_request_id": parse_uuid(doc_id)})
    details = _pd(api, "GET", f"/documents/{doc_id}/details").json()
    assert details["status"] == "document.draft", details["status"]
    return details


def test_document_from_template_matches_roles_and_fills_values(api, app):
    t = create_template(api)
    r = _create(api, short_id(t["id"]))
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["status"] == "document.uploaded" and doc["name"] == "NDA for Ada"
    details = _processed(app, api, doc["id"])
    assert details["status"] == "document.draft"
    people = [(x["first_name"], x["role"], x["recipient_type"]) for x in details["recipients"]]
    assert people == [
        ("Ada", "Client", "signer"),
        ("Grace", "Acme", "signer"),
        ("Legal", "", "CC"),
        ("Boss", "", "CC"),
    ]
    assert details["metadata"] == {"crm_id": "42"} and details["tags"] == ["nda"]
    assert {"name": "Client.Name", "value": "Ada Lovelace"} in details["tokens"]
    values = {f["name"]: f["value"] for f in details["fields"]}
    assert values["Client.Title"] == "Countess" and values["project_name"] == "Apollo"
    sr = api.get(f"/signing-requests/{parse_uuid(doc['id'])}").json()
    assert sr["template_id"] == t["id"]


def test_document_from_template_problems_are_pandadoc_400s_and_404s(api, other_api):
    t = create_template(api)
    bad = _create(
        api,
        t["id"],
        recipients=[{"email": "x@e.com", "role": "client"}],
        fields={"Nope": {"value": "1"}},
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["type"] == "request_error"
    assert set(bad.json()["detail"]) == {"recipients[0].role", "fields.Nope"}
    missing = _create(other_api, t["id"])
    assert missing.status_code == 404
    assert missing.json() == {"type": "request_error", "detail": "Not found"}
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0


def test_document_from_template_is_sent_signed_and_finalised(api, app, worker):
    t = create_template(api)
    doc = _create(api, t["id"]).json()
    other = _create(
        api,
        t["id"],
        tokens=[
            {"name": "Client.Name", "value": "Alan Turing"},
            {"name": "project_name", "value": "Gemini"},
        ],
    ).json()
    for d in (doc, other):
        _processed(app, api, d["id"])
    sent = _pd(api, "POST", f"/documents/{doc['id']}/send", json={"silent": True})
    assert sent.status_code == 200, sent.text
    users = api.get(f"/signing-requests/{parse_uuid(doc['id'])}/users").json()["results"]
    assert finish(app, users[0]["id"], signature=png_uri(), signature_kind="drawn") is False
    assert finish(app, users[1]["id"], signature=png_uri(), signature_kind="drawn") is True
    final = wait_final(api, parse_uuid(doc["id"]))
    text = pdf_text(download(api, final["final_document_download_url"]))
    for value in ("Ada Lovelace", "Analytical Engines", "Apollo", "Countess"):
        assert value in text, value
    assert "Alan Turing" not in text and "Gemini" not in text


def test_a_refused_document_from_template_stores_nothing_not_even_its_filled_pdf(api, app):
    """The tokens are written into a copy of the template's PDF; like any create's PDF it is
    stored only once everything passes (signing.creation)."""
    t = create_template(api)
    store = app.state.signet.store
    before = set(store.list_keys())
    bad = _create(
        api,
        t["id"],
        recipients=[{"email": "not-an-email", "first_name": "Ada", "role": "Client"}],
    )
    assert bad.status_code == 400, bad.text
    assert set(bad.json()["detail"]) == {"recipients[0].email"}
    assert set(store.list_keys()) == before
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0
    good = _create(api, t["id"])
    assert good.status_code == 201, good.text
    assert len(set(store.list_keys()) - before) == 1  # the filled copy


def test_signature_per_signer_applies_to_a_document_from_template(api, app):
    # The Signet extension on create (docs/seal-keys.md#per-signer-signatures) is kept on this
    # path too; without it, the template's own setting (none here) stands.
    t = create_template(api)
    on = _create(api, short_id(t["id"]), signature_per_signer=True)
    assert on.status_code == 201, on.text
    _processed(app, api, on.json()["id"])
    sr = api.get(f"/signing-requests/{parse_uuid(on.json()['id'])}").json()
    assert sr["settings"]["signature_per_signer"] is True
    off = _create(api, short_id(t["id"]))
    _processed(app, api, off.json()["id"])
    sr = api.get(f"/signing-requests/{parse_uuid(off.json()['id'])}").json()
    assert sr["settings"]["signature_per_signer"] is None
