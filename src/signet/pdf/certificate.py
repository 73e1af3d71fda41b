"""The certificate of completion (API §9): a few PDF pages that say who signed what, when.

It is appended to the final PDF and also stands alone. Every name and value goes through
:mod:`signet.pdf.fonts`, so an Arabic signer or a Chinese document name prints as text.
Times show in UTC with the workspace's zone beside them.
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
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from signet.pdf import fonts
from signet.pdf.evidence import CertificateData, CertificateEvent, CertificateRecipient

__all__ = ["build_certificate", "format_time"]

_INK = colors.HexColor("#111827")
_MUTED = colors.HexColor("#4b5563")
_RULE = colors.HexColor("#d1d5db")
_ACCENT = colors.HexColor("#1e3a8a")
_TEST = colors.HexColor("#b91c1c")
_MARGIN = 18 * mm
_LABEL_WIDTH = 44 * mm
# A reason or user agent longer than this goes below its table, where it may span pages.
_LONG_VALUE = 600


class _Text(Flowable):  # type: ignore[misc]
    """Wrapped text in any script, drawn with the shipped font chains."""

    def __init__(
        self,
        text: str,
        size: float = 9.0,
        *,
        bold: bool = False,
        color: colors.Color = _INK,
        leading: float | None = None,
        space_after: float = 0.0,
        align: fonts.Align = "left",
    ) -> None:
        super().__init__()
        # Left by default even for right-to-left text, so a table column reads straight down;
        # free text (a reason for declining) uses "auto".
        self.align: fonts.Align = align
        self.text = text
        self.size = size
        self.bold = bold
        self.color = color
        self.leading = leading or size * 1.3
        self.spaceAfter = space_after
        self._lines: list[str] = []
        self._wrapped: tuple[float, list[str]] | None = None

    def _wrap_lines(self, avail_width: float) -> list[str]:
        # A table asks every cell for its size several times over (column widths, row heights,
        # drawing), always with the same width: wrap once per width.
        width = max(avail_width, 1.0)
        if self._wrapped is None or self._wrapped[0] != width:
            self._wrapped = (width, fonts.wrap_text(self.text, self.size, width, self.bold))
        return self._wrapped[1]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._lines = self._wrap_lines(avail_width)
        self.width = avail_width
        self.height = len(self._lines) * self.leading
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        lines = self._wrap_lines(avail_width)
        fit = int(avail_height // self.leading)
        if fit < 1 or fit >= len(lines):
            return []
        style: dict[str, Any] = {
            "bold": self.bold,
            "color": self.color,
            "leading": self.leading,
            "align": self.align,
        }
        return [
            _Text("\n".join(lines[:fit]), self.size, **style),
            _Text("\n".join(lines[fit:]), self.size, space_after=self.spaceAfter, **style),
        ]

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFillColor(self.color)
        for i, line in enumerate(self._lines):
            baseline = self.height - i * self.leading - self.size
            fonts.draw_text_line(
                canvas,
                0,
                baseline,
                line,
                self.size,
                bold=self.bold,
                align=self.align,
                width=self.width,
            )


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Holds pages back until the end so every footer can say "page N of M"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab calls it by this name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            footer = getattr(self, "signet_footer", "")
            self.setFillColor(_MUTED)
            width = self._pagesize[0] - 2 * _MARGIN
            page = f"Page {self._pageNumber} of {total}"
            fonts.draw_text_line(self, _MARGIN, 10 * mm, footer, 7.5, align="left")
            fonts.draw_text_line(self, _MARGIN, 10 * mm, page, 7.5, align="right", width=width)
            super().showPage()
        super().save()


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


def _heading(text: str) -> list[Flowable]:
    rule = Table([[""]], colWidths=["100%"], rowHeights=[0.1])
    rule.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, -1), 0.8, _ACCENT)]))
    return [
        Spacer(1, 5 * mm),
        _Text(text, 12.5, bold=True, color=_ACCENT),
        Spacer(1, 1.2 * mm),
        rule,
    ]


def _rows_table(rows: Sequence[tuple[str, Flowable | str]], width: float) -> Table:
    cells = [
        [_Text(label, 8.5, bold=True, color=_MUTED), v if isinstance(v, Flowable) else _Text(v)]
        for label, v in rows
    ]
    table = Table(cells, colWidths=[_LABEL_WIDTH, width - _LABEL_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, _RULE),
            ]
        )
    )
    return table


def _picture(png: bytes | None, max_w: float, max_h: float) -> Flowable | str:
    if not png:
        return "-"
    try:
        w, h = ImageReader(io.BytesIO(png)).getSize()
    except (OSError, ValueError):
        return "(image unreadable)"
    scale = min(max_w / w, max_h / h)
    image = Image(io.BytesIO(png), width=w * scale, height=h * scale, mask="auto")
    image.hAlign = "LEFT"
    return image


def _document_section(data: CertificateData, width: float) -> list[Flowable]:
    tz = data.time_zone
    completed = format_time(data.completed_at, tz)
    if data.completed_manually_by:
        completed = f"{completed}, completed manually by {data.completed_manually_by}"
    rows: list[tuple[str, Flowable | str]] = [
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
    if data.test:
        mark = _Text("TEST: made with a test key; not a binding signature", bold=True, color=_TEST)
        rows.append(("Mode", mark))
    return [*_heading("Document"), _rows_table(rows, width)]


def _recipient_block(r: CertificateRecipient, tz: str, width: float) -> list[Flowable]:
    rows: list[tuple[str, Flowable | str]] = [
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
    images = [
        _picture(png, max_w, 22 * mm)
        for png, max_w in ((r.signature_png, 62 * mm), (r.initials_png, 30 * mm))
        if png
    ]
    if images:
        pictures = Table([images], hAlign="LEFT")
        pictures.setStyle(
            TableStyle(
                [("BOX", (i, 0), (i, 0), 0.4, _RULE) for i in range(len(images))]
                + [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        label = "Signature and initials" if len(images) == 2 else "Signature"
        rows.append((label, pictures))
    rows.append(("Signature ID", r.signature_id or "-"))
    block: list[Flowable] = [
        Spacer(1, 3.5 * mm),
        _Text(r.name, 10.5, bold=True, space_after=1.5 * mm),
        _rows_table(rows, width),
    ]
    extra: list[Flowable] = []
    for label, text in long_values:
        extra += [
            Spacer(1, 1.5 * mm),
            _Text(label, 8.5, bold=True, color=_MUTED),
            _Text(text, align="auto"),
        ]
    return [KeepTogether(block), *extra]


def _cc_section(ccs: Sequence[CertificateRecipient], tz: str, width: float) -> list[Flowable]:
    header = [_Text(h, 8.5, bold=True, color=_MUTED) for h in ("Name", "Email", "Copy sent")]
    rows = [[_Text(c.name), _Text(c.email), _Text(format_time(c.sent_at, tz))] for c in ccs]
    table = Table([header, *rows], colWidths=[width * 0.3, width * 0.3, width * 0.4], repeatRows=1)
    table.setStyle(_grid_style())
    return [*_heading("CC recipients"), Spacer(1, 1.5 * mm), table]


def _grid_style() -> TableStyle:
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, _MUTED),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, _RULE),
        ]
    )


def _events_section(data: CertificateData, width: float) -> list[Flowable]:
    tz = data.time_zone
    zone_label = "UTC" if _zone(tz) is None else f"UTC / {tz}"
    header = [
        _Text(h, 8.5, bold=True, color=_MUTED)
        for h in (f"Time ({zone_label})", "Event", "Actor", "IP address")
    ]
    rows = [_event_row(e, tz) for e in data.events]
    table = Table(
        [header, *rows],
        colWidths=[width * 0.27, width * 0.27, width * 0.28, width * 0.18],
        repeatRows=1,
    )
    table.setStyle(_grid_style())
    final = [
        Spacer(1, 3 * mm),
        _Text("Final hash of the audit chain", 8.5, bold=True, color=_MUTED),
        _Text(data.audit_hash),
    ]
    return [*_heading("Event log"), Spacer(1, 1.5 * mm), table, *final]


def _event_row(event: CertificateEvent, tz: str) -> list[Flowable]:
    return [
        _Text(format_time(event.time, tz, short=True), 8),
        _Text(event.event, 8),
        _Text(event.actor or "-", 8),
        _Text(event.ip or "-", 8),
    ]


def _watermark(canvas: Canvas, size: tuple[float, float]) -> None:
    canvas.saveState()
    canvas.setFillColor(_TEST, alpha=0.12)
    canvas.setFont(fonts.BOLD, 120)
    canvas.translate(size[0] / 2, size[1] / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -40, "TEST")
    canvas.restoreState()


def build_certificate(data: CertificateData) -> bytes:
    """Render the certificate of completion as a standalone PDF."""
    fonts.ensure_fonts_registered()
    page_size = A4 if data.page_size == "A4" else LETTER
    width = page_size[0] - 2 * _MARGIN
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=page_size,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + 4 * mm,
        title=f"Certificate of completion: {data.document_name}",
        author=data.installation_name,
        subject=f"Signing request {data.signing_request_id}",
        creator="Signet",
    )

    def on_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.signet_footer = (
            f"Certificate of completion · {data.short_id} · {data.installation_name}"
        )
        if data.test:
            _watermark(canvas, page_size)

    body_height = page_size[1] - 2 * _MARGIN - 4 * mm
    frame = Frame(
        _MARGIN, _MARGIN + 4 * mm, width, body_height, id="body",
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])

    story: list[Flowable] = []
    if data.logo_png:
        logo = _picture(data.logo_png, 45 * mm, 16 * mm)
        if isinstance(logo, Flowable):
            story += [logo, Spacer(1, 4 * mm)]
    story += [
        _Text("Certificate of completion", 20, bold=True, color=_INK, space_after=1.5 * mm),
        _Text(data.document_name, 11, color=_MUTED),
    ]
    if data.test:
        story.append(_Text("TEST DOCUMENT", 11, bold=True, color=_TEST))
    story += _document_section(data, width)

    signers = sorted(
        (r for r in data.recipients if not r.is_cc),
        key=lambda r: (r.order is None, r.order or 0),
    )
    ccs = [r for r in data.recipients if r.is_cc]
    if signers:
        story += _heading("Signers and approvers")
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
    story += [Spacer(1, 6 * mm), _Text(seal, 9.5, bold=True, color=_ACCENT)]
    with fonts.binary_streams():
        doc.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()
