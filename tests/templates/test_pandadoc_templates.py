"""PandaDoc templates: upload, list, details (roles, fields, tokens), delete, and documents
made from a template with recipients by role, tokens and field values."""

from __future__ import annotations

import json

import pytest
from template_helpers import create_template, nda_pdf, pdf_text

from signet.db import transaction
from signet.errors import NotFound, ValidationFailed
from signet.kit.ids import parse_uuid, short_id
from signet.signing.specs import RecipientSpec
from signet.templates.service import draft_from_template


def _upload(api, name="Uploaded NDA", **data):  # type: ignore[no-untyped-def]
    return api.client.post(
        "/public/v1/templates?upload",
        headers=api.headers,
        files={"file": ("nda.pdf", nda_pdf(), "application/pdf")},
        data={"data": json.dumps({"name": name, **data})},
    )


def test_upload_list_details_and_delete(api, other_api):
    r = _upload(api, tags=["nda", "legal"], metadata={"owner": "legal"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert len(created["id"]) == 22 and created["name"] == "Uploaded NDA"
    assert created["version"] == "1" and created["date_created"].endswith("Z")
    assert _upload(api, name="Offer letter", tags=["hr"]).status_code == 201
    listed = api.client.get("/public/v1/templates", headers=api.headers).json()["results"]
    assert [x["name"] for x in listed] == ["Offer letter", "Uploaded NDA"]
    assert set(listed[0]) == {"id", "name", "date_created", "date_modified", "version"}
    by_q = api.client.get("/public/v1/templates", params={"q": "nda"}, headers=api.headers)
    assert [x["name"] for x in by_q.json()["results"]] == ["Uploaded NDA"]
    by_tag = api.client.get("/public/v1/templates", params={"tag": "hr"}, headers=api.headers)
    assert [x["name"] for x in by_tag.json()["results"]] == ["Offer letter"]
    paged = api.client.get(
        "/public/v1/templates", params={"count": 1, "page": 2}, headers=api.headers
    )
    assert [x["name"] for x in paged.json()["results"]] == ["Uploaded NDA"]
    details = api.client.get(f"/public/v1/templates/{created['id']}/details", headers=api.headers)
    assert details.status_code == 200, details.text
    d = details.json()
    assert d["tokens"] == [
        {"name": "Client.Name", "value": ""},
        {"name": "Client.Company", "value": ""},
        {"name": "Document.Date", "value": ""},
    ]
    assert d["roles"] == [] and d["fields"] == [] and d["tags"] == ["nda", "legal"]
    assert d["metadata"] == {"owner": "legal"} and d["created_by"]["first_name"] == "test key"
    other = other_api.client.get(
        f"/public/v1/templates/{created['id']}/details", headers=other_api.headers
    )
    assert other.status_code == 404 and other.json() == {
        "type": "request_error",
        "detail": "Not found",
    }
    gone = api.client.delete(f"/public/v1/templates/{created['id']}", headers=api.headers)
    assert gone.status_code == 204
    assert (
        api.client.get(
            f"/public/v1/templates/{created['id']}/details", headers=api.headers
        ).status_code
        == 404
    )
    deleted = api.client.get(
        "/public/v1/templates", params={"deleted": "true"}, headers=api.headers
    ).json()["results"]
    assert [x["name"] for x in deleted] == ["Uploaded NDA"]


def test_upload_without_a_pdf_is_a_pandadoc_400(api):
    r = api.client.post(
        "/public/v1/templates?upload",
        headers=api.headers,
        files={"file": ("x.pdf", b"not a pdf", "application/pdf")},
    )
    assert r.status_code == 400 and r.json()["type"] == "request_error"
    assert "file" in r.json()["detail"]
    assert api.client.get("/public/v1/templates", headers=api.headers).json()["results"] == []


def test_details_show_roles_fields_in_points_and_accept_both_id_forms(api):
    t = create_template(api)
    for tid in (t["id"], short_id(t["id"])):
        r = api.client.get(f"/public/v1/templates/{tid}/details", headers=api.headers)
        assert r.status_code == 200, r.text
    d = r.json()
    assert d["id"] == short_id(t["id"])
    assert [(x["name"], x["signing_order"]) for x in d["roles"]] == [("Client", "1"), ("Acme", "2")]
    assert "preassigned_person" not in d["roles"][0]
    assert d["roles"][1]["preassigned_person"]["email"] == "grace@acme.example"
    sig = d["fields"][0]
    assert sig["layout"]["position"] == {
        "offset_x": 61.2,
        "offset_y": 554.4,
        "anchor_point": "topleft",
    }
    assert sig["layout"]["style"] == {"width": 183.6, "height": 47.52}
    assert sig["assigned_to"] == {"id": d["roles"][0]["id"], "name": "Client", "type": "role"}
    merge = d["fields"][1]
    assert merge["merge_field"] == "project_name" and merge["field_id"] == "project_name"


def test_firma_made_templates_show_default_role_names(api):
    t = create_template(
        api,
        users=[
            {"id": "temp_a", "designation": "Signer"},
            {"id": "temp_b", "designation": "Approver"},
        ],
        fields=[],
        reminders=[],
    )
    d = api.client.get(f"/public/v1/templates/{t['id']}/details", headers=api.headers).json()
    assert [x["name"] for x in d["roles"]] == ["Signer 1", "Approver 2"]


def _draft(app, api, template_id, **kw):  # type: ignore[no-untyped-def]
    state = app.state.signet
    with transaction(state.db.write) as s:
        sr, warnings = draft_from_template(
            s,
            state,
            workspace_id=api.workspace_id,
            template_id=template_id,
            actor=api_actor(api),
            **kw,
        )
        return sr.id, warnings


def api_actor(api):  # type: ignore[no-untyped-def]
    from signet.signing.specs import Actor

    return Actor(type="api_key", name="test key")


def test_draft_from_template_by_role_with_tokens_and_field_values(api, app):
    t = create_template(api)
    sid, _ = _draft(
        app,
        api,
        short_id(t["id"]),
        recipients=[
            RecipientSpec(
                first_name="Ada", last_name="Lovelace", email="ada@client.example", role="Client"
            ),
            RecipientSpec(first_name="Boss", email="boss@client.example", role=None),
        ],
        tokens={
            "Client.Name": "Ada Lovelace",
            "Client.Company": "Analytical Engines",
            "project_name": "Apollo",
        },
        field_values={"Client.Title": {"value": "Countess", "role": "Client"}},
        metadata={"crm_id": "42"},
        name="NDA — Ada",
        tags=["nda"],
    )
    sr = api.get(f"/signing-requests/{sid}").json()
    assert sr["name"] == "NDA — Ada" and sr["template_id"] == t["id"]
    assert sr["metadata"] == {"crm_id": "42"}
    users = api.get(f"/signing-requests/{sid}/users").json()["results"]
    assert [(u["first_name"], u["designation"]) for u in users] == [
        ("Ada", "Signer"),
        ("Grace", "Signer"),
        ("Legal", "CC"),
        ("Boss", "CC"),
    ]
    fields = api.get(f"/signing-requests/{sid}/fields").json()["results"]
    assert fields[1]["value"] == "Apollo" and fields[2]["value"] == "Countess"
    text = pdf_text(api.client.get(sr["document_url"].replace("http://testserver", "")).content)
    assert "Ada Lovelace" in text and "Analytical Engines" in text
    assert "[Client.Name]" not in text and "[Client.Company]" not in text
    assert "[Document.Date]" in text  # no value given: the placeholder stays


def test_draft_from_template_refuses_unknown_roles_and_fields(api, app, other_api):
    t = create_template(api)
    with pytest.raises(ValidationFailed) as exc:
        _draft(
            app,
            api,
            t["id"],
            recipients=[RecipientSpec(first_name="X", email="x@e.com", role="client")],
            field_values={"Nope": "1"},
        )
    assert {loc for loc, _ in exc.value.problems} == {"recipients[0].role", "fields.Nope"}
    with pytest.raises(NotFound):
        _draft(app, other_api, t["id"], recipients=[])
    assert parse_uuid(short_id(t["id"])) == t["id"]
