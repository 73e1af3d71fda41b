"""SMTP delivery against real aiosmtpd servers on 127.0.0.1, and SMTP URL parsing."""

from __future__ import annotations

import pytest

from signet.mail import (
    PermanentDeliveryError,
    SmtpConfig,
    TemporaryDeliveryError,
    build_message,
    parse_smtp_url,
    render_email,
    send_via_smtp,
)

PDF = b"%PDF-1.7\n%%EOF\n"


def invite_message(*, attachments=()):
    rendered = render_email(
        "signing_invite",
        {
            "signer_name": "Ada Lovelace",
            "document_name": "NDA",
            "signing_link": "https://sign.example.com/signing/abc",
        },
    )
    return build_message(
        rendered,
        to="ada@example.com",
        from_addr="Signet <no-reply@sign.example.com>",
        reply_to="team@example.com",
        message_id_seed="job-1",
        domain="sign.example.com",
        attachments=list(attachments),
    )


def local(port: int, **kwargs) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, **kwargs)


def send(config: SmtpConfig, message=None, **kwargs) -> None:
    # An explicit EHLO name: the default looks up this machine's FQDN, slow on some networks.
    send_via_smtp(
        config, message or invite_message(), timeout=10, local_hostname="localhost", **kwargs
    )


# --- parse_smtp_url ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("smtp://mail.example.com", "plain", 25),
        ("smtp://mail.example.com:2525", "plain", 2525),
        ("smtp://mail.example.com?starttls=1", "starttls", 587),
        ("smtp://mail.example.com:25?starttls=true", "starttls", 25),
        ("smtp://mail.example.com?starttls=0", "plain", 25),
        ("smtps://mail.example.com", "tls", 465),
        ("SMTPS://mail.example.com:4650/", "tls", 4650),
    ],
)
def test_smtp_url_security_and_default_ports(url: str, security: str, port: int) -> None:
    config = parse_smtp_url(url)

    assert (config.host, config.security, config.port) == ("mail.example.com", security, port)
    assert config.username is None and config.password is None


def test_smtp_url_user_and_password_are_percent_decoded() -> None:
    config = parse_smtp_url("smtp://ada%40example.com:p%40ss%3Aw%2Frd%23@[::1]:587?starttls=1")

    assert config.username == "ada@example.com"
    assert config.password == "p@ss:w/rd#"
    assert config.host == "::1"


def test_smtp_url_password_never_shows_in_logs() -> None:
    config = parse_smtp_url("smtp://apikey:hunter2secret@smtp.example.com:587?starttls=1")

    assert "hunter2secret" not in repr(config)
    assert config.safe_url == "smtp://apikey:***@smtp.example.com:587?starttls=1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "unsupported SMTP URL scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example.com:99999", "invalid port"),
        ("smtps://mail.example.com?starttls=1", "already uses TLS"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be 1 or 0"),
        ("smtp://mail.example.com?tls=1", "unknown SMTP URL option"),
        ("smtp://mail.example.com/relay", "must not have a path"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_smtp_url(url)


# --- delivery ---------------------------------------------------------------------------------


def test_plain_smtp_delivers_the_message_intact(smtp_server) -> None:
    server = smtp_server()

    send(
        parse_smtp_url(f"smtp://127.0.0.1:{server.port}"),
        invite_message(attachments=[("NDA.pdf", PDF, "application/pdf")]),
    )

    [envelope] = server.handler.received
    assert envelope.mail_from == "no-reply@sign.example.com"
    assert envelope.rcpt_tos == ["ada@example.com"]
    [received] = server.handler.messages()
    assert received["Subject"] == "Please sign: NDA"
    assert received["X-Signet-Email-Type"] == "signing_invite"
    assert received["Message-ID"] == invite_message()["Message-ID"]
    assert "https://sign.example.com/signing/abc" in received.get_body(("plain",)).get_content()
    assert "Review and sign</a>" in received.get_body(("html",)).get_content()
    [attachment] = received.iter_attachments()
    assert attachment.get_content() == PDF


def test_starttls_with_login_delivers(smtp_server, tls_files) -> None:
    server = smtp_server(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        auth_required=True,
        login=("mailer", "s3cret:@/"),
    )
    config = parse_smtp_url(f"smtp://mailer:s3cret%3A%40%2F@127.0.0.1:{server.port}?starttls=1")

    send(config, ssl_context=tls_files.client_context())

    assert len(server.handler.messages()) == 1


def test_wrong_password_is_permanent(smtp_server, tls_files) -> None:
    server = smtp_server(
        tls_context=tls_files.server_context(), require_starttls=True, login=("mailer", "right")
    )
    config = local(server.port, username="mailer", password="wrong", security="starttls")

    with pytest.raises(PermanentDeliveryError, match="check the user and password") as caught:
        send(config, ssl_context=tls_files.client_context())

    assert caught.value.smtp_code == 535
    assert "wrong" not in str(caught.value)
    assert server.handler.received == []


def test_implicit_tls_delivers(smtp_server, tls_files) -> None:
    server = smtp_server(ssl_context=tls_files.server_context())

    send(parse_smtp_url(f"smtps://127.0.0.1:{server.port}"), ssl_context=tls_files.client_context())

    assert len(server.handler.messages()) == 1


def test_untrusted_certificate_is_not_accepted(smtp_server, tls_files) -> None:
    server = smtp_server(tls_context=tls_files.server_context(), require_starttls=True)

    # The default context trusts only the system store, which does not hold the test certificate.
    with pytest.raises(TemporaryDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        send(local(server.port, security="starttls"))

    assert server.handler.received == []


def test_recipient_rejected_with_5xx_is_permanent(smtp_server) -> None:
    server = smtp_server(rcpt_reply="550 5.1.1 No such user here")

    with pytest.raises(PermanentDeliveryError, match="No such user here") as caught:
        send(local(server.port))

    assert caught.value.smtp_code == 550
    assert caught.value.retryable is False


def test_message_rejected_at_data_with_5xx_is_permanent(smtp_server) -> None:
    server = smtp_server(data_reply="554 5.7.1 Message rejected as spam")

    with pytest.raises(PermanentDeliveryError) as caught:
        send(local(server.port))

    assert caught.value.smtp_code == 554


def test_greylisting_4xx_is_temporary(smtp_server) -> None:
    server = smtp_server(rcpt_reply="451 4.7.1 Greylisted, try again later")

    with pytest.raises(TemporaryDeliveryError, match="Greylisted") as caught:
        send(local(server.port))

    assert caught.value.smtp_code == 451
    assert caught.value.retryable is True


def test_4xx_at_data_is_temporary(smtp_server) -> None:
    server = smtp_server(data_reply="452 4.3.1 Insufficient system storage")

    with pytest.raises(TemporaryDeliveryError) as caught:
        send(local(server.port))

    assert caught.value.smtp_code == 452


def test_refused_connection_is_temporary(closed_port: int) -> None:
    with pytest.raises(TemporaryDeliveryError, match="ConnectionRefusedError") as caught:
        send(local(closed_port))

    assert caught.value.smtp_code is None


def test_starttls_asked_of_a_server_without_it_is_permanent(smtp_server) -> None:
    server = smtp_server()

    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        send(local(server.port, security="starttls"))
