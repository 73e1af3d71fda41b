"""MIME assembly: parts, headers, attachments and the stable Message-ID."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest

from signet.mail import build_message, render_email, stable_message_id

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def rendered_completion():
    return render_email(
        "signing_completed",
        {"signer_name": "Ada Lovelace", "document_name": "NDA", "company_name": "Acme"},
    )


def make(**overrides):
    arguments = {
        "to": "Ada Lovelace <ada@example.com>",
        "from_addr": "Signet <no-reply@sign.example.com>",
        "reply_to": "team@acme.example",
        "message_id_seed": "email-job:42",
        "domain": "sign.example.com",
        "attachments": [],
    }
    return build_message(rendered_completion(), **(arguments | overrides))


def test_message_has_text_then_html_alternatives_and_the_headers() -> None:
    message = make(date=datetime(2025, 3, 2, 17, 5, tzinfo=UTC))

    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert "All parties have signed" in text.get_content()
    assert "<strong>NDA</strong>" in html.get_content()
    assert message["Subject"] == "Completed: NDA"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["From"] == "Signet <no-reply@sign.example.com>"
    assert message["Reply-To"] == "team@acme.example"
    assert message["X-Signet-Email-Type"] == "signing_completed"
    assert message["Auto-Submitted"] == "auto-generated"
    assert parsedate_to_datetime(message["Date"]) == datetime(2025, 3, 2, 17, 5, tzinfo=UTC)


def test_without_reply_to_there_is_no_reply_to_header() -> None:
    assert make(reply_to=None)["Reply-To"] is None


def test_message_id_is_stable_for_the_same_seed_and_differs_for_another() -> None:
    first = make()["Message-ID"]
    retry = make()["Message-ID"]
    other = make(message_id_seed="email-job:43")["Message-ID"]

    assert first == retry
    assert first != other
    assert re.fullmatch(r"<[0-9a-f]{32}@sign\.example\.com>", first)
    assert first == stable_message_id("email-job:42", "sign.example.com")


def test_the_same_job_and_date_give_byte_identical_messages() -> None:
    when = datetime(2025, 3, 2, 17, 5, tzinfo=UTC)

    assert make(date=when).as_bytes() == make(date=when).as_bytes()


def test_pdf_attachment_survives_a_round_trip() -> None:
    message = make(attachments=[("NDA - signed.pdf", PDF, "application/pdf")])
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)

    assert parsed.get_content_type() == "multipart/mixed"
    body = parsed.get_body(preferencelist=("html", "plain"))
    assert body is not None and body.get_content_type() == "text/html"
    attachments = list(parsed.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "NDA - signed.pdf"
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF


def test_non_ascii_subject_and_body_are_encoded() -> None:
    rendered = render_email(
        "signing_completed", {"signer_name": "Zoë Ångström", "document_name": "Contrat — été"}
    )
    message = build_message(
        rendered,
        to="zoe@example.com",
        from_addr="a@b.example",
        reply_to=None,
        message_id_seed="s",
        domain="b.example",
        attachments=[],
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)

    assert parsed["Subject"] == "Completed: Contrat — été"
    assert "Zoë" in parsed.get_body(preferencelist=("plain",)).get_content()


def test_line_breaks_in_an_address_are_refused() -> None:
    with pytest.raises(ValueError):
        make(to="ada@example.com\r\nBcc: everyone@example.com")


@pytest.mark.parametrize("domain", ["", "bad domain", "a@b", "<x>"])
def test_message_id_domain_must_be_a_host_name(domain: str) -> None:
    with pytest.raises(ValueError, match="Message-ID domain"):
        make(domain=domain)


def test_attachment_mimetype_must_have_a_subtype() -> None:
    with pytest.raises(ValueError, match="type/subtype"):
        make(attachments=[("a.pdf", PDF, "pdf")])
