"""Plain factories for the PDF tests: documents made with reportlab and pikepdf, images with
Pillow, and what a reader sees (pdfium renderings and extracted text)."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Sequence

import pikepdf
import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def create_pdf(
    pages: int = 1,
    size: tuple[float, float] = A4,
    *,
    rotate: Sequence[int] | None = None,
    cropbox: tuple[float, float, float, float] | None = None,
    label: str | None = "Page",
) -> bytes:
    """A plain document with a small label per page; optional /Rotate per page and a CropBox."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for i in range(pages):
        if label:
            c.setFont("Helvetica", 9)
            c.drawString(20, 20, f"{label} {i + 1}")
        c.showPage()
    c.save()
    if rotate is None and cropbox is None:
        return buf.getvalue()
    pdf = pikepdf.open(io.BytesIO(buf.getvalue()))
    for i, page in enumerate(pdf.pages):
        if rotate is not None:
            page.obj.Rotate = rotate[i % len(rotate)]
        if cropbox is not None:
            page.obj.CropBox = pikepdf.Array(list(cropbox))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


Rgb = tuple[int, int, int]


def create_png(width: int = 200, height: int = 80, color: Rgb = (0, 0, 0)) -> bytes:
    """A solid opaque image: easy to find again in a rendering."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def create_broken_png() -> bytes:
    """A PNG that opens (its header is right) but breaks while decoding: Pillow raises
    SyntaxError ("broken PNG file") for it, not OSError."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 60, 30, 8, 0, 0, 0, 0))
    pixels = zlib.compress(b"\0" * 61 * 30)
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", pixels[:10]) + b"\0\0IEND\0"


def data_uri(png: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64,{base64.b64encode(png).decode()}"


def render(pdf: bytes, page: int = 0, scale: float = 1.0) -> Image.Image:
    """The page as a viewer shows it (rotation and CropBox applied), as an RGB image."""
    document = pdfium.PdfDocument(pdf)
    image = document[page].render(scale=scale).to_pil().convert("RGB")
    document.close()
    return image


def dark_bbox(image: Image.Image, threshold: int = 128) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the dark pixels, or None if there are none."""
    mask = image.convert("L").point(lambda v: 255 if v < threshold else 0)
    return mask.getbbox()


def page_text(pdf: bytes, page: int = 0) -> str:
    document = pdfium.PdfDocument(pdf)
    text = str(document[page].get_textpage().get_text_range())
    document.close()
    return text
