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
