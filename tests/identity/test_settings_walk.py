"""No silent settings: every setting either face accepts (read from the faces' own schemas) is
enforced, with the test that proves it named here, or refused with 400, or reported in Firma's
``warnings[]``, or (for a few everyday fields) documented as such in docs/settings.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures.requests import create_body
from pandadoc_helpers import doc_data

from signet.api.firma.company import CompanySettingsIn
from signet.api.firma.schemas_out import SettingsOut
from signet.api.firma.workspace_settings import WorkspaceSettingsIn
from signet.api.pandadoc.schemas_in import (
    DocumentCreateIn,
    RecipientIn,
    SendIn,
    VerificationIn,
)

TESTS = Path(__file__).resolve().parent.parent
DOCS = TESTS.parent / "docs"
E = "identity/test_settings_enforced.py::"
PER_SIGNER = "identity/test_signer_signatures.py::"

# Firma settings{} of a request (and a template), and the keys beside it.
FIRMA_ENFORCED = {
    "allow_download": E + "test_allow_download_false_offers_no_download_after_signing",
    "attach_pdf_on_finish": E + "test_finish_email_and_attachment_follow_their_settings",
    "use_signing_order": (
        "api/firma/test_lifecycle.py::test_signing_order_notifies_only_the_first_step"
    ),
    "hand_drawn_only": (
        "signing/test_recipient_actions.py::test_hand_drawn_only_refuses_typed_marks"
    ),
    "send_signing_email": (
        "jobs/test_emails_and_expiry.py::test_send_signing_email_false_sends_nothing"
    ),
    "send_finish_email": E + "test_finish_email_and_attachment_follow_their_settings",
    "send_expiration_email": E + "test_send_expiration_email_false_sends_no_expiry_email",
    "send_cancellation_email": E + "test_send_cancellation_email_false_sends_no_cancellation",
    "allow_partial_download": "api/firma/test_lifecycle.py::test_download_follows_the_status",
    "require_otp_verification": (
        "identity/test_email_otp.py::test_the_page_opens_only_after_the_emailed_code"
    ),
    "require_sms_verification": "identity/test_sms_code.py::test_the_sms_code_opens_the_document",
    "signature_per_signer": (
        PER_SIGNER + "test_two_signers_sign_before_the_seal_and_every_signature_validates"
    ),
    "disable_guided_navigation": E + "test_guided_navigation_and_completion_texts_reach_the_page",
    "allow_presigning_download": (
        E + "test_allow_presigning_download_serves_the_original_before_signing"
    ),
    "show_partial_watermark": E
    + "test_show_partial_watermark_false_leaves_the_partial_pdf_unmarked",
    "completion_title": E + "test_guided_navigation_and_completion_texts_reach_the_page",
    "completion_message": E + "test_guided_navigation_and_completion_texts_reach_the_page",
    "completion_redirect_url": (
        "signing_page/test_signing_page_embed.py::"
        "test_framed_session_posts_loaded_and_completed_to_the_host"
    ),
    "completion_redirect_delay": (
        "signing_page/test_signing_page_embed.py::"
        "test_framed_session_posts_loaded_and_completed_to_the_host"
    ),
}
FIRMA_REFUSED = {"require_terms_acceptance": True}
FIRMA_WARNED = {
    "show_qr_code": True,
    "show_signature_frame": True,
    "identity_editable_fields": ["name"],
    "notify_identity_change_email": True,
    "notify_identity_change_webhook": True,
}
# Documented in docs/settings.md with what Signet does instead.
FIRMA_DOCUMENTED = {"allow_editing_before_sending"}

WORKSPACE_ENFORCED = {
    "team_email": (
        "webhooks/test_webhook_delivery.py::"
        "test_a_company_level_webhook_is_reported_to_the_company_team_only"
    ),
    "timezone": (
        "pdf/test_pdf_certificate.py::test_times_are_shown_in_utc_with_the_workspace_zone_beside_them"
    ),
    "consent_text": E + "test_workspace_consent_text_is_what_the_page_asks",
    "embed_allowed_origins": (
        "signing_page/test_signing_page_http.py::"
        "test_frame_ancestors_follow_the_workspace_setting_and_test_mode"
    ),
    "webhook_enabled": (
        "webhooks/test_webhook_delivery.py::"
        "test_disabled_or_deleted_webhooks_pending_deliveries_are_not_sent"
    ),
    "ignore_company_webhooks": E + "test_ignore_company_webhooks_keeps_company_hooks_away",
    "require_otp_verification": (
        "identity/test_email_otp.py::test_the_workspace_setting_applies_when_the_request_inherits"
    ),
    "signature_per_signer": (
        PER_SIGNER + "test_the_workspace_setting_applies_when_the_request_inherits"
    ),
}
WORKSPACE_DOCUMENTED = {"language"}

# PUT /company/settings: what the company holds is inherited by every request of the company
# that leaves it null at the workspace, template and request; every other workspace or request
# setting is refused there with 400 naming where it goes.
COMPANY_ENFORCED = {
    "require_otp_verification": (
        "identity/test_email_otp.py::"
        "test_the_company_setting_applies_when_workspace_and_request_inherit"
    ),
}

PANDADOC_SEND = (
    "api/pandadoc/test_pandadoc_lifecycle.py::"
    "test_send_returns_recipients_with_shared_links_and_invites_the_first_step"
)
PANDADOC_ENFORCED = {
    "send.subject": PANDADOC_SEND,
    "send.message": PANDADOC_SEND,
    "send.silent": "identity/test_access_code.py::test_email_otp_applies_to_that_recipient_only",
    "send.reply_to": E + "test_pandadoc_reply_to_is_the_reply_to_of_the_documents_emails",
    "create.parse_form_fields": (
        "api/pandadoc/test_pandadoc_form_fields.py::"
        "test_an_upload_with_parse_form_fields_gets_those_fields"
    ),
    "verification.email_otp_verification": (
        "identity/test_access_code.py::test_email_otp_applies_to_that_recipient_only"
    ),
    "verification.passcode_verification": (
        "identity/test_access_code.py::test_the_access_code_opens_the_document_and_is_never_shown"
    ),
    "verification.phone_verification": (
        "identity/test_sms_code.py::test_pandadoc_phone_verification_sends_to_the_given_number"
    ),
    "create.signature_per_signer": PER_SIGNER + "test_pandadoc_signature_per_signer_on_create",
    "verification.verification_place": (
        "identity/test_access_code.py::test_unsupported_checks_are_refused_naming_why"
    ),
}
PANDADOC_REFUSED = {
    "verification.kba_verification": {"verification_settings": {"kba_verification": True}},
    "verification.id_verification": {"verification_settings": {"id_verification": True}},
    "recipient.redirect": {"redirect": {"enabled": True, "url": "https://example.com/done"}},
    "recipient.delivery_methods": {"delivery_methods": {"sms": True}},
}


def firma_keys() -> set[str]:
    return set(SettingsOut.model_fields)


def pandadoc_keys() -> set[str]:
    keys = {f"send.{k}" for k in SendIn.model_fields}
    keys |= {f"verification.{k}" for k in VerificationIn.model_fields}
    keys |= {"create.parse_form_fields", "create.signature_per_signer"} & {
        f"create.{k}" for k in DocumentCreateIn.model_fields
    }
    keys |= {
        f"recipient.{k}" for k in ("redirect", "delivery_methods") if k in RecipientIn.model_fields
    }
    return keys


def test_every_setting_of_both_faces_has_a_verdict():
    firma = FIRMA_ENFORCED.keys() | FIRMA_REFUSED.keys() | FIRMA_WARNED.keys() | FIRMA_DOCUMENTED
    assert firma_keys() == set(firma)
    workspace = WORKSPACE_ENFORCED.keys() | WORKSPACE_DOCUMENTED
    assert set(WorkspaceSettingsIn.model_fields) == set(workspace)
    assert set(CompanySettingsIn.model_fields) == set(COMPANY_ENFORCED)
    assert pandadoc_keys() == PANDADOC_ENFORCED.keys() | PANDADOC_REFUSED.keys()


@pytest.mark.parametrize(
    "where",
    sorted(
        set(FIRMA_ENFORCED.values())
        | set(WORKSPACE_ENFORCED.values())
        | set(COMPANY_ENFORCED.values())
        | set(PANDADOC_ENFORCED.values())
    ),
)
def test_each_enforced_setting_names_a_test_that_exists(where: str):
    path, name = where.split("::")
    source = (TESTS / path).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, re.M), where


@pytest.mark.parametrize("key", sorted(FIRMA_REFUSED))
def test_refused_firma_settings_answer_400_naming_them(api, key):
    settings = {key: FIRMA_REFUSED[key]}
    for path in ("/signing-requests", "/signing-requests/create-and-send"):
        r = api.post(path, create_body(settings=settings))
        assert r.status_code == 400, r.text
        assert f"settings.{key}" in r.text
    r = api.post(
        "/templates", {"name": "T", "document": create_body()["document"], "settings": settings}
    )
    assert r.status_code == 400 and key in r.text
    # Off or inherited is fine.
    assert api.post("/signing-requests", create_body(settings={key: False})).status_code == 201


def company_refused_keys() -> set[str]:
    return (firma_keys() | set(WorkspaceSettingsIn.model_fields)) - set(COMPANY_ENFORCED)


@pytest.mark.parametrize("key", sorted(company_refused_keys()))
def test_settings_the_company_does_not_hold_answer_400_naming_them(company, key):
    value = FIRMA_REFUSED.get(key, FIRMA_WARNED.get(key, True))
    r = company.owner.put("/company/settings", {key: value})
    assert r.status_code == 400, r.text
    assert key in r.json()["details"], r.text
    # Even null: a key that is kept nowhere at this level is not silently taken.
    assert company.owner.put("/company/settings", {key: None}).status_code == 400


@pytest.mark.parametrize("key", sorted(FIRMA_WARNED))
def test_ignored_firma_settings_are_reported_in_warnings(api, key):
    r = api.post("/signing-requests", create_body(settings={key: FIRMA_WARNED[key]}))
    assert r.status_code == 201, r.text
    assert any(w.startswith(f"settings.{key}: ignored") for w in r.json()["warnings"]), r.json()
    quiet = api.post("/signing-requests", create_body())
    assert not any(key in w for w in quiet.json()["warnings"])


@pytest.mark.parametrize("key", sorted(PANDADOC_REFUSED))
def test_refused_pandadoc_options_answer_400_naming_them(pd, key):
    data = doc_data()
    data["recipients"][0].update(PANDADOC_REFUSED[key])
    r = pd.upload(data)
    assert r.status_code == 400, r.text
    assert key.split(".")[1] in r.text


def test_documented_settings_say_what_signet_does_instead():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert "**not enforced**" not in text
    for key in FIRMA_DOCUMENTED | WORKSPACE_DOCUMENTED:
        rows = [line for line in text.splitlines() if line.startswith(f"| `{key}`")]
        assert any("documented" in row for row in rows), key
