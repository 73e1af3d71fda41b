"""PATCH and PUT on drafts: one change at a time, or everything at once, all or nothing."""

from __future__ import annotations

from fixtures.requests import create_body, field, signer


def _draft(api, **kw):
    r = api.post("/signing-requests", create_body(**kw))
    assert r.status_code == 201, r.text
    return r.json()


def test_patch_properties_returns_updated_fields(api):
    sr = _draft(api)
    r = api.patch(
        f"/signing-requests/{sr['id']}",
        {"name": "Renamed", "settings": {"hand_drawn_only": True}, "metadata": {"a": "1"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(body["updated_fields"]) == ["metadata", "name", "settings"]
    assert body["signing_request"]["name"] == "Renamed"
    assert body["signing_request"]["settings"]["hand_drawn_only"] is True
    assert body["signing_request"]["hand_drawn_only"] == 1
    assert body["signing_request"]["metadata"] == {"a": "1"}


def test_patch_adds_and_updates_a_recipient(api):
    sr = _draft(api)
    added = api.patch(
        f"/signing-requests/{sr['id']}",
        {"recipient": {"first_name": "Bob", "email": "bob@example.com"}},
    )
    assert added.status_code == 200, added.text
    bob = added.json()["recipient"]
    assert bob["order"] == 2 and bob["designation"] == "Signer"
    changed = api.patch(
        f"/signing-requests/{sr['id']}", {"recipient": {"id": bob["id"], "last_name": "Builder"}}
    )
    assert changed.json()["recipient"]["name"] == "Bob Builder"
    assert changed.json()["recipient"]["email"] == "bob@example.com"
    users = api.get(f"/signing-requests/{sr['id']}/users").json()["results"]
    assert [u["email"] for u in users] == ["ada@example.com", "bob@example.com"]


def test_patch_field_add_move_and_delete(api):
    sr = _draft(api)
    rid = sr["recipients"][0]["id"]
    added = api.patch(
        f"/signing-requests/{sr['id']}",
        {
            "field": {
                "type": "text",
                "recipient_id": rid,
                "page_number": 1,
                "position": {"x": 1, "y": 1, "width": 10, "height": 3},
            }
        },
    )
    assert added.status_code == 200, added.text
    fid = added.json()["field"]["id"]
    moved = api.patch(
        f"/signing-requests/{sr['id']}",
        {"field": {"id": fid, "position": {"x": 50, "y": 50, "width": 10, "height": 3}}},
    )
    assert moved.json()["field"]["position"]["x"] == 50
    assert moved.json()["field"]["type"] == "text"
    bad = api.patch(
        f"/signing-requests/{sr['id']}",
        {"field": {"id": fid, "position": {"x": 95, "y": 50, "width": 10, "height": 3}}},
    )
    assert bad.status_code == 400
    gone = api.patch(f"/signing-requests/{sr['id']}", {"field": {"id": fid, "deleted": True}})
    assert gone.status_code == 200 and gone.json()["field"] is None
    fields = api.get(f"/signing-requests/{sr['id']}/fields").json()["results"]
    assert [f["type"] for f in fields] == ["signature"]


def test_patch_needs_exactly_one_kind_of_change(api):
    sr = _draft(api)
    r = api.patch(
        f"/signing-requests/{sr['id']}",
        {"name": "x", "recipient": {"first_name": "Z", "email": "z@example.com"}},
    )
    assert r.status_code == 400
    assert api.patch(f"/signing-requests/{sr['id']}", {}).status_code == 400
    seal = api.patch(f"/signing-requests/{sr['id']}", {"seal_participant": {"x": 1}})
    assert seal.status_code == 501


def test_put_changes_everything_at_once(api):
    sr = _draft(
        api,
        recipients=[signer("temp_1"), signer("temp_2", "b@example.com")],
        fields=[field("temp_1"), field("temp_2")],
    )
    a, b = (r["id"] for r in sr["recipients"])
    body = {
        "signing_request_properties": {"name": "Put name", "expiration_hours": 24},
        "recipients": [
            {"id": a, "first_name": "Adele"},
            {"_temp_id": "temp_new", "first_name": "Cy", "email": "cy@example.com"},
        ],
        "deleted_recipients": [
            {"recipient_id": b, "field_action": "reassign", "reassign_to_recipient_id": a}
        ],
        "fields": [
            {
                "type": "text",
                "recipient_id": "temp_new",
                "page_number": 1,
                "position": {"x": 5, "y": 5, "width": 10, "height": 3},
            }
        ],
        "reminders": [{"hours": 12, "all_users": True}],
    }
    r = api.put(f"/signing-requests/{sr['id']}", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["signing_request"]["name"] == "Put name"
    assert out["signing_request"]["expiration_hours"] == 24
    assert [x["first_name"] for x in out["recipients"]] == ["Adele", "Cy"]
    cy = out["recipients"][1]["id"]
    assert [f["recipient_id"] for f in out["fields"]] == [a, a, cy]
    assert out["summary"]["recipients_created"] == 1
    assert out["summary"]["recipients_deleted"] == 1
    assert out["summary"]["fields_created"] == 1
    assert out["summary"]["reminders_created"] == 1


def test_put_is_all_or_nothing_with_grouped_errors(api):
    sr = _draft(api)
    body = {
        "signing_request_properties": {"name": "Should not stick"},
        "fields": [
            {
                "type": "hologram",
                "recipient_id": sr["recipients"][0]["id"],
                "page_number": 1,
                "position": {"x": 1, "y": 1, "width": 1, "height": 1},
            }
        ],
        "deleted_recipients": [{"recipient_id": "00000000-0000-4000-8000-000000000000"}],
    }
    r = api.put(f"/signing-requests/{sr['id']}", body)
    assert r.status_code == 400
    details = r.json()["details"]
    assert details["fields"] and details["deleted_recipients"]
    assert api.get(f"/signing-requests/{sr['id']}").json()["name"] == sr["name"]


def test_patch_with_a_part_sent_as_null_names_nothing_to_change(api):
    """`{"field": null}` is not a field to change: 400, where it used to crash (500)."""
    sr = _draft(api)
    for part in ("recipient", "field", "seal_participant"):
        r = api.patch(f"/signing-requests/{sr['id']}", {part: None})
        assert r.status_code == 400, (part, r.text)
        assert r.json()["code"] == "VALIDATION_ERROR"
