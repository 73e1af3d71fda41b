"""The embedded default delivery: .eml files written atomically, once per Message-ID."""

from __future__ import annotations

import re
import stat
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from signet.mail import TemporaryDeliveryError, build_message, render_email, write_eml


def cancellation(seed: str = "email-job:7", when: datetime | None = None):
    rendered = render_email(
        "signing_cancelled",
        {"signer_name": "Ada", "document_name": "NDA", "cancel_reason": "Superseded"},
    )
    return build_message(
        rendered,
        to="ada@example.com",
        from_addr="no-reply@sign.example.com",
        reply_to=None,
        message_id_seed=seed,
        domain="sign.example.com",
        attachments=[],
        date=when or datetime(2025, 3, 2, 17, 5, 9, tzinfo=UTC),
    )


def test_eml_file_is_named_by_date_and_message_id_and_parses_back(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"  # created on first write
    message = cancellation()

    path = write_eml(outbox, message)

    assert path.parent == outbox
    assert re.fullmatch(r"20250302T170509Z_[0-9a-f]{32}\.eml", path.name)
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["Subject"] == "Signing request cancelled: NDA"
    assert "Superseded" in parsed.get_body(("plain",)).get_content()


def test_writing_the_same_message_again_keeps_one_file(tmp_path: Path) -> None:
    first = write_eml(tmp_path, cancellation())
    # A retry of the same job an hour later: new Date header, same Message-ID.
    retry = write_eml(tmp_path, cancellation(when=datetime(2025, 3, 2, 18, 0, tzinfo=UTC)))

    assert retry == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]


def test_another_message_gets_its_own_file(tmp_path: Path) -> None:
    first = write_eml(tmp_path, cancellation("email-job:7"))
    second = write_eml(tmp_path, cancellation("email-job:8"))

    assert first != second
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_no_temporary_files_are_left_and_only_the_owner_can_read(tmp_path: Path) -> None:
    path = write_eml(tmp_path, cancellation())

    assert list(tmp_path.iterdir()) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unwritable_outbox_is_a_temporary_failure(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "outbox"
    not_a_directory.write_text("a file where the directory should be")

    with pytest.raises(TemporaryDeliveryError, match="could not write the email"):
        write_eml(not_a_directory, cancellation())


def test_a_message_without_message_id_is_refused(tmp_path: Path) -> None:
    message = cancellation()
    del message["Message-ID"]

    with pytest.raises(ValueError, match="Message-ID"):
        write_eml(tmp_path, message)
