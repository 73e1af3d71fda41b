"""The certificate of completion: what it says, in any script, over as many pages as needed."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pikepdf
import pypdfium2 as pdfium
import pytest
from pdf_factories import create_png

from signet.pdf.certificate import build_certificate, format_time
from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient
from signet.pdf.fonts import render_typed_signature

T0 = datetime(2026, 11, 21, 14, 3, 5, tzinfo=UTC)
ORIGINAL_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SIGNED_SHA = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
AUDIT_HASH = "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"


def create_certificate_data(**changes: object) -> CertificateData:
    signer = CertificateRecipient(
        name="Ayşe Işıkoğlu",
        email="ayse@example.com",
        designation="Signer",
        order=1,
        authentication="Email link",
        ip="203.0.113.5",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
        sent_at=T0,
        viewed_at=T0 + timedelta(minutes=5),
        consent_at=T0 + timedelta(minutes=6),
        terms_version="2026-01",
        signed_at=T0 + timedelta(minutes=7),
        signature_png=render_typed_signature("Ayşe Işıkoğlu", 400, 120),
        initials_png=render_typed_signature("AI", 120, 120),
        signature_id="4b0c8a52-9d1e-4f7a-8d8a-1f2e3d4c5b6a",
    )
    approver = CertificateRecipient(
        name="محمد عبد الله",
        email="mohammed@example.com",
        designation="Approver",
        order=2,
        authentication="Email OTP",
        ip="2001:db8::7",
        user_agent="curl/8.5",
        sent_at=T0,
        signed_at=T0 + timedelta(hours=1),
        signature_png=create_png(300, 90),
        signature_id="0d7c6a1b-2e3f-4a5b-8c9d-0e1f2a3b4c5d",
    )
    decliner = CertificateRecipient(
        name="王小明",
        email="wang@example.com",
        designation="Signer",
        order=3,
        authentication='Embedded session via key "ERP"',
        sent_at=T0,
        declined_at=T0 + timedelta(hours=2),
        decline_reason="第三条不可接受 — clause 3 is not acceptable",
        signature_id="7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b",
    )
    cc = CertificateRecipient(
        name="Ελένη Παπαδοπούλου",
        email="eleni@example.com",
        designation="CC",
        sent_at=T0 + timedelta(hours=3),
    )
    events = [
        CertificateEvent(T0, "signing_request.created", "API key Production", "198.51.100.1"),
        CertificateEvent(T0, "signing_request.sent", "API key Production", "198.51.100.1"),
        CertificateEvent(
            T0 + timedelta(minutes=5), "recipient.viewed", "Ayşe Işıkoğlu", "203.0.113.5"
        ),
        CertificateEvent(
            T0 + timedelta(minutes=7), "recipient.signed", "Ayşe Işıkoğlu", "203.0.113.5"
        ),
        CertificateEvent(
            T0 + timedelta(hours=1), "recipient.signed", "محمد عبد الله", "2001:db8::7"
        ),
        CertificateEvent(T0 + timedelta(hours=2), "recipient.declined", "王小明", None),
    ]
    data = CertificateData(
        document_name="Договор аренды 2026.pdf",
        signing_request_id="3c90c3cc-0d44-4b50-8888-8dd25736052a",
        short_id="CnEqURgZ3swzj528KMLvX5",
        page_count=12,
        original_sha256=ORIGINAL_SHA,
        signed_sha256=SIGNED_SHA,
        audit_hash=AUDIT_HASH,
        installation_name="Signet at Example Corp",
        base_url="https://sign.example.com/",
        time_zone="Europe/Istanbul",
        created_at=T0,
        sent_at=T0,
        completed_at=T0 + timedelta(hours=2),
        expires_at=T0 + timedelta(days=30),
        recipients=[signer, approver, decliner, cc],
        events=events,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    pages = [str(page.get_textpage().get_text_range()) for page in document]
    document.close()
    return unicodedata.normalize("NFKC", "\n".join(pages))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_certificate_states_the_document_recipients_hashes_and_seal() -> None:
    text = _flat(_text(build_certificate(create_certificate_data())))
    for expected in [
        "Certificate of completion",
        "Договор аренды 2026.pdf",
        "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "CnEqURgZ3swzj528KMLvX5",
        ORIGINAL_SHA,
        SIGNED_SHA,
        AUDIT_HASH,
        "Ayşe Işıkoğlu",
        "ayse@example.com",
        "محمد عبد الله",
        "王小明",
        "Ελένη Παπαδοπούλου",
        "eleni@example.com",
        "Email OTP",
        'Embedded session via key "ERP"',
        "203.0.113.5",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0",
        "4b0c8a52-9d1e-4f7a-8d8a-1f2e3d4c5b6a",
        "version 2026-01",
        "第三条不可接受 — clause 3 is not acceptable",
        "Sealed with a PAdES signature by Signet at Example Corp; verify in a PDF reader or at "
        "https://sign.example.com/verify.",
    ]:
        assert expected in text, expected


def test_every_audit_event_is_listed_in_order() -> None:
    data = create_certificate_data()
    text = _flat(_text(build_certificate(data)))
    positions = [text.index(event.event) for event in data.events[:2]]
    assert positions == sorted(positions)
    for event in data.events:
        assert event.event in text
    assert "recipient.declined" in text


def test_times_are_shown_in_utc_with_the_workspace_zone_beside_them() -> None:
    text = _flat(_text(build_certificate(create_certificate_data())))
    assert "2026-11-21 14:03:05 UTC (17:03:05 Europe/Istanbul, UTC+03:00)" in text
    # Event rows carry both clocks too.
    assert "2026-11-21 14:08:05 UTC 17:08:05 UTC+03:00" in text
    assert "Time (UTC / Europe/Istanbul)" in text


def test_format_time_names_the_local_date_when_it_differs() -> None:
    late = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    assert format_time(late, "Asia/Tokyo") == (
        "2026-11-21 20:00:00 UTC (2026-11-22 05:00:00 Asia/Tokyo, UTC+09:00)"
    )
    assert format_time(late, "UTC") == "2026-11-21 20:00:00 UTC"
    assert format_time(None, "Asia/Tokyo") == "-"


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    pdf = build_certificate(create_certificate_data(time_zone="Mars/Olympus_Mons"))
    text = _flat(_text(pdf))
    assert "2026-11-21 14:03:05 UTC" in text
    assert "Mars/Olympus_Mons" not in text


def test_test_requests_are_marked_and_live_ones_are_not() -> None:
    assert "TEST" in _text(build_certificate(create_certificate_data(test=True)))
    assert "TEST" not in _text(build_certificate(create_certificate_data(test=False)))


def test_manual_completion_names_who_completed_it() -> None:
    data = create_certificate_data(completed_manually_by="API key Back office")
    assert "completed manually by API key Back office" in _flat(_text(build_certificate(data)))


def test_signature_and_initials_images_are_embedded() -> None:
    pdf = build_certificate(create_certificate_data())
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        images = [
            o
            for o in doc.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
    assert len(images) >= 3  # signer's signature and initials, approver's signature


def test_a_long_event_log_flows_over_numbered_pages() -> None:
    events = [
        CertificateEvent(
            T0 + timedelta(seconds=i), f"event.number_{i:04d}", f"Actor {i}", "192.0.2.1"
        )
        for i in range(400)
    ]
    pdf = build_certificate(create_certificate_data(events=events))
    document = pdfium.PdfDocument(pdf)
    pages = len(document)
    document.close()
    assert pages > 5
    text = _text(pdf)
    assert "event.number_0000" in text and "event.number_0399" in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    # The table header repeats on every page of the log.
    assert text.count("IP address") > pages // 2


def test_a_very_long_decline_reason_is_printed_in_full() -> None:
    reason = " ".join(f"word{i}" for i in range(2500))
    data = create_certificate_data()
    recipients = list(data.recipients)
    recipients[2] = replace(recipients[2], decline_reason=reason)
    text = _flat(_text(build_certificate(replace(data, recipients=recipients))))
    assert "word0 word1" in text and "word2499" in text


def test_letter_paper_is_available() -> None:
    pdf = build_certificate(create_certificate_data(page_size="Letter"))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert [float(v) for v in doc.pages[0].mediabox] == [0, 0, 612, 792]


def test_a_logo_is_drawn_when_given() -> None:
    pdf = build_certificate(create_certificate_data(logo_png=create_png(200, 60, (30, 60, 200))))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        xobjects = doc.pages[0].obj.Resources.XObject
        images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
    assert len(images) >= 2


def test_certificate_data_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        create_certificate_data(created_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        CertificateEvent(datetime(2026, 1, 1), "x")
