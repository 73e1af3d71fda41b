"""Copying templates between workspaces of a company, and custom field definitions at the
workspace, template and signing-request level."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from template_helpers import create_template

from signet.db import transaction
from signet.models import Workspace
from signet.workspaces.service import create_api_key


@pytest.fixture
def protected_api(app, client, api):  # type: ignore[no-untyped-def]
    """A client with a key of the protected workspace of ``api``'s company (other tests make
    companies of their own, each with its protected workspace)."""
    with transaction(app.state.signet.db.write) as s:
        company_id = s.get(Workspace, api.workspace_id).company_id
        ws = s.scalars(
            select(Workspace).where(
                Workspace.protected.is_(True), Workspace.company_id == company_id
            )
        ).first()
        if ws is None:
            from signet.workspaces.service import ensure_workspace

            ws = ensure_workspace(s, "protected")
        key = create_api_key(s, ws, "protected key")
        wid = ws.id
    return type(api)(client, key, wid)  # the shared tests' API client class


def test_copy_needs_the_protected_key(api, other_api):
    t = create_template(api)
    r = api.post(f"/templates/{t['id']}/copy", {"workspace_id": other_api.workspace_id})
    if r.status_code == 201:  # this test's workspace happens to be the protected one
        return
    assert r.status_code == 403 and r.json()["code"] == "PROTECTED_KEY_REQUIRED"


def test_copy_deep_copies_into_another_workspace(protected_api, other_api):
    t = create_template(protected_api)
    tid = t["id"]
    assert (
        protected_api.post(
            f"/templates/{tid}/custom-fields", {"field_label": "Project name"}
        ).status_code
        == 201
    )
    r = protected_api.post(f"/templates/{tid}/copy", {"workspace_id": other_api.workspace_id})
    assert r.status_code == 201, r.text
    copy = r.json()
    assert copy["name"] == "Mutual NDA (copy)" and copy["workspace_id"] == other_api.workspace_id
    got = other_api.get(f"/templates/{copy['id']}").json()
    assert [u["role"] for u in got["recipients"]] == ["Client", "Acme", "CC 1"]
    assert len(got["fields"]) == 4 and got["page_count"] == 1
    assert {f["id"] for f in got["fields"]}.isdisjoint(f["id"] for f in t["fields"])
    reminders = other_api.get(f"/templates/{copy['id']}/reminders").json()
    assert [m["hours"] for m in reminders] == [24]
    defs = other_api.get(f"/templates/{copy['id']}/custom-fields").json()["custom_fields"]
    assert [d["field_name"] for d in defs] == ["project_name"]
    named = protected_api.post(
        f"/templates/{tid}/copy", {"workspace_id": other_api.workspace_id, "name": "Mine"}
    )
    assert named.json()["name"] == "Mine"
    nowhere = protected_api.post(
        f"/templates/{tid}/copy", {"workspace_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}
    )
    assert nowhere.status_code == 404


def test_workspace_custom_fields_crud_and_duplicates(api, other_api):
    base = f"/workspace/{api.workspace_id}/custom-fields"
    r = api.post(base, {"field_label": "Artist name"})
    assert r.status_code == 201, r.text
    field = r.json()
    assert field["field_name"] == "artist_name" and field["is_preset"] is False
    dup = api.post(base, {"field_label": "Another", "field_name": "artist_name"})
    assert dup.status_code == 409 and dup.json()["code"] == "DUPLICATE_NAME"
    bad = api.post(base, {"field_label": "", "field_name": "9lives"})
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"field_label", "field_name"}
    upd = api.put(
        f"{base}/{field['id']}",
        {"field_label": "Artist", "is_preset": True, "preset_value": "Prince"},
    )
    assert upd.status_code == 200 and upd.json()["preset_value"] == "Prince"
    assert api.get(base).json()["custom_fields"][0]["field_label"] == "Artist"
    assert other_api.get(base).status_code == 404
    assert other_api.get(f"/workspace/{other_api.workspace_id}/custom-fields").json() == {
        "custom_fields": []
    }
    assert api.delete(f"{base}/{field['id']}").status_code == 200
    assert api.get(base).json() == {"custom_fields": []}


def test_workspace_presets_fill_template_merge_fields(api):
    api.post(
        f"/workspace/{api.workspace_id}/custom-fields",
        {"field_label": "Governing law", "is_preset": True, "preset_value": "Swiss law"},
    )
    t = create_template(
        api,
        fields=[
            {
                "type": "signature",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 70,
            },
            {
                "type": "text",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 20,
                "read_only": True,
                "variable_defined_name": "governing_law",
            },
        ],
    )
    r = api.post("/signing-requests", {"template_id": t["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["fields"][1]["value"] == "Swiss law"
    overridden = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "fields": [{"variable_defined_name": "governing_law", "read_only_value": "Dutch law"}],
        },
    )
    assert overridden.json()["fields"][1]["value"] == "Dutch law"


def test_template_definitions_are_copied_to_requests(api, other_api):
    t = create_template(api)
    tid = t["id"]
    assert (
        api.post(f"/templates/{tid}/custom-fields", {"field_label": "Deal size"}).status_code == 201
    )
    assert (
        api.post(f"/templates/{tid}/custom-fields", {"field_label": "Deal size"}).status_code == 409
    )
    assert other_api.get(f"/templates/{tid}/custom-fields").status_code == 404
    sr = api.post("/signing-requests", {"template_id": tid}).json()
    defs = api.get(f"/signing-requests/{sr['id']}/custom-fields").json()["custom_fields"]
    assert [(d["field_name"], d["copied_from_template"]) for d in defs] == [("deal_size", True)]
    own = api.post(f"/signing-requests/{sr['id']}/custom-fields", {"field_label": "Region"})
    assert own.status_code == 201 and own.json()["copied_from_template"] is False
    assert (
        api.delete(f"/signing-requests/{sr['id']}/custom-fields/{own.json()['id']}").status_code
        == 200
    )
    tdefs = api.get(f"/templates/{tid}/custom-fields").json()["custom_fields"]
    assert api.delete(f"/templates/{tid}/custom-fields/{tdefs[0]['id']}").status_code == 200
    assert len(api.get(f"/signing-requests/{sr['id']}/custom-fields").json()["custom_fields"]) == 1
