"""Firma ``/company`` and ``/company/settings``: the company of the key's workspace, read by
every key of it, changed only with the protected workspace's key; keys Signet keeps no
company-level value for are refused naming where they go."""

from __future__ import annotations

from signet.api.firma.not_implemented import BUILT


def test_company_reads_for_every_key_and_credits_are_null(company):
    for api in (company.owner, company.member, company.member_test):
        r = api.get("/company")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["id"] == company.id and body["credits"] is None
        assert body["created_date"].endswith("Z")


def test_only_the_protected_key_renames_and_credits_are_read_only(company):
    refused = company.member.put("/company", {"name": "Mine now"})
    assert refused.status_code == 403 and refused.json()["code"] == "PROTECTED_KEY_REQUIRED"
    r = company.owner.patch("/company", {"name": "Acme"})
    assert r.status_code == 200, r.text
    assert company.member.get("/company").json()["name"] == "Acme"
    # What GET answers may be sent back; credits may not.
    echo = company.owner.get("/company").json()
    assert company.owner.put("/company", {**echo, "credits": None}).status_code == 400
    del echo["credits"]
    assert company.owner.put("/company", echo).status_code == 200
    bad = company.owner.put("/company", {"credits": 100, "website": "x", "name": None})
    assert bad.status_code == 400
    assert list(bad.json()["details"]) == ["credits", "website", "name"]


def test_company_settings_round_trip_inherit_and_refuse(company):
    assert company.member.get("/company/settings").json() == {
        "company_id": company.id,
        "require_otp_verification": None,
    }
    assert (
        company.member.put("/company/settings", {"require_otp_verification": True}).status_code
        == 403
    )
    r = company.owner.put("/company/settings", {"require_otp_verification": True})
    assert r.status_code == 200 and r.json()["require_otp_verification"] is True
    assert company.member_test.get("/company/settings").json()["require_otp_verification"] is True
    # Null puts it back to inherit.
    r = company.owner.put("/company/settings", {"require_otp_verification": None})
    assert r.json()["require_otp_verification"] is None
    assert (
        company.owner.put("/company/settings", {"require_otp_verification": "x"}).status_code == 400
    )


def test_company_settings_refuse_what_has_no_company_value(company):
    r = company.owner.put(
        "/company/settings",
        {
            "team_email": "t@example.com",
            "show_qr_code": True,
            "colour": "red",
            "signature_per_signer": True,
        },
    )
    assert r.status_code == 400
    errors = r.json()["details"]
    assert "workspace setting" in errors["team_email"]
    assert "template or request" in errors["show_qr_code"]
    assert "not a company setting" in errors["colour"]
    assert "PUT /workspace/{workspace_id}/settings" in errors["signature_per_signer"]
    # Nothing was stored.
    assert company.owner.get("/company/settings").json()["require_otp_verification"] is None


def test_other_methods_on_company_paths_answer_405_and_the_rest_stays_501(company):
    r = company.owner.delete("/company/settings")
    assert r.status_code == 405 and r.headers["allow"] == "GET, PUT"
    assert company.owner.delete("/company").headers["allow"] == "GET, PATCH, PUT"
    assert company.owner.get("/company/signer-terms").status_code == 501


def test_company_routes_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    base = "/functions/v1/signing-request-api"
    assert set(paths[f"{base}/company"]) == {"get", "put", "patch"}
    assert set(paths[f"{base}/company/settings"]) == {"get", "put"}
    # The 405 answers name exactly the methods the document declares.
    for path, methods in BUILT.items():
        assert {m.lower() for m in methods} == set(paths[f"{base}/{path}"]), path
