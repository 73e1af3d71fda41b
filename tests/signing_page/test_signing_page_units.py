"""Pure parts of the signing page, without HTTP or a database: CSRF tokens, framing rules,
file sniffing and upload tokens, and how conditions are sanitised for the browser."""

from __future__ import annotations

import json

import pytest

from signet.errors import PayloadTooLarge, ValidationFailed
from signet.signing_page import security, uploads
from signet.signing_page.fields import _sanitise

SECRET = b"unit-secret"


def test_csrf_token_is_bound_to_recipient_secret_and_time():
    token = security.issue_csrf_token(SECRET, "r1", now=1_000_000)
    assert security.csrf_token_valid(SECRET, "r1", token, now=1_000_100)
    assert not security.csrf_token_valid(SECRET, "r2", token, now=1_000_100)
    assert not security.csrf_token_valid(b"other", "r1", token, now=1_000_100)
    assert not security.csrf_token_valid(SECRET, "r1", token, now=1_000_000 + 2 * 86400)
    assert not security.csrf_token_valid(SECRET, "r1", token, now=1_000_000 - 3600)
    for bad in (None, "", "abc", "x.y", token.replace(".", ".0")):
        assert not security.csrf_token_valid(SECRET, "r1", bad, now=1_000_100)


def test_frame_ancestors_rules():
    assert security.frame_ancestors([], test=False) == "'self' https:"
    assert security.frame_ancestors([], test=True) == (
        "'self' https: http://localhost:* http://127.0.0.1:*"
    )
    origins = security.clean_origins(
        ["https://a.example/", "http://localhost:3000", "javascript:x", "https://b c", 7]
    )
    assert origins == ["https://a.example", "http://localhost:3000"]
    assert security.frame_ancestors(origins, test=True) == (
        "'self' https://a.example http://localhost:3000"
    )
    csp = security.content_security_policy("'self'")
    assert "script-src 'self';" in csp and "unsafe" not in csp
    assert "X-Frame-Options" not in security.page_headers("'self'")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n....", "application/pdf"),
        (b"<html>", None),
    ],
)
def test_files_are_recognised_by_magic_bytes(data, kind):
    assert uploads.sniff(data) == kind


def test_check_file_honours_accepted_types_and_size():
    assert uploads.check_file(b"%PDF-1.4 x", None) == "application/pdf"
    with pytest.raises(ValidationFailed):
        uploads.check_file(b"%PDF-1.4 x", {"acceptedFileTypes": "image"})
    with pytest.raises(ValidationFailed):
        uploads.check_file(b"\x89PNG\r\n\x1a\n", {"acceptedFileTypes": "pdf"})
    with pytest.raises(PayloadTooLarge):
        uploads.check_file(b"%PDF-" + b"0" * uploads.MAX_FILE_BYTES, None)
    assert uploads.safe_file_name('..\\evil/"na<me>.png') == "name.png"


def test_upload_tokens_only_work_for_their_recipient_and_field():
    token = uploads.issue_token(SECRET, "r1", "f1", '{"sha256":"abc"}')
    assert uploads.value_from_token(SECRET, "r1", "f1", token) == '{"sha256":"abc"}'
    for rid, fid, tok in (("r2", "f1", token), ("r1", "f2", token), ("r1", "f1", "junk")):
        with pytest.raises(ValidationFailed):
            uploads.value_from_token(SECRET, rid, fid, tok)


def test_conditions_on_other_recipients_fields_reach_the_browser_only_as_outcomes():
    block = {
        "logic": "or",
        "groups": [
            {"conditions": [{"field_id": "mine", "operator": "is_filled", "extra": "x"}]},
            {"conditions": [{"field_id": "theirs", "operator": "equals", "value": "secret"}]},
        ],
    }
    out = json.loads(_sanitise(block, {"mine"}, {"theirs": "secret"}) or "")
    assert out["logic"] == "or"
    assert out["groups"][0]["conditions"] == [
        {"field_id": "mine", "operator": "is_filled", "value": None}
    ]
    assert out["groups"][1]["conditions"] == [{"operator": "fixed", "value": True}]
    assert "secret" not in json.dumps(out)
    assert _sanitise(None, set(), {}) is None
