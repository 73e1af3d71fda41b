"""Email rendering: every type, escaping, language fallback, override layers, save-time checks."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import pytest
from markupsafe import Markup

from signet.mail import EMAIL_TYPES, DictTemplateSource, render_email, template_warnings
from signet.mail.render import builtin_languages


def full_context() -> dict[str, object]:
    return {
        "signer_name": "Ada Lovelace",
        "signer_email": "ada@example.com",
        "signing_link": "https://sign.example.com/signing/3c90c3cc?t=abc&x=1",
        "download_link": "https://sign.example.com/files/tok-download",
        "document_name": "Consulting Agreement 2025",
        "document_description": "Twelve months, renewable.",
        "expires_at": "2025-03-08 09:30 UTC",
        "expiration_hours": 168,
        "completed_at": "2025-03-02 17:05 UTC",
        "sender_name": "Bob Sender",
        "company_name": "Acme Corp",
        "workspace_name": "Sales Team",
        "custom_message": "Please sign by Friday.\nThanks!",
        "decline_reason": "The fee is wrong.",
        "decliner_name": "Eve Decliner",
        "cancel_reason": "Replaced by version 2.",
        "otp_code": "482913",
    }


# What each email must show the reader, in both its HTML and its text body.
EXPECTED_VALUES: dict[str, list[str]] = {
    "signing_invite": [
        "Ada",
        "Consulting Agreement 2025",
        "Bob Sender",
        "Twelve months, renewable.",
        "Please sign by Friday.",
        "2025-03-08 09:30 UTC",
    ],
    "next_signer": ["Ada", "Consulting Agreement 2025", "2025-03-08 09:30 UTC"],
    "resend_notification": [
        "Ada",
        "Consulting Agreement 2025",
        "Please sign by Friday.",
        "2025-03-08 09:30 UTC",
    ],
    "signing_expired": ["Ada", "Consulting Agreement 2025", "2025-03-08 09:30 UTC"],
    "signing_cancelled": ["Ada", "Consulting Agreement 2025", "Replaced by version 2."],
    "signing_declined": ["Ada", "Consulting Agreement 2025", "Eve Decliner"],
    "signing_declined_admin": ["Consulting Agreement 2025", "Eve Decliner", "The fee is wrong."],
    "signing_completed": [
        "Ada",
        "Consulting Agreement 2025",
        "2025-03-02 17:05 UTC",
        "https://sign.example.com/files/tok-download",
    ],
    "signing_otp": ["Ada", "Consulting Agreement 2025", "482913"],
}

LINK_TYPES = ("signing_invite", "next_signer", "resend_notification")


def test_expectations_cover_every_email_type() -> None:
    assert set(EXPECTED_VALUES) == set(EMAIL_TYPES)


@pytest.mark.parametrize("email_type", EMAIL_TYPES)
def test_every_email_type_renders_subject_html_and_text(email_type: str) -> None:
    email = render_email(email_type, full_context())

    assert email.email_type == email_type
    assert email.language == "en"
    assert "Consulting Agreement 2025" in email.subject
    assert "\n" not in email.subject
    assert email.html.startswith("<!DOCTYPE html>")
    assert "{{" not in email.html and "{{" not in email.text
    for value in EXPECTED_VALUES[email_type]:
        assert value in email.text, f"{value!r} missing from the text body"
        assert str(Markup.escape(value)) in email.html, f"{value!r} missing from the HTML body"


@pytest.mark.parametrize("email_type", LINK_TYPES)
def test_signing_link_is_a_button_and_a_visible_address(email_type: str) -> None:
    email = render_email(email_type, full_context())
    escaped_link = "https://sign.example.com/signing/3c90c3cc?t=abc&amp;x=1"

    # One <a> styled as the button, one showing the raw address as its text.
    assert email.html.count(f'href="{escaped_link}"') == 2
    assert f">{escaped_link}</a>" in email.html
    assert "Review and sign</a>" in email.html
    assert "https://sign.example.com/signing/3c90c3cc?t=abc&x=1" in email.text


def test_completed_email_says_attached_when_there_is_no_download_link() -> None:
    context = full_context() | {"download_link": None}
    email = render_email("signing_completed", context)

    assert "attached to this email" in email.text
    assert "attached to this email" in email.html
    assert "files/" not in email.html


def test_names_are_html_escaped_in_html_and_kept_as_is_in_text() -> None:
    context = full_context() | {
        "signer_name": "<script>alert(1)</script>",
        "document_name": 'Q1 "Deal" & <b>terms</b>',
    }
    email = render_email("signing_invite", context)

    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "Q1 &#34;Deal&#34; &amp; &lt;b&gt;terms&lt;/b&gt;" in email.html
    assert "<b>terms</b>" not in email.html
    assert "Hello <script>alert(1)</script>," in email.text
    assert email.subject.endswith('Q1 "Deal" & <b>terms</b>')


def test_markup_values_from_callers_are_escaped_too() -> None:
    context = full_context() | {"custom_message": Markup("<img src=x onerror=alert(1)>")}
    email = render_email("signing_invite", context)

    assert "<img" not in email.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in email.html


def test_custom_message_keeps_its_line_breaks_in_html() -> None:
    email = render_email("signing_invite", full_context())

    assert "Please sign by Friday.<br>\nThanks!" in email.html
    assert "Please sign by Friday.\nThanks!" in email.text


def test_missing_and_none_values_render_empty() -> None:
    context = {
        "signing_link": "https://sign.example.com/signing/1",
        "document_name": "NDA",
        "signer_name": None,
        "custom_message": None,
    }
    email = render_email("signing_invite", context)

    assert "None" not in email.html and "None" not in email.text
    assert "Hello," in email.text
    assert "Message from" not in email.text
    assert email.subject == "Please sign: NDA"


def test_first_name_is_derived_from_the_full_name_when_not_given() -> None:
    email = render_email("next_signer", full_context())

    assert "Hello Ada," in email.text


def test_datetimes_are_shown_in_utc() -> None:
    context = full_context() | {"expires_at": datetime(2025, 3, 8, 9, 30, tzinfo=UTC)}
    email = render_email("signing_invite", context)

    assert "Please sign before 2025-03-08 09:30 UTC." in email.text


@pytest.mark.parametrize("language", ["xx", "zz-ZZ", "", "../../etc", "en-GB", "EN"])
def test_unknown_or_invalid_language_falls_back_to_english(language: str) -> None:
    english = render_email("signing_invite", full_context())
    email = render_email("signing_invite", full_context(), language)

    assert email.language == "en"
    assert (email.subject, email.html, email.text) == (english.subject, english.html, english.text)


def test_english_templates_ship_with_the_package() -> None:
    assert "en" in builtin_languages()
    root = resources.files("signet.mail") / "templates" / "en"
    for email_type in EMAIL_TYPES:
        for suffix in (".subject.txt", ".html", ".txt"):
            assert (root / f"{email_type}{suffix}").is_file()


def test_override_in_the_requested_language_wins_and_the_rest_falls_back() -> None:
    french = DictTemplateSource(
        {"fr": {"signing_invite.subject.txt": "Signature demandée : {{ document_name }}"}}
    )

    email = render_email("signing_invite", full_context(), "fr-CA", sources=[french])
    german = render_email("signing_invite", full_context(), "de", sources=[french])

    assert email.subject == "Signature demandée : Consulting Agreement 2025"
    assert "Review and sign" in email.html  # no French body: the built-in English one
    assert german.subject.startswith("Bob Sender sent you")


def test_workspace_override_beats_company_override() -> None:
    workspace = DictTemplateSource(
        {"en": {"signing_completed.subject.txt": "Workspace: {{ document_name }}"}}, "workspace"
    )
    company = DictTemplateSource(
        {"en": {"signing_completed.subject.txt": "Company: {{ document_name }}"}}, "company"
    )

    email = render_email("signing_completed", full_context(), sources=[workspace, company])
    company_only = render_email("signing_completed", full_context(), sources=[company])

    assert email.subject == "Workspace: Consulting Agreement 2025"
    assert company_only.subject == "Company: Consulting Agreement 2025"


def test_override_can_replace_only_the_shared_layout() -> None:
    layout = "<html><body>{% block content %}{% endblock %}<p>Custom footer</p></body></html>"
    company = DictTemplateSource({"en": {"_layout.html": layout}})

    email = render_email("signing_cancelled", full_context(), sources=[company])

    assert email.html.startswith("<html><body>")
    assert "Custom footer" in email.html
    assert "Replaced by version 2." in email.html


def test_html_only_override_gets_a_generated_text_body() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<div style='display:none'>preview text</div>"
        "<p>Dear {{ signer_name }},</p><p>Please <a href='{{ signing_link }}'>sign here</a>.</p>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    workspace = DictTemplateSource({"en": {"signing_invite.html": html}})

    email = render_email("signing_invite", full_context(), sources=[workspace])

    assert email.text == (
        "Dear Ada Lovelace,\n\n"
        "Please sign here (https://sign.example.com/signing/3c90c3cc?t=abc&x=1).\n\n"
        "- one\n- two\n"
    )


def test_unknown_placeholders_in_a_custom_template_render_empty() -> None:
    workspace = DictTemplateSource(
        {
            "en": {
                "signing_invite.html": "<p>Hi {{ nickname }}{{ user.profile.name }}!</p>"
                "{{ signing_link }}",
                "signing_invite.txt": "Hi {{ nickname }}! {{ signing_link }}",
            }
        }
    )

    email = render_email("signing_invite", full_context(), sources=[workspace])

    assert email.html.startswith("<p>Hi !</p>")
    assert email.text.startswith("Hi ! https://")


def test_custom_templates_cannot_reach_python_internals() -> None:
    workspace = DictTemplateSource(
        {"en": {"signing_invite.txt": "[{{ signing_link.__class__.__mro__ }}]{{ signing_link }}"}}
    )

    email = render_email("signing_invite", full_context(), sources=[workspace])

    assert "class" not in email.text
    assert email.text.startswith("[]")


def test_custom_subject_is_used_literally_on_one_line() -> None:
    email = render_email(
        "resend_notification", full_context(), subject="Friendly reminder {{ x }}\r\nsecond line"
    )

    assert email.subject == "Friendly reminder {{ x }} second line"


def test_invite_without_a_signing_link_is_refused() -> None:
    context = full_context() | {"signing_link": ""}

    with pytest.raises(ValueError, match="signing_link"):
        render_email("signing_invite", context)


def test_unknown_email_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown email type"):
        render_email("signing_party", full_context())


@pytest.mark.parametrize("email_type", EMAIL_TYPES)
def test_builtin_templates_use_only_documented_placeholders(email_type: str) -> None:
    root = resources.files("signet.mail") / "templates" / "en"
    for part, suffix in (("subject", ".subject.txt"), ("html", ".html"), ("text", ".txt")):
        source = (root / f"{email_type}{suffix}").read_text(encoding="utf-8")
        assert template_warnings(email_type, source, part=part) == []


def test_template_warnings_report_problems_a_customer_can_fix() -> None:
    assert template_warnings("signing_invite", "Hi {{ nick_name }}") == [
        "unknown placeholder {{nick_name}} renders empty",
        "signing_invite html should contain {{signing_link}}",
    ]
    assert template_warnings("signing_invite", "Sign {{ document_name", part="subject")[
        0
    ].startswith("template does not parse (line 1)")
    assert template_warnings("signing_cancelled", "{{ cancel_reason }}") == []


def test_html_frame_is_accessible() -> None:
    email = render_email("signing_invite", full_context())

    assert '<html lang="en"' in email.html
    assert "<title>Consulting Agreement 2025</title>" in email.html
    assert "<h1 " in email.html
    # Layout tables are announced as presentation, not data tables.
    assert email.html.count("<table") == email.html.count('role="presentation"')


def test_control_characters_never_reach_the_subject() -> None:
    context = {**full_context(), "document_name": "Con\x00tract\x07 \x1b[31mred\r\nBcc: x"}
    for subject in (
        render_email("signing_invite", context).subject,
        render_email("signing_invite", full_context(), subject="Sign\x07 me\x00\nnow").subject,
    ):
        assert not any(ord(c) < 32 or ord(c) == 127 for c in subject), repr(subject)
    assert "Contract [31mred Bcc: x" in render_email("signing_invite", context).subject


def test_a_table_in_custom_html_keeps_its_rows_and_columns_in_the_text_body() -> None:
    html = (
        "<p>Your documents:</p><table>"
        "<tr><th>Document</th><th>Pages</th></tr>"
        "<tr><td>Master services agreement</td><td>12</td></tr>"
        "<tr><td>NDA</td><td>3</td></tr></table>"
    )
    workspace = DictTemplateSource({"en": {"signing_invite.html": html}})

    email = render_email("signing_invite", full_context(), sources=[workspace])

    assert email.text == (
        "Your documents:\n\n"
        "Document                   Pages\n"
        "Master services agreement  12\n"
        "NDA                        3\n"
    )
