"""Signing requests made from templates (Firma): matching, overrides, CCs, reminders, send
checks, and independence from later template changes."""

from __future__ import annotations

from template_helpers import create_template


def _users(t):  # type: ignore[no-untyped-def]
    return {u["role"]: u for u in t["recipients"]}


def _ro_field(t):  # type: ignore[no-untyped-def]
    return next(f for f in t["fields"] if f["variable_name"] == "project_name")


def test_recipients_match_template_users_by_id_else_order(api):
    t = create_template(api)
    users = _users(t)
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [
                {"order": 2, "first_name": "Alan", "email": "alan@acme.example"},
                {
                    "template_user_id": users["Client"]["id"],
                    "first_name": "Ada",
                    "last_name": "L",
                    "email": "ada@client.example",
                },
            ],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft" and body["template_id"] == t["id"]
    assert body["name"] == "Mutual NDA" and body["expiration_hours"] == 72
    people = [
        (x["first_name"], x["email"], x["designation"], x["order"]) for x in body["recipients"]
    ]
    assert people == [
        ("Ada", "ada@client.example", "Signer", 1),
        ("Alan", "alan@acme.example", "Signer", 2),
        ("Legal", "legal@acme.example", "CC", 1),
    ]
    # Only the given attributes replace the template's defaults.
    assert body["recipients"][1]["last_name"] == "Hopper"
    ada = body["recipients"][0]["id"]
    assert [f["recipient_id"] == ada for f in body["fields"]] == [True, True, True, False]


def test_recipients_without_id_or_order_take_the_roles_in_order(api):
    t = create_template(api)
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [
                {"first_name": "Ada", "email": "ada@client.example"},
                {"first_name": "Alan", "email": "alan@acme.example"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    assert [x["first_name"] for x in r.json()["recipients"]] == ["Ada", "Alan", "Legal"]


def test_template_ccs_are_copied_without_duplicate_emails(api):
    t = create_template(api)
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [
                {"first_name": "Ada", "email": "ada@client.example"},
                {"designation": "cc", "first_name": "Legal Team", "email": "LEGAL@acme.example"},
                {"designation": "CC", "first_name": "Boss", "email": "boss@client.example"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    ccs = [x["email"] for x in r.json()["recipients"] if x["designation"] == "CC"]
    assert ccs == ["LEGAL@acme.example", "boss@client.example"]
    assert any("legal@acme.example" in w for w in r.json()["warnings"])


def test_overrides_that_match_nothing_are_listed_and_nothing_is_created(api):
    t = create_template(api)
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [
                {"template_user_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "first_name": "X"},
                {"order": 9, "first_name": "Y"},
            ],
            "fields": [
                {"variable_name": "no_such_variable", "read_only_value": "x"},
                {"template_field_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "required": False},
                {"variable_name": "project_name", "read_only_value": "Apollo"},
            ],
        },
    )
    assert r.status_code == 400, r.text
    assert set(r.json()["details"]) == {
        "recipients[0].template_user_id",
        "recipients[1].order",
        "fields[0]",
        "fields[1]",
    }
    assert len(r.json()["errors"]) == 4
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0


def test_field_overrides_by_id_variable_name_and_position(api):
    t = create_template(api)
    sig = t["fields"][0]
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "fields": [
                {"template_field_id": sig["id"], "position": {"x": 12, "y": 72}, "required": False},
                {"variable_name": "project_name", "read_only_value": "Apollo"},
            ],
            "name": "NDA for Apollo",
            "expiration_hours": 240,
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    first, merge = body["fields"][0], body["fields"][1]
    assert (first["position"]["x"], first["position"]["y"], first["position"]["width"]) == (
        12,
        72,
        30,
    )
    assert first["required"] is False
    assert merge["read_only_value"] == "Apollo" and merge["value"] == "Apollo"
    assert body["name"] == "NDA for Apollo" and body["expiration_hours"] == 240


def test_template_in_another_workspace_is_404_and_duplicate_says_403(api, other_api):
    t = create_template(api)
    r = other_api.post("/signing-requests", {"template_id": t["id"]})
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    d = other_api.post(f"/templates/{t['id']}/duplicate", {})
    assert d.status_code == 403 and d.json()["code"] == "ACCESS_DENIED"
    missing = other_api.post("/templates/3c90c3cc-0d44-4b50-8888-8dd25736052a/duplicate")
    assert missing.status_code == 404


def test_both_document_and_template_is_400(api):
    t = create_template(api)
    r = api.post("/signing-requests", {"template_id": t["id"], "document": "JVBERi0="})
    assert r.status_code == 400 and "template_id" in r.json()["details"]


def test_create_and_send_lists_missing_merge_values_per_recipient(api):
    t = create_template(api)
    r = api.post(
        "/signing-requests/create-and-send",
        {
            "template_id": t["id"],
            "recipients": [{"first_name": "Ada", "email": "ada@client.example"}],
        },
    )
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["phase"] == "send_validation" and body["code"] == "VALIDATION_ERROR"
    assert body["validation_errors"] == [
        {
            "recipient_index": 1,
            "recipient_email": "ada@client.example",
            "missing_fields": ["project_name"],
        }
    ]
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0
    nobody = api.post("/signing-requests/create-and-send", {"template_id": t["id"]}).json()
    assert nobody["validation_errors"][0]["missing_fields"] == [
        "first_name",
        "email",
        "project_name",
    ]
    ok = api.post(
        "/signing-requests/create-and-send",
        {
            "template_id": t["id"],
            "recipients": [{"first_name": "Ada", "email": "ada@client.example"}],
            "fields": [{"variable_name": "project_name", "read_only_value": "Apollo"}],
        },
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "sent" and ok.json()["first_signer"]["name"] == "Ada"


def test_template_reminders_become_hours_before_expiry(api):
    t = create_template(
        api,
        reminders=[
            {"hours": 24, "all_users": True, "subject": "a", "message": "a"},
            {"hours": 72, "all_users": True, "subject": "b", "message": "b"},
            {"hours": 100, "user_id": "temp_client", "subject": "c", "message": "c"},
        ],
    )
    r = api.post("/signing-requests", {"template_id": t["id"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [(m["hours"], m["subject"]) for m in body["reminders"]] == [(48, "a")]
    dropped = [w for w in body["warnings"] if "after the expiry" in w]
    assert len(dropped) == 2
    longer = api.post("/signing-requests", {"template_id": t["id"], "expiration_hours": 168})
    reminders = longer.json()["reminders"]
    assert sorted(m["hours"] for m in reminders) == [68, 96, 144]
    client = _users(t)["Client"]["id"]
    personal = next(m for m in reminders if m["subject"] == "c")
    assert personal["template_user_id"] == client
    assert personal["recipient_id"] == longer.json()["recipients"][0]["id"]


def test_read_only_fields_prefill_from_recipient_data(api):
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
                "variable_name": "company",
            },
            {
                "type": "text",
                "assigned_to_user_id": "temp_client",
                "page": 1,
                "x": 10,
                "y": 25,
                "read_only": True,
                "prefilled_data": "full_name",
            },
        ],
    )
    users = api.get(f"/templates/{t['id']}/users").json()["results"]
    client = next(u for u in users if u["role"] == "Client")
    assert client["required_fields"] == ["email", "first_name", "company", "last_name"]
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [
                {
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "email": "ada@client.example",
                    "company": "Analytical Engines",
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    values = [f["value"] for f in r.json()["fields"][1:]]
    assert values == ["Analytical Engines", "Ada Lovelace"]


def test_a_request_never_changes_when_its_template_changes(api):
    t = create_template(api)
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [{"first_name": "Ada", "email": "ada@client.example"}],
        },
    ).json()
    before = api.get(f"/signing-requests/{r['id']}/fields").json()
    users_before = api.get(f"/signing-requests/{r['id']}/users").json()
    api.put(
        f"/templates/{t['id']}",
        {
            "template_properties": {"name": "Changed", "expiration_hours": 10},
            "fields": [{"id": t["fields"][0]["id"], "x": 50}],
            "deleted_users": [{"user_id": _users(t)["Acme"]["id"], "field_action": "delete"}],
        },
    )
    api.delete(f"/templates/{t['id']}")
    assert api.get(f"/signing-requests/{r['id']}/fields").json() == before
    assert api.get(f"/signing-requests/{r['id']}/users").json() == users_before
    detail = api.get(f"/signing-requests/{r['id']}").json()
    assert detail["name"] == "Mutual NDA" and detail["expiration_hours"] == 72
    assert detail["template_id"] == t["id"]


def test_duplicate_makes_a_draft_signing_request(api):
    t = create_template(api)
    r = api.post(f"/templates/{t['id']}/duplicate", {"name": "Q4 NDA"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft" and body["name"] == "Q4 NDA"
    assert body["workspace_id"] == api.workspace_id and body["created_date"].endswith("Z")
    sr = api.get(f"/signing-requests/{body['id']}").json()
    assert sr["template_id"] == t["id"]
    assert len(api.get(f"/signing-requests/{body['id']}/fields").json()["results"]) == 4
    plain = api.post(f"/templates/{t['id']}/duplicate")
    assert plain.status_code == 201 and plain.json()["name"] == "Mutual NDA"


def test_a_template_use_without_an_sms_provider_refuses_sms_codes_like_any_create(api):
    """The one create pipeline checks a template's copy too: an SMS code this server cannot
    send is refused at create, not accepted and left to fail at send."""
    t = create_template(api)
    for path in ("/signing-requests", "/signing-requests/create-and-send"):
        r = api.post(
            path,
            {
                "template_id": t["id"],
                "recipients": [{"first_name": "Ada", "email": "ada@client.example"}],
                "settings": {"require_sms_verification": True},
            },
        )
        assert r.status_code == 400, r.text
        assert "SIGNET_SMS_URL" in r.text and "require_sms_verification" in r.text
    assert api.get("/signing-requests").json()["pagination"]["total_count"] == 0


def test_a_null_request_setting_inherits_the_templates_value(api):
    t = create_template(api, settings={"require_otp_verification": True, "allow_download": False})
    r = api.post(
        "/signing-requests",
        {
            "template_id": t["id"],
            "recipients": [{"first_name": "Ada", "email": "ada@client.example"}],
            "settings": {"require_otp_verification": None, "allow_download": True},
        },
    )
    assert r.status_code == 201, r.text
    # Null means "inherit": the template's true stays; a value given replaces the template's.
    settings = r.json()["settings"]
    assert settings["require_otp_verification"] is True
    assert settings["allow_download"] is True
