"""Draw filled field values onto the pages of a PDF, and append the certificate pages.

One reportlab overlay PDF holds a page for each page that carries values; each overlay page is
placed on its page as a Form XObject. Pages without values are not read or written beyond
what saving copies anyway, so a 500-page contract signed on 10 pages costs 10 pages of work.
The caller opens the PDF once, stamps, appends the certificate and saves once; sealing then
adds its signature as an incremental update.

The overlay drawing, the operators that place an overlay page and the link rectangles are shared
with ``incremental.py``, which stamps by incremental update instead of rewriting the document.
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pikepdf
from pikepdf import Array, Dictionary, Name
from reportlab.pdfgen.canvas import Canvas

from signet.pdf import fonts
from signet.pdf.evidence import IMAGE_FIELD_TYPES, StampValue
from signet.pdf.pictures import Picture, draw_picture, read_picture

__all__ = [
    "STAMP_NAME",
    "PageGeometry",
    "StampError",
    "append_pdf",
    "draw_overlay",
    "format_date",
    "link_target",
    "page_geometry",
    "placement_operators",
    "stamp_pdf",
    "stamp_values",
    "values_by_page",
]

STAMP_NAME = "SignetStamp"  # the overlay's XObject name on a page (plus a suffix if taken)
Rect = tuple[float, float, float, float]  # left, bottom, right, top

_INK = (0.05, 0.06, 0.12)
_LINK = (0.0, 0.27, 0.8)
_BORDER = (0.35, 0.35, 0.4)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SINGLE_LINE_MAX = 12.0  # pt; a tall box still gets body-sized text
_TEXT_AREA_SIZE = 10.0
_MIN_SIZE = 4.0
_PAD = 1.5  # pt between the box edge and the text


class StampError(ValueError):
    """A value cannot be stamped (page out of range, bad image data); the message says why."""


@dataclass(frozen=True)
class PageGeometry:
    """A page as displayed, and the matrix from displayed points to the page's user space."""

    width: float
    height: float
    matrix: tuple[float, float, float, float, float, float]

    def to_user(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.matrix
        return a * x + c * y + e, b * x + d * y + f


@dataclass(frozen=True)
class _Box:
    """A field rectangle in displayed points, bottom-left origin (reportlab's)."""

    x: float
    y: float
    w: float
    h: float


def _inherited(page: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    """A page attribute that may sit on an ancestor /Pages node (MediaBox, Rotate...)."""
    node: pikepdf.Object | None = page
    for _ in range(64):  # a bound, in case of a malformed /Parent loop
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _rect(value: pikepdf.Object | None) -> tuple[float, float, float, float] | None:
    if not isinstance(value, Array) or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def page_geometry(page: pikepdf.Page) -> PageGeometry:
    """Displayed size of ``page`` (CropBox within MediaBox, /Rotate applied) and its matrix."""
    media = _rect(_inherited(page.obj, "/MediaBox")) or (0.0, 0.0, 612.0, 792.0)
    crop = _rect(_inherited(page.obj, "/CropBox")) or media
    # Viewers show the CropBox clipped to the MediaBox.
    x0, y0 = max(crop[0], media[0]), max(crop[1], media[1])
    x1, y1 = min(crop[2], media[2]), min(crop[3], media[3])
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = media
    w, h = x1 - x0, y1 - y0
    rotate_obj = _inherited(page.obj, "/Rotate")
    rotate = (int(rotate_obj) if rotate_obj is not None else 0) % 360
    # /Rotate turns the page clockwise for display; the matrix undoes that for our drawing.
    if rotate == 90:
        return PageGeometry(h, w, (0.0, 1.0, -1.0, 0.0, x0 + w, y0))
    if rotate == 180:
        return PageGeometry(w, h, (-1.0, 0.0, 0.0, -1.0, x0 + w, y0 + h))
    if rotate == 270:
        return PageGeometry(h, w, (0.0, -1.0, 1.0, 0.0, x0, y0 + h))
    return PageGeometry(w, h, (1.0, 0.0, 0.0, 1.0, x0, y0))


def format_date(value: str, date_format: str | None) -> str:
    """An ISO date as the field's dateFormat shows it; anything else is returned as is."""
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return value
    month = _MONTHS[day.month - 1]
    formats = {
        "MM/dd/yyyy": f"{day.month:02d}/{day.day:02d}/{day.year:04d}",
        "dd/MM/yyyy": f"{day.day:02d}/{day.month:02d}/{day.year:04d}",
        "yyyy-MM-dd": f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
        "MMMM dd, yyyy": f"{month} {day.day:02d}, {day.year:04d}",
        "MMM dd, yyyy": f"{month[:3]} {day.day:02d}, {day.year:04d}",
        "dd MMMM yyyy": f"{day.day:02d} {month} {day.year:04d}",
    }
    return formats[date_format or "MM/dd/yyyy"]


def _image(value: str, cache: dict[str, Picture]) -> Picture:
    if value in cache:
        return cache[value]
    head, sep, payload = value.partition(",")
    if not sep or not head.startswith("data:image/") or not head.endswith(";base64"):
        raise StampError("an image value must be a data URI: data:image/png;base64,...")
    try:
        picture = read_picture(base64.b64decode(payload, validate=False))
    except ValueError as exc:  # binascii.Error (bad base64) is one too
        raise StampError(f"the image data cannot be read: {exc}") from exc
    if picture.width < 1 or picture.height < 1:
        raise StampError("the image data cannot be read: it has no pixels")
    cache[value] = picture
    return picture


def _fit_lines(text: str, box: _Box, size: float, multiline: bool) -> tuple[list[str], float]:
    """Lines and font size so the text fits the box; content is never cut, only shrunk."""
    inner_w = max(box.w - 2 * _PAD, 1.0)
    inner_h = max(box.h - 2 * _PAD, 1.0)
    if not multiline:
        width = fonts.text_width(text, size)
        if width <= inner_w:
            return [text], size
        shrunk = size * inner_w / width
        if shrunk >= 6.0:
            return [text], max(shrunk, _MIN_SIZE)
        size = min(size, 8.0)  # too long for one line even at 6 pt: wrap instead
    while True:
        lines = fonts.wrap_text(text, size, inner_w)
        if len(lines) * size * 1.2 <= inner_h or size <= _MIN_SIZE:
            return lines, size
        size = max(size - 0.5, _MIN_SIZE)


def _draw_text(canvas: Canvas, text: str, box: _Box, size: float, multiline: bool) -> None:
    lines, size = _fit_lines(text, box, size, multiline)
    inner_w = box.w - 2 * _PAD
    if len(lines) == 1 and not multiline:
        # Centre the x-height band in the box.
        baseline = box.y + box.h / 2 - size * 0.35
        fonts.draw_text_line(canvas, box.x + _PAD, baseline, lines[0], size, width=inner_w)
        return
    leading = size * 1.2
    baseline = box.y + box.h - _PAD - size * 0.95
    for line in lines:
        fonts.draw_text_line(canvas, box.x + _PAD, baseline, line, size, width=inner_w)
        baseline -= leading


def _draw_check(canvas: Canvas, box: _Box, checked: bool) -> None:
    side = min(box.w, box.h)
    x = box.x + (box.w - side) / 2
    y = box.y + (box.h - side) / 2
    canvas.setStrokeColorRGB(*_BORDER)
    canvas.setLineWidth(max(side * 0.04, 0.5))
    canvas.rect(x, y, side, side)
    if checked:
        # A vector tick: no font needed, and it looks the same in every viewer.
        canvas.setStrokeColorRGB(*_INK)
        canvas.setLineWidth(side * 0.12)
        canvas.setLineCap(1)
        canvas.setLineJoin(1)
        path = canvas.beginPath()
        path.moveTo(x + side * 0.2, y + side * 0.52)
        path.lineTo(x + side * 0.42, y + side * 0.28)
        path.lineTo(x + side * 0.8, y + side * 0.76)
        canvas.drawPath(path, stroke=1, fill=0)


def _draw_radio(canvas: Canvas, box: _Box, selected: bool) -> None:
    radius = min(box.w, box.h) / 2
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    canvas.setStrokeColorRGB(*_BORDER)
    canvas.setLineWidth(max(radius * 0.08, 0.5))
    canvas.circle(cx, cy, radius * 0.92, stroke=1, fill=0)
    if selected:
        canvas.setFillColorRGB(*_INK)
        canvas.circle(cx, cy, radius * 0.5, stroke=0, fill=1)


def _draw_url(canvas: Canvas, value: StampValue, box: _Box, size: float) -> None:
    text = value.url_text or value.value
    lines, size = _fit_lines(text, box, size, multiline=False)
    canvas.setFillColorRGB(*_LINK)
    canvas.setStrokeColorRGB(*_LINK)
    baseline = box.y + box.h / 2 - size * 0.35
    inner_w = box.w - 2 * _PAD
    left, width = fonts.draw_text_line(
        canvas, box.x + _PAD, baseline, lines[0], size, width=inner_w
    )
    canvas.setLineWidth(max(size * 0.06, 0.4))
    canvas.line(left, baseline - size * 0.12, left + width, baseline - size * 0.12)


def _is_true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "on", "checked")


def _draw_value(
    canvas: Canvas, value: StampValue, page: PageGeometry, images: dict[str, Picture]
) -> None:
    box = _Box(
        value.x / 100 * page.width,
        page.height - (value.y + value.height) / 100 * page.height,
        value.width / 100 * page.width,
        value.height / 100 * page.height,
    )
    canvas.saveState()
    canvas.setFillColorRGB(*_INK)
    kind = value.type
    text = value.value
    is_image = kind in IMAGE_FIELD_TYPES or (kind == "file" and text.startswith("data:image/"))
    if is_image and text:
        picture = _image(text, images)
        inset = min(box.w, box.h) * 0.04
        room_w, room_h = max(box.w - 2 * inset, 0.0), max(box.h - 2 * inset, 0.0)
        scale = min(room_w / picture.width, room_h / picture.height)  # kept in proportion
        w, h = picture.width * scale, picture.height * scale
        x, y = box.x + inset + (room_w - w) / 2, box.y + inset + (room_h - h) / 2  # centred
        draw_picture(canvas, picture, x, y, w, h)
        if value.text_layer:
            # Fully transparent, not render mode 3: extractors read it, viewers don't show it.
            canvas.saveState()
            canvas.setFillAlpha(0)
            _draw_text(canvas, value.text_layer, box, min(box.h * 0.7, _SINGLE_LINE_MAX), False)
            canvas.restoreState()
    elif kind in ("checkbox", "approval_checkmark"):
        _draw_check(canvas, box, _is_true(text))
    elif kind == "radio_buttons":
        _draw_radio(canvas, box, _is_true(text))
    elif kind == "url" and (text or value.url_text):
        _draw_url(canvas, value, box, value.font_size or min(box.h * 0.7, _SINGLE_LINE_MAX))
    elif kind == "text_area" and text:
        _draw_text(canvas, text, box, value.font_size or _TEXT_AREA_SIZE, multiline=True)
    elif text:
        if kind in ("date", "approval_date"):
            text = format_date(text, value.date_format)
        elif kind == "file" and text.startswith("data:"):
            # An uploaded non-image file: its bytes belong in storage, not printed as base64.
            text = f"Attached file ({text[5:].split(';', 1)[0].split(',', 1)[0] or 'data'})"
        size = value.font_size or min(box.h * 0.7, _SINGLE_LINE_MAX)
        _draw_text(canvas, text, box, size, multiline="\n" in text)
    canvas.restoreState()


def _num(value: float) -> str:
    # PDF has no exponent notation; fixed decimals, trailing zeros trimmed.
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def values_by_page(values: Iterable[StampValue], page_count: int) -> dict[int, list[StampValue]]:
    """``values`` grouped by 1-based page number, in page order; StampError past the last page."""
    by_page: dict[int, list[StampValue]] = defaultdict(list)
    for value in values:
        by_page[value.page_number].append(value)
    if by_page and max(by_page) > page_count:
        raise StampError(f"a value is on page {max(by_page)}, but the PDF has {page_count} pages")
    return {number: by_page[number] for number in sorted(by_page)}


def draw_overlay(pages: Sequence[tuple[PageGeometry, Sequence[StampValue]]]) -> bytes:
    """One reportlab PDF with a page per entry, each the size of its page as displayed.

    An image used on several pages (the same data URI) is embedded once. Raises StampError for
    unreadable image data.
    """
    out = io.BytesIO()
    with fonts.binary_streams():
        canvas = Canvas(out, pageCompression=1)
        images: dict[str, Picture] = {}
        for geo, values in pages:
            canvas.setPageSize((geo.width, geo.height))
            for value in values:
                _draw_value(canvas, value, geo, images)
            canvas.showPage()
        canvas.save()
    return out.getvalue()


def placement_operators(geo: PageGeometry, name: str) -> tuple[bytes, bytes]:
    """Content to put before and after a page's own content to draw XObject ``name`` on top.

    The original content is wrapped in q/Q so a graphics state it leaves behind (a transform, a
    clip) cannot move or hide the stamp; its streams are not rewritten.
    """
    matrix = " ".join(_num(v) for v in geo.matrix)
    return b"q\n", f"\nQ\nq {matrix} cm /{name.lstrip('/')} Do Q\n".encode()


def link_target(geo: PageGeometry, value: StampValue) -> tuple[str, Rect] | None:
    """For a url value with an http(s) address: the address and its rectangle in user space."""
    url = value.value.strip()
    if value.type != "url" or not url.lower().startswith(("http://", "https://")):
        return None
    left = value.x / 100 * geo.width
    right = (value.x + value.width) / 100 * geo.width
    top = geo.height - value.y / 100 * geo.height
    bottom = geo.height - (value.y + value.height) / 100 * geo.height
    corners = [geo.to_user(x, y) for x in (left, right) for y in (bottom, top)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return url, (min(xs), min(ys), max(xs), max(ys))


def _own_xobjects(page: pikepdf.Page) -> pikepdf.Dictionary:
    """Give the page its own /Resources and /XObject dicts before adding to them.

    Pages often share (or inherit) one resources dictionary; adding our stamp to it would
    add it to every page that shares it.
    """
    resources = _copy(_inherited(page.obj, "/Resources"))
    xobjects = _copy(resources.get("/XObject"))
    resources.XObject = xobjects
    page.obj.Resources = resources
    return xobjects


def _copy(value: pikepdf.Object | None) -> pikepdf.Dictionary:
    """A new direct dictionary with the same entries (values stay shared), or an empty one."""
    if not isinstance(value, Dictionary):
        return Dictionary()
    return Dictionary(dict(value.items()))


def _add_link(pdf: pikepdf.Pdf, page: pikepdf.Page, geo: PageGeometry, value: StampValue) -> None:
    target = link_target(geo, value)
    if target is None:
        return
    url, rect = target
    annot = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array(list(rect)),
        Border=Array([0, 0, 0]),
        F=4,  # print
        A=Dictionary(S=Name.URI, URI=pikepdf.String(url)),
    )
    existing = page.obj.get("/Annots")
    annots = Array(list(existing)) if isinstance(existing, Array) else Array()
    annots.append(pdf.make_indirect(annot))
    page.obj.Annots = annots


def stamp_pdf(pdf: pikepdf.Pdf, values: Iterable[StampValue]) -> int:
    """Draw ``values`` onto the open ``pdf`` in place; returns how many pages were stamped.

    Raises StampError when a value points past the last page or carries unreadable image data.
    """
    by_page = values_by_page(values, len(pdf.pages))
    if not by_page:
        return 0
    targets = [pdf.pages[n - 1] for n in by_page]
    geometries = [page_geometry(page) for page in targets]
    drawn = draw_overlay(list(zip(geometries, by_page.values(), strict=True)))
    overlay = pikepdf.open(io.BytesIO(drawn))
    for values_on_page, page, geo, stamp in zip(
        by_page.values(), targets, geometries, overlay.pages, strict=True
    ):
        form = pdf.copy_foreign(stamp.as_form_xobject())
        xobjects = _own_xobjects(page)
        name = Name("/" + STAMP_NAME)
        suffix = 1
        while name in xobjects:
            name = Name(f"/{STAMP_NAME}{suffix}")
            suffix += 1
        xobjects[name] = form
        before, after = placement_operators(geo, str(name))
        page.contents_add(before, prepend=True)
        page.contents_add(after)
        for value in values_on_page:
            _add_link(pdf, page, geo, value)
    return len(by_page)


def append_pdf(pdf: pikepdf.Pdf, other: bytes | pikepdf.Pdf) -> int:
    """Append every page of ``other`` (e.g. the certificate) to ``pdf``.

    Returns the 0-based index of the first appended page.
    """
    first = len(pdf.pages)
    source = other if isinstance(other, pikepdf.Pdf) else pikepdf.open(io.BytesIO(other))
    pdf.pages.extend(source.pages)
    return first


def stamp_values(
    original: bytes, values: Sequence[StampValue], certificate: bytes | None = None
) -> bytes:
    """Open ``original``, stamp ``values``, append ``certificate`` if given, and save once."""
    with pikepdf.open(io.BytesIO(original)) as pdf:
        stamp_pdf(pdf, values)
        if certificate is not None:
            append_pdf(pdf, certificate)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
