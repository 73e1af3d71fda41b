"""Firma templates: create, read, list, edit, replace the document, delete; all scoped to
the key's workspace."""

from __future__ import annotations

from fixtures.pdfs import b64, make_pdf
from template_helpers import a4_pdf, create_template, nda_pdf, nda_template, text_pdf


def test_create_template_returns_roles_fields_settings_and_page_count(api):
    t = create_template(api)
    assert t["name"] == "Mutual NDA" and t["page_count"] == 1 and t["credit_cost"] == 1
    assert t["expiration_hours"] == 72
    assert t["document_url"].startswith("http://testserver/files/")
    users = {u["role"]: u for u in t["recipients"]}
    assert set(users) == {"Client", "Acme", "CC 1"}
    assert users["Acme"]["email"] == "grace@acme.example" and users["Acme"]["order"] == 2
    assert users["Client"]["missing_fields"] == ["email", "first_name"]
    assert users["Client"]["ready_to_send"] is False
    ro = users["Client"]["required_read_only_fields"]
    assert ro == [
        {
            "variable_name": "project_name",
            "variable_defined_name": None,
            "field_type": "text",
            "has_value": False,
        }
    ]
    assert users["Acme"]["ready_to_send"] is True
    sig = t["fields"][0]
    assert sig["recipient_id"] == users["Client"]["id"] and sig["page_number"] == 1
    assert sig["position"] == {"x": 10.0, "y": 70.0, "width": 30.0, "height": 6.0}
    assert "identity_editable_fields" not in t["settings"]
    assert t["warnings"] == []


def test_template_subresources_and_reminder_hours_after_sending(api):
    t = create_template(api)
    tid = t["id"]
    assert len(api.get(f"/templates/{tid}/users").json()["results"]) == 3
    assert len(api.get(f"/templates/{tid}/fields").json()["results"]) == 4
    reminders = api.get(f"/templates/{tid}/reminders").json()
    assert isinstance(reminders, list) and reminders[0]["hours"] == 24
    assert reminders[0]["all_users"] is True and reminders[0]["subject"] == "Please sign"
    got = api.get(f"/templates/{tid}").json()
    assert got["id"] == tid and len(got["fields"]) == 4


def test_list_templates_paginates_filters_and_sorts(api):
    for name in ("Offer letter", "NDA alpha", "NDA beta"):
        create_template(api, name=name)
    page = api.get(
        "/templates", params={"page_size": 2, "sort_by": "name", "sort_order": "asc"}
    ).json()
    assert [x["name"] for x in page["results"]] == ["NDA alpha", "NDA beta"]
    assert page["pagination"] == {
        "current_page": 1,
        "page_size": 2,
        "total_count": 3,
        "total_pages": 2,
    }
    found = api.get("/templates", params={"name": "offer"}).json()["results"]
    assert [x["name"] for x in found] == ["Offer letter"]
    assert "fields" not in found[0]


def test_template_of_another_workspace_is_not_found(api, other_api):
    t = create_template(api)
    for call in (
        other_api.get(f"/templates/{t['id']}"),
        other_api.get(f"/templates/{t['id']}/users"),
        other_api.delete(f"/templates/{t['id']}"),
        other_api.patch(f"/templates/{t['id']}", {"name": "x"}),
    ):
        assert call.status_code == 404, call.text
        assert call.json()["code"] == "NOT_FOUND"
    assert api.get(f"/templates/{t['id']}").status_code == 200


def test_create_template_reports_every_problem(api):
    body = nda_template(
        name="",
        expiration_hours=0,
        fields=[
            {
                "type": "signature",
                "assigned_to_user_id": "temp_nobody",
                "page": 3,
                "x": 90,
                "y": 10,
                "width": 20,
                "height": 5,
            },
            {"type": "stars", "page": 1, "x": 1, "y": 1},
        ],
    )
    r = api.post("/templates", body)
    assert r.status_code == 400
    locs = set(r.json()["details"])
    assert {
        "name",
        "expiration_hours",
        "fields[0].page_number",
        "fields[0].position",
        "fields[0].recipient_id",
        "fields[1].type",
    } <= locs
    assert api.get("/templates").json()["pagination"]["total_count"] == 0


def test_create_template_from_uploaded_document_id(api):
    pdf = make_pdf(2)
    ticket = api.post("/documents", {"file_name": "t.pdf", "file_size": len(pdf)}).json()
    put = api.client.put(
        ticket["upload_url"].replace("http://testserver", ""),
        content=pdf,
        headers={"Content-Type": "application/pdf"},
    )
    assert put.status_code == 200
    r = api.post("/templates", {"name": "From upload", "document_id": ticket["document_id"]})
    assert r.status_code == 201, r.text
    assert r.json()["page_count"] == 2


def test_patch_properties_user_and_field(api):
    t = create_template(api)
    tid = t["id"]
    r = api.patch(f"/templates/{tid}", {"name": "NDA v2", "expiration_hours": 96})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "message": "Template updated successfully",
        "updated_fields": ["name", "expiration_hours"],
        "user": None,
        "field": None,
    }
    client = next(u for u in t["recipients"] if u["role"] == "Client")
    r = api.patch(f"/templates/{tid}", {"user": {"id": client["id"], "first_name": "Ada"}})
    assert r.status_code == 200 and r.json()["user"]["first_name"] == "Ada"
    assert r.json()["user"]["role"] == "Client"
    r = api.patch(
        f"/templates/{tid}",
        {
            "field": {
                "type": "date",
                "x": 60,
                "y": 40,
                "width": 20,
                "height": 3,
                "page": 1,
                "assigned_to_user_id": client["id"],
                "default_to_signing_date": True,
            }
        },
    )
    assert r.status_code == 200, r.text
    new = r.json()["field"]
    assert new["type"] == "date" and new["date_signing_default"] is True
    r = api.patch(f"/templates/{tid}", {"field": {"id": new["id"], "x": 70}})
    assert r.status_code == 200 and r.json()["field"]["position"]["x"] == 70
    r = api.patch(f"/templates/{tid}", {"field": {"id": new["id"], "deleted": True}})
    assert r.status_code == 200
    got = api.get(f"/templates/{tid}").json()
    assert got["name"] == "NDA v2" and got["expiration_hours"] == 96 and len(got["fields"]) == 4
    both = api.patch(f"/templates/{tid}", {"name": "x", "user": {"first_name": "y"}})
    assert both.status_code == 400


def test_patch_refuses_turning_a_cc_into_a_signer(api):
    t = create_template(api)
    cc = next(u for u in t["recipients"] if u["designation"] == "CC")
    r = api.patch(f"/templates/{t['id']}", {"user": {"id": cc["id"], "designation": "Signer"}})
    assert r.status_code == 400 and "user.designation" in r.json()["details"]


def test_put_updates_everything_at_once_or_nothing(api):
    t = create_template(api)
    tid = t["id"]
    users = {u["role"]: u for u in t["recipients"]}
    bad = api.put(
        f"/templates/{tid}",
        {
            "template_properties": {"name": "Changed"},
            "fields": [
                {
                    "type": "text",
                    "x": 95,
                    "y": 1,
                    "width": 20,
                    "height": 3,
                    "page": 1,
                    "assigned_to_user_id": users["Client"]["id"],
                }
            ],
        },
    )
    assert bad.status_code == 400
    assert api.get(f"/templates/{tid}").json()["name"] == "Mutual NDA"
    r = api.put(
        f"/templates/{tid}",
        {
            "template_properties": {"name": "Changed", "settings": {"use_signing_order": False}},
            "users": [{"id": "temp_witness", "designation": "Signer", "role": "Witness"}],
            "deleted_users": [
                {
                    "user_id": users["Acme"]["id"],
                    "field_action": "reassign",
                    "reassign_to_user_id": users["Client"]["id"],
                }
            ],
            "fields": [
                {
                    "type": "initials",
                    "x": 80,
                    "y": 90,
                    "width": 10,
                    "height": 4,
                    "page": 1,
                    "assigned_to_user_id": "temp_witness",
                }
            ],
            "reminders": [{"hours": 48, "user_id": "temp_witness", "subject": "s", "message": "m"}],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    roles = {u["role"]: u for u in body["recipients"]}
    assert set(roles) == {"Client", "Witness", "CC 1"}
    assert body["name"] == "Changed" and body["settings"]["use_signing_order"] is False
    owners = [f["recipient_id"] for f in body["fields"]]
    assert owners.count(roles["Client"]["id"]) == 4 and owners[-1] == roles["Witness"]["id"]
    reminders = api.get(f"/templates/{tid}/reminders").json()
    assert sorted(m["hours"] for m in reminders) == [24, 48]


def test_replace_document_keeps_fields_when_pages_match(api):
    t = create_template(api)
    new_pdf = text_pdf([(72, 72, "Version 2 of the NDA [Client.Name]")])
    r = api.post(f"/templates/{t['id']}/replace-document", {"document": b64(new_pdf)})
    assert r.status_code == 200, r.text
    assert r.json()["fields"] == t["fields"]
    assert r.json()["document_url"] != t["document_url"]


def test_replace_document_with_other_pages_is_refused_and_changes_nothing(api):
    t = create_template(api)
    for pdf in (make_pdf(2), a4_pdf()):
        r = api.post(f"/templates/{t['id']}/replace-document", {"document": b64(pdf)})
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "VALIDATION_ERROR"
    assert (
        "pages"
        in api.post(
            f"/templates/{t['id']}/replace-document", {"document": b64(make_pdf(2))}
        ).json()["error"]
    )
    after = api.get(f"/templates/{t['id']}").json()
    assert after["updated_date"] == t["updated_date"] or after["fields"] == t["fields"]
    tiny = text_pdf([(72, 72, "x")], size=(612.5, 792.4))
    assert (
        api.post(f"/templates/{t['id']}/replace-document", {"document": b64(tiny)}).status_code
        == 200
    )


def test_delete_is_soft_and_hides_the_template(api):
    t = create_template(api)
    r = api.delete(f"/templates/{t['id']}")
    assert r.status_code == 200 and r.json() == {"message": "Template deleted successfully"}
    assert api.get(f"/templates/{t['id']}").status_code == 404
    assert api.get("/templates").json()["results"] == []


def test_template_tokens_are_read_from_the_document(api, app):
    from signet.db import transaction
    from signet.models import Template

    t = create_template(api)
    with transaction(app.state.signet.db.read) as s:
        tokens = s.get(Template, t["id"]).tokens
    assert tokens == ["Client.Name", "Client.Company", "Document.Date"]
    assert nda_pdf()  # the fixture the tokens come from


def test_templates_answer_on_the_v1_alias_too(api):
    t = create_template(api)
    r = api.client.get(f"/v1/templates/{t['id']}", headers=api.headers)
    assert r.status_code == 200 and r.json()["id"] == t["id"]


def test_patch_with_a_document_replaces_it_under_the_same_rules(api):
    t = create_template(api)
    same = text_pdf([(72, 72, "Revised text, same page size")])
    r = api.patch(f"/templates/{t['id']}", {"document": b64(same)})
    assert r.status_code == 200, r.text
    assert r.json()["updated_fields"] == ["document"]
    refused = api.patch(f"/templates/{t['id']}", {"document": b64(make_pdf(3))})
    assert refused.status_code == 400
    assert api.get(f"/templates/{t['id']}").json()["page_count"] == 1


def test_patch_with_a_part_sent_as_null_names_nothing_to_change(api):
    """`{"field": null}` is not a field to change: 400, where it used to crash (500)."""
    template = create_template(api)
    for part in ("user", "field"):
        r = api.patch(f"/templates/{template['id']}", {part: None})
        assert r.status_code == 400, (part, r.text)
        assert r.json()["code"] == "VALIDATION_ERROR"
