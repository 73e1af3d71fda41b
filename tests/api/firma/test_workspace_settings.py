"""Workspace settings: own workspace only, validated, and read by the signing page headers."""

from __future__ import annotations


def test_settings_round_trip_and_validation(api, other_api):
    path = f"/workspace/{api.workspace_id}/settings"
    r = api.put(
        path,
        {
            "team_email": "team@example.com",
            "timezone": "Europe/Istanbul",
            "embed_allowed_origins": ["https://app.example.com"],
            "consent_text": "I agree to sign electronically.",
        },
    )
    assert r.status_code == 200, r.text
    body = api.get(path).json()
    assert body["timezone"] == "Europe/Istanbul"
    assert body["embed_allowed_origins"] == ["https://app.example.com"]
    bad = api.put(
        path,
        {
            "team_email": "nope",
            "timezone": "Mars/Base",
            "embed_allowed_origins": ["javascript:alert(1)"],
        },
    )
    assert bad.status_code == 400 and len(bad.json()["errors"]) == 3
    assert other_api.get(path).status_code == 404


def test_null_puts_a_setting_back_to_its_default(api):
    path = f"/workspace/{api.workspace_id}/settings"
    set_ = api.put(path, {"language": "fr", "timezone": "Europe/Paris", "team_email": "t@x.io"})
    assert set_.status_code == 200, set_.text
    r = api.put(
        path,
        {"language": None, "timezone": None, "team_email": None, "embed_allowed_origins": None},
    )
    assert r.status_code == 200, r.text
    body = api.get(path).json()
    assert (body["language"], body["timezone"], body["team_email"]) == ("en", "UTC", None)
    assert body["embed_allowed_origins"] == []


def test_keys_signet_does_not_act_on_are_named_in_warnings_and_not_stored(api):
    path = f"/workspace/{api.workspace_id}/settings"
    r = api.put(path, {"color_primary": "#123456", "language": "fr", "timezone": "Europe/Paris"})
    assert r.status_code == 200, r.text
    warnings = r.json()["warnings"]
    assert any(w.startswith("color_primary: ") and "not stored" in w for w in warnings)
    assert any(w.startswith("language: ") for w in warnings)
    assert not any(w.startswith("timezone") for w in warnings)
    body = api.get(path).json()
    assert "color_primary" not in body and "warnings" not in body
    assert body["timezone"] == "Europe/Paris"
    clean = api.put(path, {"timezone": "UTC"})
    assert clean.json()["warnings"] == []
