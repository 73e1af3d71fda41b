"""Webhook signatures: Firma header (timestamped) and PandaDoc query parameter."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pytest

from signet.webhooks.signatures import (
    append_signature_param,
    firma_signature_header,
    firma_signature_headers,
    new_firma_secret,
    new_pandadoc_shared_key,
    pandadoc_signature,
    verify_firma_signature,
    verify_pandadoc_signature,
)

SECRET = "3f1c0e5a9b7d2c4e6f8a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6"
BODY = b'{"id":"0b7e","type":"signing_request.completed","data":{"name":"NDA"}}'
T = 1_740_000_000


def test_firma_header_is_the_hmac_of_timestamp_dot_body() -> None:
    header = firma_signature_header(SECRET, BODY, T)

    # Computed the way a receiver following the Firma guide does it.
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={T},v1={expected}"
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)


def test_firma_signature_round_trips() -> None:
    header = firma_signature_header(SECRET, BODY, T)

    assert verify_firma_signature(SECRET, BODY, header, now=T)


def test_tampered_body_fails() -> None:
    header = firma_signature_header(SECRET, BODY, T)

    assert not verify_firma_signature(SECRET, BODY.replace(b"NDA", b"NDB"), header, now=T)


def test_tampered_timestamp_fails() -> None:
    header = firma_signature_header(SECRET, BODY, T)
    forged = header.replace(f"t={T}", f"t={T + 1}")

    assert not verify_firma_signature(SECRET, BODY, forged, now=T)


def test_another_secret_fails() -> None:
    header = firma_signature_header(SECRET, BODY, T)

    assert not verify_firma_signature(new_firma_secret(), BODY, header, now=T)


@pytest.mark.parametrize(
    ("offset", "valid"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_timestamp_must_be_within_five_minutes_either_side(offset: int, valid: bool) -> None:
    header = firma_signature_header(SECRET, BODY, T)

    assert verify_firma_signature(SECRET, BODY, header, now=T + offset) is valid


def test_tolerance_can_be_changed() -> None:
    header = firma_signature_header(SECRET, BODY, T)

    assert not verify_firma_signature(SECRET, BODY, header, tolerance_s=10, now=T + 11)
    assert verify_firma_signature(SECRET, BODY, header, tolerance_s=3600, now=T + 3000)


def test_without_now_the_clock_is_used() -> None:
    fresh = firma_signature_header(SECRET, BODY, int(time.time()))
    stale = firma_signature_header(SECRET, BODY, int(time.time()) - 3600)

    assert verify_firma_signature(SECRET, BODY, fresh)
    assert not verify_firma_signature(SECRET, BODY, stale)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"t={T}",
        "v1=" + "0" * 64,
        f"t=abc,v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t={T},v1=é€",
    ],
)
def test_malformed_headers_are_invalid_without_raising(header: str) -> None:
    assert verify_firma_signature(SECRET, BODY, header, now=T) is False


def test_header_with_spaces_and_several_v1_values_verifies_if_one_matches() -> None:
    valid = firma_signature_header(SECRET, BODY, T).split(",v1=")[1]
    header = f"t={T}, v1={'0' * 64}, v1={valid.upper()}"

    assert verify_firma_signature(SECRET, BODY, header, now=T)


def test_old_secret_header_lets_receivers_rotate() -> None:
    old_secret = new_firma_secret()
    headers = firma_signature_headers(SECRET, BODY, T, previous_secret=old_secret)

    assert verify_firma_signature(SECRET, BODY, headers["X-Firma-Signature"], now=T)
    assert verify_firma_signature(old_secret, BODY, headers["X-Firma-Signature-Old"], now=T)
    assert "X-Firma-Signature-Old" not in firma_signature_headers(SECRET, BODY, T)


def test_pandadoc_signature_is_the_hmac_of_the_raw_body() -> None:
    key = "Ab3dEf5gH7iJ9kL1mN3o"

    signature = pandadoc_signature(key, BODY)

    assert signature == hmac.new(key.encode(), BODY, hashlib.sha256).hexdigest()
    assert verify_pandadoc_signature(key, BODY, signature)
    assert not verify_pandadoc_signature(key, BODY + b" ", signature)
    assert not verify_pandadoc_signature("another-key-entirely", BODY, signature)
    assert not verify_pandadoc_signature(key, BODY, "not hex at all é")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.example.com/in", "https://hooks.example.com/in?signature=abc123"),
        ("https://hooks.example.com/in?", "https://hooks.example.com/in?signature=abc123"),
        (
            "https://hooks.example.com/in?token=x%20y&a=1",
            "https://hooks.example.com/in?token=x%20y&a=1&signature=abc123",
        ),
        ("https://hooks.example.com/in?a=1&", "https://hooks.example.com/in?a=1&signature=abc123"),
        (
            "https://hooks.example.com/in?a=1#frag",
            "https://hooks.example.com/in?a=1&signature=abc123#frag",
        ),
    ],
)
def test_signature_is_appended_to_the_existing_query(url: str, expected: str) -> None:
    assert append_signature_param(url, "abc123") == expected


def test_new_secrets_have_the_documented_shapes_and_are_random() -> None:
    firma = {new_firma_secret() for _ in range(20)}
    pandadoc = {new_pandadoc_shared_key() for _ in range(20)}

    assert len(firma) == 20 and len(pandadoc) == 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in firma)
    assert all(re.fullmatch(r"[A-Za-z0-9]{20}", k) for k in pandadoc)
