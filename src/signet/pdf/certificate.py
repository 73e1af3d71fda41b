"""The certificate of completion (docs/certificate.md): a few PDF pages that say who signed
what, when.

It is appended to the final PDF and also stands alone. Every name and value goes through
:mod:`signet.pdf.fonts`, so an Arabic signer or a Chinese document name prints as text.
Times show in UTC with the workspace's zone beside them. What goes on it is decided here; how it
is placed on pages is :mod:`signet.pdf.certificate_layout`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import fonts
from signet.pdf.certificate_layout import (
    Figure,
    Framed,
    Gap,
    Keep,
    Lines,
    Rule,
    Table,
    draw_page,
    figure,
    lay_out,
    text,
)
from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient
from signet.pdf.text_lines import TextBatch

__all__ = ["build_certificate", "format_time"]

_INK = colors.HexColor("#111827")
_MUTED = colors.HexColor("#4b5563")
_RULE = colors.HexColor("#d1d5db")
_ACCENT = colors.HexColor("#1e3a8a")
_TEST = colors.HexColor("#b91c1c")
_MARGIN = 18 * mm
_FOOTER = 4 * mm  # between the body and the bottom margin, where the footer line goes
_LABEL_WIDTH = 44 * mm
# A reason or user agent longer than this goes below its table, where it may span pages.
_LONG_VALUE = 600
Row = tuple[str, "Lines | Framed | str"]


def _zone(name: str) -> ZoneInfo | None:
    if name.upper() == "UTC":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # an unknown zone must not stop the certificate: UTC alone is still right


def format_time(value: datetime | None, zone_name: str = "UTC", *, short: bool = False) -> str:
    """``2026-11-21 14:03:05 UTC (17:03:05 Europe/Istanbul, UTC+03:00)``; "-" for None."""
    if value is None:
        return "-"
    utc = value.astimezone(UTC)
    text = f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    zone = _zone(zone_name)
    if zone is None:
        return text
    local = utc.astimezone(zone)
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    day = "" if local.date() == utc.date() else f"{local:%Y-%m-%d} "
    if short:
        return f"{text}\n{day}{local:%H:%M:%S} {offset}"
    return f"{text} ({day}{local:%H:%M:%S} {zone_name}, {offset})"


def _heading(title: str, width: float) -> list[Any]:
    return [
        Gap(5 * mm),
        text(title, width, 12.5, bold=True, color=_ACCENT),
        Gap(1.2 * mm),
        Rule(width, 0.8, _ACCENT),
    ]


def _label(value: str, width: float) -> Lines:
    return text(value, width, 8.5, bold=True, color=_MUTED)


def _rows_table(rows: Sequence[Row], width: float) -> Table:
    """Label and value, a row each, a thin rule between rows."""
    columns = (_LABEL_WIDTH, width - _LABEL_WIDTH)
    label_width, value_width = (c - 4 for c in columns)  # less the right padding
    cells = [
        [_label(label, label_width), text(v, value_width, color=_INK) if isinstance(v, str) else v]
        for label, v in rows
    ]

    def rules(i: int, n: int) -> tuple[float, colors.Color] | None:
        return (0.25, _RULE) if i < n - 1 else None

    return Table.of(columns, cells, pad_y=2.2, rules=rules)


def _grid_table(
    columns: Sequence[float],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    size: float = 9.0,
) -> Table:
    """A table with a header row that repeats on every page it runs onto."""
    widths = [c - (0 if i == 0 else 2) - 4 for i, c in enumerate(columns)]  # less the padding
    head = [_label(h, w) for h, w in zip(header, widths, strict=True)]
    body = [
        [text(v, w, size, color=_INK) for v, w in zip(row, widths, strict=True)] for row in rows
    ]

    def rules(i: int, n: int) -> tuple[float, colors.Color]:
        return (0.6, _MUTED) if i == 0 else (0.25, _RULE)

    return Table.of(columns, [head, *body], header=1, pad_left=(0.0, 2.0), rules=rules)


def _picture_rows(r: CertificateRecipient) -> list[Row]:
    """The signature and initials in frames side by side; a row saying so for one unreadable."""
    rows: list[Row] = []
    shown: list[tuple[str, Figure]] = []
    framed_at = 0
    for name, png, max_w in (("Signature", r.signature_png, 62 * mm),
                             ("Initials", r.initials_png, 30 * mm)):  # fmt: skip
        if not png:
            continue
        picture = figure(png, max_w, 22 * mm)
        if picture is None:
            rows.append((name, "(image unreadable)"))
        else:
            framed_at = framed_at if shown else len(rows)
            shown.append((name, picture))
    if shown:
        label = " and ".join([shown[0][0], *(name.lower() for name, _ in shown[1:])])
        rows.insert(framed_at, (label, Framed([p for _, p in shown], _RULE)))
    return rows


def _document_section(data: CertificateData, width: float) -> list[Any]:
    tz = data.time_zone
    completed = format_time(data.completed_at, tz)
    if data.completed_manually_by:
        completed = f"{completed}, completed manually by {data.completed_manually_by}"
    rows: list[Row] = [
        ("Document", data.document_name),
        ("Signing request ID", data.signing_request_id),
        ("Short ID", data.short_id),
        ("Pages", str(data.page_count)),
        ("Created", format_time(data.created_at, tz)),
        ("Sent", format_time(data.sent_at, tz)),
        ("Completed", completed),
        ("Expires", format_time(data.expires_at, tz)),
        ("SHA-256 of the original", data.original_sha256),
        ("SHA-256 of the signed document", data.signed_sha256),
    ]
    if data.uploaded_sha256 and data.uploaded_sha256 != data.original_sha256:
        # Intake rewrote the upload (repaired it, took out scripts): both files are named.
        rows.insert(-2, ("SHA-256 as uploaded", data.uploaded_sha256))
    if data.signer_signatures:
        count = (
            f"{data.signer_signatures} per-signer digital signature"
            f"{'s' if data.signer_signatures > 1 else ''}"
        )
        how = (
            f"each naming its signer, made with the certificate of {data.signer_signatures_by}"
            " at a remote signing service"
            if data.signer_signatures_by
            else f"each with a certificate naming its signer, issued by"
            f" {data.installation_name}'s signing CA"
        )
        rows.append(("Signatures", f"{count}, {how}, and the seal"))
    if data.test:
        mark = "TEST: made with a test key; not a binding signature"
        rows.append(("Mode", text(mark, width - _LABEL_WIDTH - 4, bold=True, color=_TEST)))
    return [*_heading("Document", width), _rows_table(rows, width)]


def _recipient_block(r: CertificateRecipient, tz: str, width: float) -> list[Any]:
    rows: list[Row] = [
        ("Email", r.email),
        ("Role", r.designation),
        ("Signing order", str(r.order) if r.order is not None else "-"),
        ("Authentication", r.authentication),
        ("IP address", r.ip or "-"),
    ]
    long_values: list[tuple[str, str]] = []
    user_agent = r.user_agent or "-"
    if len(user_agent) > _LONG_VALUE:
        long_values.append(("User agent", user_agent))
        user_agent = "(below)"
    rows += [
        ("User agent", user_agent),
        ("Sent", format_time(r.sent_at, tz)),
        ("First viewed", format_time(r.viewed_at, tz)),
    ]
    if r.consent_at or r.terms_version:
        version = f"version {r.terms_version}, " if r.terms_version else ""
        rows.append(("Terms accepted", f"{version}{format_time(r.consent_at, tz)}"))
    if r.declined_at:
        rows.append(("Declined", format_time(r.declined_at, tz)))
        reason = r.decline_reason or "(no reason given)"
        if len(reason) > _LONG_VALUE:
            long_values.append(("Reason for declining", reason))
            reason = "(below)"
        rows.append(("Reason for declining", reason))
    else:
        rows.append(("Signed", format_time(r.signed_at, tz)))
    rows += _picture_rows(r)
    rows.append(("Signature ID", r.signature_id or "-"))
    block: list[Any] = [
        Keep(
            [
                Gap(3.5 * mm),
                text(r.name, width, 10.5, bold=True, color=_INK, space_after=1.5 * mm),
                _rows_table(rows, width),
            ]
        )
    ]
    for label, value in long_values:
        block += [Gap(1.5 * mm), _label(label, width), text(value, width, color=_INK, align="auto")]
    return block


def _cc_section(ccs: Sequence[CertificateRecipient], tz: str, width: float) -> list[Any]:
    columns = (width * 0.3, width * 0.3, width * 0.4)
    rows = [(c.name, c.email, format_time(c.sent_at, tz)) for c in ccs]
    table = _grid_table(columns, ("Name", "Email", "Copy sent"), rows)
    return [*_heading("CC recipients", width), Gap(1.5 * mm), table]


def _events_section(data: CertificateData, width: float) -> list[Any]:
    tz = data.time_zone
    zone_label = "UTC" if _zone(tz) is None else f"UTC / {tz}"
    columns = (width * 0.27, width * 0.27, width * 0.28, width * 0.18)
    header = (f"Time ({zone_label})", "Event", "Actor", "IP address")
    rows = [_event_row(e, tz) for e in data.events]
    final = [
        Gap(3 * mm),
        _label("Final hash of the audit chain", width),
        text(data.audit_hash, width, color=_INK),
    ]
    return [
        *_heading("Event log", width),
        Gap(1.5 * mm),
        _grid_table(columns, header, rows, 8),
        *final,
    ]


def _event_row(event: CertificateEvent, tz: str) -> tuple[str, str, str, str]:
    return (format_time(event.time, tz, short=True), event.event, event.actor or "-",
            event.ip or "-")  # fmt: skip


def _watermark(canvas: Canvas, size: tuple[float, float]) -> None:
    canvas.saveState()
    canvas.setFillColor(_TEST, alpha=0.12)
    canvas.setFont(fonts.BOLD, 120)
    canvas.translate(size[0] / 2, size[1] / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -40, "TEST")
    canvas.restoreState()


def _story(data: CertificateData, width: float) -> list[Any]:
    story: list[Any] = []
    if data.logo_png:
        logo = figure(data.logo_png, 45 * mm, 16 * mm)
        if logo is not None:
            story += [logo, Gap(4 * mm)]
    story += [
        text("Certificate of completion", width, 20, bold=True, color=_INK, space_after=1.5 * mm),
        text(data.document_name, width, 11, color=_MUTED),
    ]
    if data.test:
        story.append(text("TEST DOCUMENT", width, 11, bold=True, color=_TEST))
    story += _document_section(data, width)

    signers = sorted(
        (r for r in data.recipients if not r.is_cc),
        key=lambda r: (r.order is None, r.order or 0),
    )
    ccs = [r for r in data.recipients if r.is_cc]
    if signers:
        story += _heading("Signers and approvers", width)
        for recipient in signers:
            story += _recipient_block(recipient, data.time_zone, width)
    if ccs:
        story += _cc_section(ccs, data.time_zone, width)
    story += _events_section(data, width)

    base = data.base_url.rstrip("/")
    seal = (
        f"Sealed with a PAdES signature by {data.installation_name}; "
        f"verify in a PDF reader or at {base}/verify."
    )
    story += [Gap(6 * mm), text(seal, width, 9.5, bold=True, color=_ACCENT)]
    return story


def build_certificate(data: CertificateData) -> bytes:
    """Render the certificate of completion as a standalone PDF."""
    fonts.ensure_fonts_registered()
    page_size = A4 if data.page_size == "A4" else LETTER
    width = page_size[0] - 2 * _MARGIN
    pages = lay_out(_story(data, width), page_size[1] - _MARGIN, _MARGIN + _FOOTER)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=page_size, pageCompression=1)
    canvas.setTitle(f"Certificate of completion: {data.document_name}")
    canvas.setAuthor(data.installation_name)
    canvas.setSubject(f"Signing request {data.signing_request_id}")
    canvas.setCreator("Signet")
    footer = f"Certificate of completion · {data.short_id} · {data.installation_name}"
    pen = TextBatch(canvas)
    for number, page in enumerate(pages, start=1):
        if data.test:
            _watermark(canvas, page_size)
        draw_page(canvas, page, _MARGIN, pen)
        label = f"Page {number} of {len(pages)}"
        pen.add(_MARGIN, 10 * mm, footer, 7.5, _MUTED, align="left")
        pen.add(_MARGIN, 10 * mm, label, 7.5, _MUTED, align="right", width=width)
        pen.flush()
        canvas.showPage()
    with fonts.binary_streams():
        canvas.save()
    return out.getvalue()
